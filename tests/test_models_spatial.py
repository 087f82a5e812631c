from dataclasses import replace
from pathlib import Path

import pytest
import tiny
import torch
from transformers import Dinov2Model

from sign2gpt.config import ConfigError, SpatialConfig
from sign2gpt.errors import CheckpointError
from sign2gpt.models.spatial import (
    build_spatial,
    convert_original_state_dict,
    dinov2_config,
    random_dinov2,
)

# 32-d, 2 blocks, 8 px patches, 4 x 4 position table (32 px); inputs of 40 px (5 x 5 patches)
# make Dinov2Embeddings interpolate the table, as 224 px inputs do for the 518 px table.
TINY = tiny.SPATIAL


def _count(module: torch.nn.Module, trainable: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable)


def _frames(n: int = 6, size: int = 40, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=g)


def _original_state_dict(hf: Dinov2Model) -> dict[str, torch.Tensor]:
    """The Hugging Face weights in the original DINOv2 layout (q, k, v fused into qkv)."""
    sd = hf.state_dict()
    out = {
        "cls_token": sd["embeddings.cls_token"],
        "mask_token": sd["embeddings.mask_token"],
        "pos_embed": sd["embeddings.position_embeddings"],
        "patch_embed.proj.weight": sd["embeddings.patch_embeddings.projection.weight"],
        "patch_embed.proj.bias": sd["embeddings.patch_embeddings.projection.bias"],
        "norm.weight": sd["layernorm.weight"],
        "norm.bias": sd["layernorm.bias"],
    }
    for i in range(hf.config.num_hidden_layers):
        p = f"encoder.layer.{i}."
        b = f"blocks.{i}."
        for kind in ("weight", "bias"):
            out[b + f"attn.qkv.{kind}"] = torch.cat(
                [sd[p + f"attention.{n}_proj.{kind}"] for n in "qkv"]
            )
            out[b + f"attn.proj.{kind}"] = sd[p + f"attention.o_proj.{kind}"]
            for name in ("norm1", "norm2", "mlp.fc1", "mlp.fc2"):
                out[b + f"{name}.{kind}"] = sd[p + f"{name}.{kind}"]
        out[b + "ls1.gamma"] = sd[p + "layer_scale1.lambda1"]
        out[b + "ls2.gamma"] = sd[p + "layer_scale2.lambda1"]
    return {k: v.clone() for k, v in out.items()}


def test_paper_parameter_table_on_meta_device():
    cfg = SpatialConfig(pretrained="facebook/dinov2-small")  # the paper setting; no download
    with torch.device("meta"):
        backbone = build_spatial(cfg, load_weights=False)
    assert backbone.vit.embeddings.position_embeddings.shape == (1, 1370, 384)
    assert backbone.vit.embeddings.mask_token is not None
    assert _count(backbone.vit) == 22_056_576  # stock Dinov2Model ViT-S/14: no pooler weights
    assert _count(backbone.lora) == 3 * (6_144 + 3_072 + 7_680 + 7_680) == 73_728
    assert _count(backbone.proj) == 197_120
    assert _count(backbone.bn) == 1_024
    assert _count(backbone) == 22_328_448
    assert _count(backbone, trainable=True) == 271_872


def test_lora_init_features_equal_frozen_dinov2_and_keys_stay_stock():
    backbone = build_spatial(TINY).eval()
    stock = Dinov2Model(dinov2_config(TINY)).eval()
    stock.load_state_dict(backbone.vit.state_dict(), strict=True)  # same keys, no extras
    frames = _frames()
    with torch.no_grad():
        assert torch.equal(backbone.features(frames), stock(pixel_values=frames).pooler_output)
        out = backbone(frames)
    assert out.shape == (6, 16)
    # Non-zero B changes the features: the hooks really act on the ViT.
    with torch.no_grad():
        backbone.lora["block1_fc2"].lora_B.normal_()
        assert not torch.allclose(backbone.features(frames), stock(pixel_values=frames)[1])


def test_gradients_reach_only_adapters_linear_and_batchnorm():
    backbone = build_spatial(TINY).train()
    backbone(_frames()).pow(2).sum().backward()
    for name, p in backbone.named_parameters():
        if name.startswith("vit."):
            assert not p.requires_grad and p.grad is None, name
        else:
            assert p.grad is not None, name
    assert {n.split(".")[1] for n, _ in backbone.named_parameters() if "lora_" in n} == {
        "block1_qkv",
        "block1_proj",
        "block1_fc1",
        "block1_fc2",
    }
    for name, adapter in backbone.lora.items():
        assert adapter.lora_B.grad.abs().sum() > 0, name  # B learns first
        assert torch.count_nonzero(adapter.lora_A.grad) == 0, name  # B = 0 blocks A's gradient
    assert backbone.proj.weight.grad.abs().sum() > 0 and backbone.bn.weight.grad.abs().sum() > 0


def test_train_backbone_makes_the_whole_vit_trainable():
    backbone = build_spatial(replace(TINY, train_backbone=True)).train()
    mask_token = backbone.vit.embeddings.mask_token
    assert _count(backbone, trainable=True) == _count(backbone) - mask_token.numel()
    backbone(_frames()).sum().backward()
    # Every trainable parameter gets a gradient (DDP without find_unused_parameters).
    assert all(p.grad is not None for p in backbone.parameters() if p.requires_grad)


def test_gradient_checkpointing_gives_the_same_gradients():
    grads, calls = [], []
    for checkpointing in (False, True):
        torch.manual_seed(1)  # same adapters and projection in both runs
        backbone = build_spatial(replace(TINY, gradient_checkpointing=checkpointing)).train()
        with torch.no_grad():
            for adapter in backbone.lora.values():
                adapter.lora_B.normal_()
        seen: list[int] = []
        q = backbone.vit.encoder.layer[1].attention.q_proj
        q.register_forward_hook(lambda *_, seen=seen: seen.append(1))
        torch.manual_seed(2)  # same LoRA dropout masks in both runs
        backbone(_frames()).pow(2).sum().backward()
        grads.append({n: p.grad for n, p in backbone.named_parameters() if p.grad is not None})
        calls.append(len(seen))
    assert calls == [1, 2]  # the checkpointed block really ran again in the backward pass
    assert grads[0].keys() == grads[1].keys()
    for name in grads[0]:
        torch.testing.assert_close(grads[0][name], grads[1][name], msg=name)


def test_random_backbone_is_reproducible():
    a, b = random_dinov2(TINY), random_dinov2(TINY)
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(x, y), name


def test_original_pth_gives_identical_features(tmp_path: Path):
    torch.manual_seed(3)
    hf = Dinov2Model(dinov2_config(TINY)).eval()
    with torch.no_grad():  # non-trivial layer-scale and biases
        for p in hf.parameters():
            p.add_(0.05 * torch.randn_like(p))
    path = tmp_path / "dinov2_tiny_pretrain.pth"
    torch.save(_original_state_dict(hf), path)

    backbone = build_spatial(replace(TINY, pretrained=str(path))).eval()
    frames = _frames(4)
    with torch.no_grad():
        torch.testing.assert_close(
            backbone.features(frames), hf(pixel_values=frames).pooler_output, rtol=0, atol=0
        )

    # block_chunks > 0 checkpoints name blocks "blocks.<chunk>.<index>."
    chunked = {k.replace("blocks.", "blocks.0.", 1): v for k, v in _original_state_dict(hf).items()}
    assert convert_original_state_dict(chunked).keys() == hf.state_dict().keys()


def test_original_pth_with_missing_or_unexpected_keys_is_an_error(tmp_path: Path):
    sd = _original_state_dict(Dinov2Model(dinov2_config(TINY)))
    missing = dict(sd)
    del missing["blocks.1.ls2.gamma"]
    torch.save(missing, tmp_path / "missing.pth")
    with pytest.raises(CheckpointError, match=r"missing.pth: .*1 missing.*layer_scale2"):
        build_spatial(replace(TINY, pretrained=str(tmp_path / "missing.pth")))
    torch.save({**sd, "head.weight": torch.zeros(3)}, tmp_path / "extra.pth")
    with pytest.raises(CheckpointError, match=r"extra.pth: .*1 unexpected.*head.weight"):
        build_spatial(replace(TINY, pretrained=str(tmp_path / "extra.pth")))
    torch.save({"cls_token": sd["cls_token"]}, tmp_path / "bare.pth")
    with pytest.raises(CheckpointError, match=r"bare.pth: not an original DINOv2 .*pos_embed"):
        build_spatial(replace(TINY, pretrained=str(tmp_path / "bare.pth")))
    with pytest.raises(CheckpointError, match="not found"):
        build_spatial(replace(TINY, pretrained=str(tmp_path / "absent.pth")))
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match=r"junk\.pth: cannot read"):
        build_spatial(replace(TINY, pretrained=str(tmp_path / "junk.pth")))


def test_stock_hugging_face_folder_loads_strictly(tmp_path: Path):
    torch.manual_seed(4)
    stock = Dinov2Model(dinov2_config(TINY)).eval()
    stock.save_pretrained(tmp_path / "dinov2")
    backbone = build_spatial(replace(TINY, pretrained=str(tmp_path / "dinov2"))).eval()
    for (name, x), y in zip(stock.state_dict().items(), backbone.vit.state_dict().values()):
        assert torch.equal(x, y), name
    backbone.vit.load_state_dict(stock.state_dict(), strict=True)
    frames = _frames(3)
    with torch.no_grad():
        assert torch.equal(backbone.features(frames), stock(pixel_values=frames).pooler_output)
    with pytest.raises(CheckpointError, match=r"nowhere: folder not found \(model.spatial"):
        build_spatial(replace(TINY, pretrained=str(tmp_path / "nowhere")))


def test_bad_lora_config_is_reported():
    with pytest.raises(ConfigError, match="lora_blocks"):
        build_spatial(replace(TINY, lora_blocks=[2]))
    with pytest.raises(ConfigError, match="lora_targets"):
        build_spatial(replace(TINY, lora_targets=["qkv", "mlp"]))


def test_cnn_backbone_option_shapes_and_what_is_saved():
    from sign2gpt.config import ModelConfig, SignEncoderConfig, SpatialConfig
    from sign2gpt.models.pgp_model import PGPModel
    from sign2gpt.models.spatial import ConvSpatialBackbone, build_spatial

    cfg = SpatialConfig(backbone="cnn", cnn_channels=[8, 16, 32], out_dim=24)
    net = build_spatial(cfg)
    assert isinstance(net, ConvSpatialBackbone)
    assert net(torch.randn(5, 3, 32, 32)).shape == (5, 24)
    assert net(torch.randn(3, 3, 64, 64)).shape == (3, 24)  # pooled to the same 4 x 4 map
    # conv weights 3*8*9 + 8*16*9 + 16*32*9, BatchNorms 2*(8+16+32), Linear 32*16*24+24, BN 48
    expected = 216 + 1152 + 4608 + 112 + (512 * 24 + 24) + 48
    assert sum(p.numel() for p in net.parameters() if p.requires_grad) == expected
    model_cfg = ModelConfig(
        spatial=cfg, sign_encoder=SignEncoderConfig(dim=24, num_blocks=2, num_heads=2, mlp_dim=32)
    )
    model = PGPModel.build(model_cfg, prototypes=torch.randn(3, 8))
    saved = model.trainable_state_dict()
    assert {"sign.step_encoder.cnn.0.weight", "sign.step_encoder.bn.running_mean"} <= set(saved)


# ---- ResNet18 (the paper's backbone ablation) ------------------------------------------------


def test_resnet18_backbone_sizes_frozen_statistics_and_pretrained_folder(tmp_path):
    from transformers import ResNetForImageClassification

    from sign2gpt.models.spatial import ResNetSpatialBackbone, build_spatial, resnet18_config

    cfg = SpatialConfig(backbone="resnet18", out_dim=16)
    frozen = build_spatial(cfg)
    assert isinstance(frozen, ResNetSpatialBackbone)
    # torchvision's resnet18 without its fc layer: 11,689,512 - 513,000
    assert sum(p.numel() for p in frozen.resnet.parameters()) == 11_176_512
    assert not any(p.requires_grad for p in frozen.resnet.parameters())
    assert frozen.proj.weight.requires_grad and frozen.bn.weight.requires_grad
    frames = torch.randn(6, 3, 32, 32)
    stats = [b.clone() for b in frozen.resnet.buffers()]
    frozen.train()
    assert frozen.bn.training and not frozen.resnet.training
    assert frozen(frames).shape == (6, 16)
    assert all(torch.equal(a, b) for a, b in zip(stats, frozen.resnet.buffers()))
    trained = build_spatial(replace(cfg, train_backbone=True)).train()
    trained(frames).sum().backward()
    assert (
        trained.resnet.training
        and trained.resnet.embedder.embedder.convolution.weight.grad is not None
    )
    # an image-classification checkpoint (microsoft/resnet-18's kind): its classifier is dropped
    torch.manual_seed(1)
    folder = tmp_path / "resnet-18"
    ResNetForImageClassification(resnet18_config()).save_pretrained(folder)
    loaded = build_spatial(replace(cfg, pretrained=str(folder)))
    saved = ResNetForImageClassification.from_pretrained(folder).resnet.state_dict()
    assert all(torch.equal(v, loaded.resnet.state_dict()[k]) for k, v in saved.items())
