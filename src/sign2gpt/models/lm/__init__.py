"""The frozen language model and its gated sign branch
(docs/method.md#44-language-model-and-gated-fusion).

- :mod:`.families`: which LMs fit (layouts per ``model_type``), loading them frozen, ``DTYPES``;
- :mod:`.sign_branch`: one layer's trainable parts and the gated attention over the sign memory;
- :mod:`.fusion`: where the sign heads join a layer (the explicit sum, or the opt-in fast path);
- :mod:`.gated`: :class:`GatedLM`, its teacher-forced forward and beam-search ``generate``.
"""

from sign2gpt.models.lm.families import (
    DTYPES,
    FAMILY_MODEL_TYPES,
    LAYOUTS,
    DecoderLayout,
    decoder_layer_classes,
    layout_of,
    lm_architecture,
    load_lm,
    local_lm_config,
    xglm_config,
)
from sign2gpt.models.lm.fusion import FusedSignTaps, GatedSignAttention
from sign2gpt.models.lm.gated import GatedLM, GatedLMOutput
from sign2gpt.models.lm.sign_branch import (
    LORA_TARGETS,
    SIGN_CONTEXT_KWARG,
    FrozenAttentionParts,
    GatedLayerAdapter,
    SignContext,
    clamp_ste,
    project,
)

__all__ = [
    "DTYPES",
    "FAMILY_MODEL_TYPES",
    "LAYOUTS",
    "LORA_TARGETS",
    "SIGN_CONTEXT_KWARG",
    "DecoderLayout",
    "FrozenAttentionParts",
    "FusedSignTaps",
    "GatedLM",
    "GatedLMOutput",
    "GatedLayerAdapter",
    "GatedSignAttention",
    "SignContext",
    "clamp_ste",
    "decoder_layer_classes",
    "layout_of",
    "lm_architecture",
    "load_lm",
    "local_lm_config",
    "project",
    "xglm_config",
]
