"""Typed configuration: one dataclass per part, YAML in, resolved YAML out.

Model and data code receive these dataclasses, never raw dicts. A recipe YAML names only what
differs from the defaults (:mod:`sign2gpt.config.sections`: the paper's Phoenix14T setting,
docs/method.md#5-training-recipe); command-line overrides use dotted keys, e.g.
``train.optim.lr=1e-4 model.sign_encoder.num_blocks=2``. Every value is checked when the config
is loaded (type, then range: :func:`~sign2gpt.config.loading.validate`), so a bad value fails
before any output exists. :mod:`sign2gpt.config.fields` holds what a field may declare (its
range) and the limits that bound a decode.
"""

from sign2gpt.config.fields import (
    MAX_FRAME_BYTES,
    MAX_PIXELS,
    PAPER_POS,
    Bounds,
    ConfigError,
    setting,
)
from sign2gpt.config.loading import (
    from_dict,
    load_config,
    parse_overrides,
    parse_yaml,
    read_yaml,
    save_config,
    to_dict,
    validate,
)
from sign2gpt.config.sections import (
    AugmentConfig,
    BridgeConfig,
    Config,
    DataConfig,
    LMConfig,
    LMPretrainConfig,
    LoraConfig,
    Modality,
    ModelConfig,
    OptimConfig,
    PGPHeadConfig,
    PoseAugmentConfig,
    PoseEncoderConfig,
    PseudoGlossConfig,
    SignEncoderConfig,
    SpatialConfig,
    Stage,
    TrainConfig,
)

__all__ = [
    "MAX_FRAME_BYTES",
    "MAX_PIXELS",
    "PAPER_POS",
    "AugmentConfig",
    "Bounds",
    "BridgeConfig",
    "Config",
    "ConfigError",
    "DataConfig",
    "LMConfig",
    "LMPretrainConfig",
    "LoraConfig",
    "Modality",
    "ModelConfig",
    "OptimConfig",
    "PGPHeadConfig",
    "PoseAugmentConfig",
    "PoseEncoderConfig",
    "PseudoGlossConfig",
    "SignEncoderConfig",
    "SpatialConfig",
    "Stage",
    "TrainConfig",
    "from_dict",
    "load_config",
    "parse_overrides",
    "parse_yaml",
    "read_yaml",
    "save_config",
    "setting",
    "to_dict",
    "validate",
]
