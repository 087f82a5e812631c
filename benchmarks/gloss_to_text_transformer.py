"""A plain from-scratch encoder-decoder transformer, gloss sequence to German text: the
literature's gloss-to-text baseline (Camgoz et al. 2020; Yin & Read 2020), on the large
synthetic corpus's splits, scored with the toolkit's scorer, beside the gated-LM ceiling.

    .venv/bin/python benchmarks/gloss_to_text_transformer.py --root large_out/corpus \
        [--layers 2] [--width 512] [--heads 8] [--dropout 0.1] [--epochs 30] [--threads 1]

The data: the ``orth`` (glosses) and ``translation`` columns of the corpus at ``--root`` read by
the toolkit's own reader (the clips, splits and text the gated-LM runs see); without ``--root``
the large preset's sentences and glosses are generated in this process by the code that
``sign2gpt synth --preset large --seed S`` runs before rendering (the same splits, no frames).

The model: word-level vocabularies of the training split (glosses; words of the lowercased
text), sinusoidal positions, ``torch.nn.Transformer`` (post-norm, ReLU, ffn 4x the width as in
the papers), label smoothing 0.1, Adam (0.9, 0.98) with linear warm-up and inverse square-root
decay, greedy dev BLEU-4 every ``--eval-every`` epochs (the best is kept), beam search (width
``--beam``, length penalty ``--alpha``) on test. Prints test BLEU-1..4 and ROUGE-L of
:func:`sign2gpt.metrics.translation.score`, the training curve, wall and CPU seconds
(process time: the figure that other load on a shared machine does not inflate).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from sign2gpt.metrics.translation import score

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")


@dataclass(frozen=True)
class Pair:
    split: str
    glosses: tuple[str, ...]
    text: str  # the reference as the corpus stores it

    @property
    def words(self) -> list[str]:
        return self.text.lower().split()


def corpus_pairs(root: str | None, seed: int) -> list[Pair]:
    """Every clip's (split, glosses, text): from a rendered corpus, or generated as the large
    preset does before rendering."""
    if root:
        from sign2gpt.data.readers import read_dataset

        records = read_dataset("phoenix14t", root)
        return [Pair(r.split, tuple(r.gloss.split()), r.text) for r in records]
    from sign2gpt.synth.grammar_de_large import sample_corpus
    from sign2gpt.synth.lexicon_de import german_lexicon
    from sign2gpt.synth.sentences import sign_corpus

    items = sample_corpus(seed).items()
    utterances, _ = sign_corpus([s for _, s in items], "de", german_lexicon().sign_map, False)
    return [Pair(split, u.glosses, u.text) for (split, _), u in zip(items, utterances)]


class Vocab:
    """Word-level: the training split's tokens, most frequent first, after the specials."""

    def __init__(self, sequences: Sequence[Sequence[str]]) -> None:
        counts = Counter(t for seq in sequences for t in seq)
        self.itos = [*SPECIALS, *sorted(counts, key=lambda t: (-counts[t], t))]
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, seq: Sequence[str]) -> list[int]:
        return [self.stoi.get(t, UNK) for t in seq]

    def decode(self, ids: Sequence[int]) -> str:
        return " ".join(self.itos[i] for i in ids if i > UNK)


def sinusoids(length: int, width: int) -> torch.Tensor:
    position = torch.arange(length).unsqueeze(1)
    rate = torch.exp(torch.arange(0, width, 2) * (-math.log(10000.0) / width))
    table = torch.zeros(length, width)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate)
    return table  # (length, width)


class GlossToText(nn.Module):
    def __init__(self, n_src: int, n_tgt: int, width: int, heads: int, layers: int, dropout: float):
        super().__init__()
        self.width = width
        self.src_embed = nn.Embedding(n_src, width, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(n_tgt, width, padding_idx=PAD)
        self.register_buffer("positions", sinusoids(512, width), persistent=False)
        self.dropout = nn.Dropout(dropout)
        self.transformer = nn.Transformer(
            width, heads, layers, layers, 4 * width, dropout, batch_first=True
        )
        self.out = nn.Linear(width, n_tgt)

    def _embed(self, table: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        x = table(ids) * math.sqrt(self.width) + self.positions[: ids.shape[1]]
        return self.dropout(x)  # (B, L, width)

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pad = src == PAD  # (B, S)
        return self.transformer.encoder(
            self._embed(self.src_embed, src), src_key_padding_mask=pad
        ), pad

    def decode(
        self, memory: torch.Tensor, memory_pad: torch.Tensor, tgt: torch.Tensor
    ) -> torch.Tensor:
        length = tgt.shape[1]  # True above the diagonal: a position sees no later one
        causal = torch.ones(length, length, dtype=torch.bool).triu(1)
        h = self.transformer.decoder(
            self._embed(self.tgt_embed, tgt),
            memory,
            tgt_mask=causal,
            tgt_is_causal=True,
            tgt_key_padding_mask=tgt == PAD,
            memory_key_padding_mask=memory_pad,
        )
        return self.out(h)  # (B, T, n_tgt)

    def decode_step(
        self,
        memory: torch.Tensor,
        memory_pad: torch.Tensor,
        cache: list[torch.Tensor],
        last: torch.Tensor,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits of the next token, given the last one (B,) and each decoder layer's inputs at
        the earlier positions (``cache``, (B, t, width) each): one position per step instead of
        the whole prefix again, so decoding is linear in the length (eval mode, post-norm
        layers as ``nn.Transformer`` builds them)."""
        position = cache[0].shape[1] if cache else 0
        x = self.tgt_embed(last[:, None]) * math.sqrt(self.width) + self.positions[position]
        new_cache = []
        for i, layer in enumerate(self.transformer.decoder.layers):
            keys = torch.cat([cache[i], x], dim=1) if cache else x  # (B, t+1, width)
            new_cache.append(keys)
            x = layer.norm1(x + layer.self_attn(x, keys, keys, need_weights=False)[0])
            attended = layer.multihead_attn(
                x, memory, memory, key_padding_mask=memory_pad, need_weights=False
            )[0]
            x = layer.norm2(x + attended)
            x = layer.norm3(x + layer.linear2(layer.activation(layer.linear1(x))))
        x = self.transformer.decoder.norm(x)
        return self.out(x[:, -1]), new_cache  # (B, n_tgt)


def pad_batch(seqs: Sequence[Sequence[int]]) -> torch.Tensor:
    out = torch.full((len(seqs), max(len(s) for s in seqs)), PAD, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out


@torch.no_grad()
def beam_search(
    model: GlossToText, src: torch.Tensor, beam: int, alpha: float, max_len: int
) -> list[list[int]]:
    """Batched beam search (beam 1 is greedy); a finished hypothesis scores its log-probability
    over GNMT's length penalty ((5 + length) / 6) ** alpha."""
    model.eval()
    batch = src.shape[0]
    memory, pad = model.encode(src)
    memory = memory.repeat_interleave(beam, 0)  # (B*beam, S, width)
    pad = pad.repeat_interleave(beam, 0)
    seqs = torch.full((batch * beam, 1), BOS, dtype=torch.long)  # (B*beam, t)
    cache: list[torch.Tensor] = []
    scores = torch.zeros(batch, beam)
    scores[:, 1:] = -1e9  # every beam starts as the same hypothesis: expand one
    done: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch)]
    alive = [True] * batch

    def penalty(length: int) -> float:
        return ((5 + length) / 6) ** alpha

    for step in range(max_len):
        logits, cache = model.decode_step(memory, pad, cache, seqs[:, -1])
        logits[:, [PAD, BOS, UNK]] = -math.inf  # never chosen: they are not words
        logp = F.log_softmax(logits, dim=-1)  # (B*beam, V)
        vocab = logp.shape[-1]
        total = (scores.view(-1, 1) + logp).view(batch, beam * vocab)
        top, index = total.topk(2 * beam, dim=-1)  # (B, 2*beam)
        rows = torch.arange(batch * beam).view(batch, beam)  # a dead row keeps its own beams
        tokens = torch.full((batch, beam), PAD, dtype=torch.long)
        new_scores = torch.full((batch, beam), -1e9)
        for b in range(batch):
            if not alive[b]:
                continue
            kept = 0
            for k in range(2 * beam):
                origin, token = divmod(int(index[b, k]), vocab)
                value = float(top[b, k])
                if token == EOS or step == max_len - 1:
                    words = seqs[b * beam + origin, 1:].tolist()
                    done[b].append((value / penalty(len(words) + 1), words))
                    continue
                rows[b, kept], tokens[b, kept], new_scores[b, kept] = (
                    b * beam + origin,
                    token,
                    value,
                )
                kept += 1
                if kept == beam:
                    break
            # no open beam can overtake the best finished one: its score only falls
            best_open = float(new_scores[b].max()) / penalty(max_len)
            if len(done[b]) >= beam and max(d[0] for d in done[b]) >= best_open:
                alive[b] = False
        if not any(alive):
            break
        seqs = torch.cat([seqs[rows.view(-1)], tokens.view(-1, 1)], dim=1)
        cache = [c[rows.view(-1)] for c in cache]
        scores = new_scores
    return [max(d)[1] if d else [] for d in done]


def translate(
    model: GlossToText, vocab: Vocab, srcs: list[list[int]], beam: int, alpha: float, batch: int
) -> list[str]:
    out: list[str] = []
    for i in range(0, len(srcs), batch):
        chunk = srcs[i : i + batch]
        max_len = max(len(s) for s in chunk) * 2 + 10  # references: 1.4 words per gloss
        out += [
            vocab.decode(ids) for ids in beam_search(model, pad_batch(chunk), beam, alpha, max_len)
        ]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="a rendered large corpus (else generated, no frames)")
    parser.add_argument("--seed", type=int, default=0, help="the corpus seed (without --root)")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-4, help="peak learning rate")
    parser.add_argument("--warmup-steps", type=int, default=1000)
    parser.add_argument("--eval-every", type=int, default=2, help="epochs between dev scores")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--alpha", type=float, default=1.0, help="length penalty exponent")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--train-seed", type=int, default=0)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.train_seed)
    rng = random.Random(args.train_seed)
    wall0, cpu0 = time.perf_counter(), time.process_time()

    pairs = corpus_pairs(args.root, args.seed)
    by_split = {s: [p for p in pairs if p.split == s] for s in ("train", "dev", "test")}
    src_vocab = Vocab([p.glosses for p in by_split["train"]])
    tgt_vocab = Vocab([p.words for p in by_split["train"]])
    data = {
        s: [(src_vocab.encode(p.glosses), tgt_vocab.encode(p.words)) for p in ps]
        for s, ps in by_split.items()
    }
    print(
        f"clips train/dev/test {len(data['train'])}/{len(data['dev'])}/{len(data['test'])}; "
        f"vocab glosses {len(src_vocab)}, words {len(tgt_vocab)}; data in "
        f"{time.perf_counter() - wall0:.0f} s",
        flush=True,
    )
    model = GlossToText(
        len(src_vocab), len(tgt_vocab), args.width, args.heads, args.layers, args.dropout
    )
    params = sum(p.numel() for p in model.parameters())
    print(f"model: {args.layers}+{args.layers} layers, {args.width} wide, {args.heads} heads, "
          f"dropout {args.dropout}: {params / 1e6:.1f} M parameters", flush=True)  # fmt: skip
    optim = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-9)
    warm = args.warmup_steps
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min((s + 1) / warm, math.sqrt(warm / (s + 1)))
    )
    train = data["train"]
    dev_refs = [p.text for p in by_split["dev"]]
    best: tuple[float, int, dict[str, torch.Tensor]] = (-1.0, 0, {})
    curve: list[dict[str, float]] = []
    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = sorted(range(len(train)), key=lambda i: (len(train[i][0]), rng.random()))
        batches = [order[i : i + args.batch_size] for i in range(0, len(order), args.batch_size)]
        rng.shuffle(batches)
        losses = []
        for idx in batches:
            src = pad_batch([train[i][0] for i in idx])
            tgt = pad_batch([[BOS, *train[i][1], EOS] for i in idx])
            memory, pad = model.encode(src)
            logits = model.decode(memory, pad, tgt[:, :-1])
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]),
                tgt[:, 1:].reshape(-1),
                ignore_index=PAD,
                label_smoothing=0.1,
            )
            optim.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            sched.step()
            step += 1
            losses.append(loss.item())
        row = {"epoch": epoch, "steps": step, "loss": sum(losses) / len(losses)}
        if epoch % args.eval_every == 0 or epoch == args.epochs:
            hyps = translate(model, tgt_vocab, [s for s, _ in data["dev"]], 1, args.alpha, 128)
            row["dev_bleu4"] = float(score(hyps, dev_refs, "de")["bleu4"])
            if row["dev_bleu4"] > best[0]:
                state = {k: v.clone() for k, v in model.state_dict().items()}
                best = (row["dev_bleu4"], epoch, state)
        row["cpu_s"] = time.process_time() - cpu0
        row["wall_s"] = time.perf_counter() - wall0
        curve.append(row)
        print(json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)

    model.load_state_dict(best[2])
    test_refs = [p.text for p in by_split["test"]]
    hyps = translate(model, tgt_vocab, [s for s, _ in data["test"]], args.beam, args.alpha, 64)
    test = score(hyps, test_refs, "de")
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(f"best dev BLEU-4 (greedy) {best[0]:.2f} at epoch {best[1]}; test, beam {args.beam}:")
    print(" | ".join(f"{k} {float(v):.2f}" for k, v in test.items()))
    print(f"distinct test outputs {len(set(hyps))} of {len(hyps)}")
    print(f"time: {wall:.0f} s wall, {cpu:.0f} s CPU ({args.threads} thread(s))")
    for h, r in list(zip(hyps, test_refs))[:3]:
        print(f"  hyp: {h}\n  ref: {r}")
    if args.json:
        payload = {"args": vars(args), "params": params, "curve": curve, "test": test,
                   "best_dev_bleu4": best[0], "best_epoch": best[1], "cpu_s": cpu,
                   "wall_s": wall}  # fmt: skip
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
