"""Pseudo-gloss pretraining head (stage 1, docs/method.md#3-stage-1-pseudo-gloss-pretraining).

h (B, T, D) -> dropout -> Linear(D -> P) -> y (B, T, P)
S[t, v] = cos(y_t, p_v) for V frozen prototypes, plus a last all-zero "null" column (cos = 0)
U = softmax_v(S / tau_U)                          which pseudo-gloss is this frame
A = softmax_t(S / tau_T), padded frames masked    when does this pseudo-gloss happen
E = U * A  (B, T, V+1)                            the localisation map (paper, Figure 4)
yhat_v = sum_t E[t, v], null column dropped  (B, V)
loss = 10 * mean BCE(clamp(yhat, 1e-8, 1 - 1e-8), multi-hot targets)

The head's arithmetic runs in float32 with autocast off: bf16 cannot tell 1 - 1e-8 from 1, and
binary cross-entropy is not autocast-safe. Like ``torch.nn.BCELoss`` (the authors' loss), the log
terms are clamped at -100.

Prototypes come from one of three sources (``model.pgp_head.prototypes``): the frozen LM's input
embeddings (``lm``, :func:`lm_embedding_prototypes`, the default of this project), word vectors
from the co-occurrence of the pseudo-glosses in the training sentences (``cooccurrence``,
:func:`cooccurrence_prototypes`, the offline stand-in for fastText, the demo's), or a fastText
``.vec`` / ``.bin`` file (its path, :func:`load_fasttext_prototypes`, the authors' choice). They
are a buffer: saved with the head, never trained.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedTokenizerBase

from sign2gpt.config import Config, ConfigError, PGPHeadConfig
from sign2gpt.errors import DataError, Sign2GPTError
from sign2gpt.io import progress_bar

if TYPE_CHECKING:
    from sign2gpt.text.pseudo_gloss import PseudoGlossVocab

log = logging.getLogger(__name__)

PROB_EPS = 1e-8


@dataclass
class PGPOutput:
    loss: torch.Tensor | None  # () scalar, None without targets
    yhat: torch.Tensor  # (B, V) pseudo-gloss probabilities
    E: torch.Tensor  # (B, T, V+1) localisation map, null column last, 0 at padded frames


class PGPHead(nn.Module):
    """Prototype head of pseudo-gloss pretraining; see the module docstring for the maths."""

    def __init__(self, cfg: PGPHeadConfig, dim: int, prototypes: torch.Tensor) -> None:
        super().__init__()
        if prototypes.ndim != 2 or prototypes.shape[0] < 1:
            raise ValueError(
                f"prototypes must be (V, P) with V >= 1, got {tuple(prototypes.shape)}"
            )
        V, P = prototypes.shape
        if cfg.prototype_dim and cfg.prototype_dim != P:
            raise ConfigError(
                f"pgp_head.prototype_dim is {cfg.prototype_dim} but the prototypes have {P} dims"
            )
        if not 0 < cfg.tau_min <= cfg.tau_max:
            raise ConfigError(
                f"pgp_head: need 0 < tau_min <= tau_max, got {cfg.tau_min}, {cfg.tau_max}"
            )
        self.cfg = cfg
        self.num_pseudo_glosses = V
        self.dropout = nn.Dropout(cfg.dropout)
        self.proj = nn.Linear(dim, P, device=prototypes.device)
        self.register_buffer("prototypes", prototypes.detach().float().clone())  # (V, P)
        tau = torch.full((), float(cfg.tau_init), device=prototypes.device)
        if cfg.learn_tau:
            self.tau_u = nn.Parameter(tau.clone())
            self.tau_t = nn.Parameter(tau.clone())
        else:
            self.register_buffer("tau_u", tau.clone())
            self.register_buffer("tau_t", tau.clone())

    def temperatures(self) -> tuple[torch.Tensor, torch.Tensor]:
        """tau_U and tau_T clamped to [tau_min, tau_max] (no gradient outside the range)."""
        lo, hi = self.cfg.tau_min, self.cfg.tau_max
        return self.tau_u.float().clamp(lo, hi), self.tau_t.float().clamp(lo, hi)

    def similarity(self, z: torch.Tensor) -> torch.Tensor:
        """S: cosine of the projected frames with every prototype, null column last (B, T, V+1)."""
        y = self.proj(self.dropout(z)).float()  # (B, T, P)
        with torch.autocast(device_type=z.device.type, enabled=False):
            y = F.normalize(y, dim=-1)
            protos = F.normalize(self.prototypes.float(), dim=-1)  # (V, P); a zero row stays 0
            S = y @ protos.T  # (B, T, V)
            null = S.new_zeros(*S.shape[:-1], 1)  # cos with the zero prototype
            return torch.cat([S, null], dim=-1)  # (B, T, V+1)

    def forward(
        self, z: torch.Tensor, mask: torch.Tensor, targets: torch.Tensor | None = None
    ) -> PGPOutput:
        # z: (B, T, D) sign features; mask: (B, T) True = valid; targets: (B, V) multi-hot
        S = self.similarity(z)  # (B, T, V+1) float32
        with torch.autocast(device_type=z.device.type, enabled=False):
            tau_u, tau_t = self.temperatures()
            U = torch.softmax(S / tau_u, dim=-1)  # over pseudo-glosses
            # A large negative instead of -inf: a clip with no valid frame gets a uniform
            # column instead of NaN; padded frames get exactly 0 either way.
            logits_t = (S / tau_t).masked_fill(~mask.bool()[..., None], torch.finfo(S.dtype).min)
            A = torch.softmax(logits_t, dim=1)  # over frames
            E = U * A  # (B, T, V+1)
            yhat = E.sum(dim=1)[:, : self.num_pseudo_glosses]  # (B, V), null column dropped
            loss = None
            if targets is not None:
                if targets.shape != yhat.shape:
                    raise ValueError(
                        f"targets {tuple(targets.shape)} do not match "
                        f"predictions {tuple(yhat.shape)}"
                    )
                probs = yhat.clamp(PROB_EPS, 1.0 - PROB_EPS)
                loss = self.cfg.loss_weight * F.binary_cross_entropy(probs, targets.float())
        return PGPOutput(loss=loss, yhat=yhat, E=E)


# --------------------------------------------------------------------------------------------
# prototypes


def lm_embedding_prototypes(
    embedding: nn.Embedding, tokenizer: PreTrainedTokenizerBase, vocab: list[str]
) -> torch.Tensor:
    """(V, d): the mean input embedding of each pseudo-gloss's subword tokens.

    Each word is tokenised with a leading space, as it appears inside a sentence (SentencePiece
    and byte-level BPE tokenisers mark word starts), without special tokens. A word that yields
    no token gets a zero prototype (cos = 0 with everything).
    """
    weight = embedding.weight.detach()  # (vocab, d)
    encoded = tokenizer([" " + word for word in vocab], add_special_tokens=False)["input_ids"]
    out = torch.zeros(len(vocab), weight.shape[1], dtype=torch.float32, device=weight.device)
    empty = 0
    for row, ids in enumerate(encoded):
        if not ids:
            empty += 1
            continue
        index = torch.as_tensor(ids, dtype=torch.long, device=weight.device)
        out[row] = weight.index_select(0, index).float().mean(dim=0)
    if empty:
        log.warning("%d of %d pseudo-glosses gave no token: zero prototypes", empty, len(vocab))
    return out


COOCCURRENCE_DIM = 128  # P of `prototypes: cooccurrence` unless prototype_dim says otherwise
NEAR_DUPLICATE_COS = 0.95
OWN_DIRECTION_SHARE = 0.25  # of each cooccurrence prototype: see cooccurrence_prototypes


def ppmi(counts: torch.Tensor, context_power: float = 0.75) -> torch.Tensor:
    """Positive pointwise mutual information of a (V, V) co-occurrence count matrix, row word w,
    column context c: max(0, log(P(w, c) / (P(w) P_a(c)))), with P_a(c) proportional to
    count(c) ** ``context_power`` (the smoothing that keeps rare contexts from dominating)."""
    counts = counts.double()
    total = counts.sum()
    word_p = counts.sum(dim=1) / total  # (V,)
    context = counts.sum(dim=0).pow(context_power)
    context_p = context / context.sum()  # (V,)
    pmi = torch.log(counts / total / (word_p[:, None] * context_p[None, :]))  # -inf / nan at 0
    return torch.nan_to_num(pmi, nan=0.0, neginf=0.0, posinf=0.0).clamp_(min=0.0)


def cooccurrence_prototypes(
    sequences: Iterable[Sequence[str]],
    vocab: list[str],
    dim: int = COOCCURRENCE_DIM,
    own_share: float = OWN_DIRECTION_SHARE,
) -> torch.Tensor:
    """(V, dim) unit word vectors of the pseudo-glosses from the training sentences alone.

    The offline stand-in for fastText (``prototypes: cooccurrence``). The shared part: the
    positive pointwise mutual information of two pseudo-glosses occurring in the same sentence,
    context distribution smoothed by the power 0.75, factorised by an SVD, row v = U_v sqrt(S)
    over the top ``dim`` components (Levy, Goldberg & Dagan 2015): words that share contexts get
    nearby prototypes, as with fastText. Each word also gets a fixed random direction of its own
    holding ``own_share`` of its squared norm, as fastText's word vector beside its shared
    n-grams: two words with the same contexts (``wind``, ``wehen``) still differ (cos about
    1 - own_share), and a lemma the tokenizer splits into letters is no problem here (with a
    small LM, its mean subword embedding collapses onto other words'). Deterministic on a given
    machine (an SVD's signs may differ between LAPACK builds).
    """
    index = {word: i for i, word in enumerate(vocab)}
    size = len(vocab)
    counts = torch.zeros(size, size, dtype=torch.float64)
    for sequence in sequences:
        ids = sorted({index[w] for w in sequence if w in index})
        if len(ids) > 1:
            rows = torch.tensor(ids)
            counts[rows[:, None], rows[None, :]] += 1.0
    counts.fill_diagonal_(0.0)
    shared = torch.zeros(size, dim, dtype=torch.float64)
    if counts.sum() > 0:
        u, s, _ = torch.linalg.svd(ppmi(counts))
        k = min(dim, size)
        shared[:, :k] = u[:, :k] * s[:k].sqrt()
    gen = torch.Generator().manual_seed(0)
    own = torch.randn(size, dim, generator=gen, dtype=torch.float64)
    # a word sharing no sentence with another has no shared part: its own direction only
    vectors = (1.0 - own_share) ** 0.5 * F.normalize(shared, dim=1)
    vectors += own_share**0.5 * F.normalize(own, dim=1)
    return F.normalize(vectors, dim=1).float()


def near_duplicate_prototypes(
    prototypes: torch.Tensor, vocab: list[str], threshold: float = NEAR_DUPLICATE_COS
) -> list[tuple[str, str, float]]:
    """Pairs of pseudo-glosses whose prototypes have a cosine of at least ``threshold``, most
    similar first. The head scores a frame by its cosine to each prototype, so it cannot tell
    the two words of such a pair apart (zero vectors are left out: they are the null's)."""
    unit = F.normalize(prototypes.double(), dim=1)  # (V, P); zero rows stay zero
    cos = unit @ unit.T  # (V, V)
    upper = torch.triu(torch.ones_like(cos, dtype=torch.bool), diagonal=1)
    first, second = torch.nonzero((cos >= threshold) & upper, as_tuple=True)
    pairs = [
        (vocab[a], vocab[b], float(cos[a, b])) for a, b in zip(first.tolist(), second.tolist())
    ]
    return sorted(pairs, key=lambda pair: -pair[2])


def _read_vec(path: Path, vocab: list[str]) -> tuple[torch.Tensor, int]:
    """fastText text vectors: header "N D", then "word v1 ... vD" per line. Streams the file."""
    wanted = {word: i for i, word in enumerate(vocab)}
    lowered: dict[str, list[int]] = {}
    for i, word in enumerate(vocab):
        lowered.setdefault(word.lower(), []).append(i)
    try:
        handle = path.open("r", encoding="utf-8", errors="strict", newline="\n")
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        header = handle.readline().split()
        if len(header) != 2 or not all(h.isdigit() for h in header):
            raise DataError(f"{path}: not a fastText .vec file (first line must be 'N D')")
        count, dim = int(header[0]), int(header[1])
        vectors = torch.zeros(len(vocab), dim)
        exact = torch.zeros(len(vocab), dtype=torch.bool)
        folded = torch.zeros(len(vocab), dtype=torch.bool)
        remaining = len(wanted)
        bar = progress_bar(
            handle, total=count, desc=f"reading {path.name}", unit=" words", leave=False
        )
        try:
            for number, line in enumerate(bar, start=2):
                word, _, rest = line.rstrip("\r\n").partition(" ")
                index = wanted.get(word)
                fold = lowered.get(word.lower())
                if index is None and fold is None:
                    continue
                try:
                    values = torch.tensor([float(x) for x in rest.split()])
                except ValueError:
                    raise DataError(
                        f"{path}: line {number} has a value that is not a number"
                    ) from None
                if values.numel() != dim:
                    raise DataError(f"{path}: line {number} has {values.numel()} values, not {dim}")
                if index is not None and not exact[index]:
                    vectors[index] = values
                    exact[index] = True
                    remaining -= 1
                # fastText is case-sensitive (German nouns are capitalised, lemmas lowercased):
                # the first, most frequent, case variant stands in when the exact word is absent.
                for i in fold or []:
                    if not exact[i] and not folded[i]:
                        vectors[i] = values
                        folded[i] = True
                if remaining == 0:
                    break
        except UnicodeDecodeError:
            raise DataError(f"{path}: not UTF-8 text") from None
        finally:
            bar.close()
    missing = int((~exact & ~folded).sum())
    return vectors, missing


def _read_bin(path: Path, vocab: list[str]) -> tuple[torch.Tensor, int]:
    try:
        import fasttext  # optional: only needed for .bin models
    except ImportError:
        raise Sign2GPTError(
            f"{path}: reading a fastText .bin needs the `fasttext` package "
            "(pip install fasttext-wheel), or pass the .vec text file instead"
        ) from None
    try:
        model = fasttext.load_model(str(path))
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: cannot load the fastText model ({exc})") from None
    # Character n-grams give every word a vector, in or out of the vocabulary (as the authors).
    rows = [torch.as_tensor(model.get_word_vector(word), dtype=torch.float32) for word in vocab]
    return torch.stack(rows), 0


def load_fasttext_prototypes(path: str | Path, vocab: list[str]) -> torch.Tensor:
    """(V, D) fastText vectors of the pseudo-glosses from a .vec (text) or .bin file.

    In a .vec file a word is looked up exactly, then case-insensitively; a word found neither
    way gets a zero prototype and is counted in a warning.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: fastText vector file not found")
    if path.suffix == ".bin":
        vectors, missing = _read_bin(path, vocab)
    else:
        vectors, missing = _read_vec(path, vocab)
    if missing:
        log.warning(
            "%s: %d of %d pseudo-glosses have no vector: zero prototypes", path, missing, len(vocab)
        )
    return vectors


def build_prototypes(
    cfg: Config, vocab: PseudoGlossVocab, tokenizer: PreTrainedTokenizerBase | None
) -> torch.Tensor:
    """The frozen (V, P) prototypes of ``model.pgp_head.prototypes``: the LM's input embeddings
    (``lm``), word vectors from the training sentences (``cooccurrence``) or a fastText file.
    Warns when some prototypes are near-identical: the head cannot tell those words apart."""
    head = cfg.model.pgp_head
    if head.prototypes == "lm":
        from sign2gpt.models.lm import load_lm  # the LM only for these prototypes

        if tokenizer is None:
            raise Sign2GPTError("prototypes from the LM's embeddings need its tokenizer")
        lm = load_lm(cfg.model.lm, device="cpu")
        with torch.no_grad():
            prototypes = lm_embedding_prototypes(lm.get_input_embeddings(), tokenizer, vocab.vocab)
        prototypes = prototypes.float()
    elif head.prototypes == "cooccurrence":
        train = [vocab.clips[c] for c, split in vocab.splits.items() if split == "train"]
        prototypes = cooccurrence_prototypes(
            train, vocab.vocab, head.prototype_dim or COOCCURRENCE_DIM
        )
    else:
        prototypes = load_fasttext_prototypes(head.prototypes, vocab.vocab)
    pairs = near_duplicate_prototypes(prototypes, vocab.vocab)
    if pairs:
        shown = ", ".join(f"{a}/{b} {c:.3f}" for a, b, c in pairs[:5])
        log.warning(
            "%d pairs of pseudo-glosses have near-identical prototypes (cos >= %.2f; %s): the "
            "PGP head cannot tell them apart. fastText vectors or "
            "model.pgp_head.prototypes=cooccurrence give each word its own direction.",
            len(pairs),
            NEAR_DUPLICATE_COS,
            shown,
        )
    return prototypes
