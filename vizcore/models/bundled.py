"""Token Lab's bundled models: small networks trained by ``python -m vizcore train`` on the synthetic
scenes (``vizcore.data.scenes``), shipped as ``assets/models/<name>.safetensors`` + ``<name>.json``.

* ``bundled_vit`` — a DeiT-style ViT (a ``vizcore.models.vit.ViT``) at 96 px with a small convolutional stem
  (three stride-2 3x3 convs + a 1x1 projection = one token per 8x8 pixels, a 12x12 grid + CLS), depth 6.
  The training-free reducers (ToMe, random drop, ...) run on it; EViT on a copy fine-tuned with it.
* ``bundled_dynamicvit`` — DynamicViT on that backbone (predictors before blocks 2/3/4, rho 0.7).
* ``bundled_evit`` — that backbone fine-tuned with EViT's reorganisation in blocks 2/3/4 (EViT runs on it).
* ``bundled_wukong`` — the backbone + WuKong's TokenReduction (T maps on the 12x12 grid) + a linear probe.
* ``bundled_t2t`` — a small T2T-ViT (soft split (7,4,2)/(3,2,1)/(3,1,1): 24x24 -> 12x12 -> 12x12 tokens).
* ``bundled_poolformer`` — a small PoolFormer (grids 24/12/6/3) with a two-conv stem in place of the 7x7/4 one.

The architecture constants live here (``CONFIGS``); the cards record them and the tests check they agree.
Without the weight files (a fresh clone before training) every model still builds with random weights.
"""
from __future__ import annotations

import importlib.util
from functools import partial

import torch
from torch import nn

from vizcore.geometry.flops import conv2d_macs
from vizcore.models.registry import ModelSpec, register
from vizcore.models.vit import ViT

SCENES_MEAN = (0.485, 0.456, 0.406)
SCENES_STD = (0.229, 0.224, 0.225)
IMG_SIZE = 96
NUM_CLASSES = 10


def data_config(img_size: int = IMG_SIZE) -> dict:
    """What the app's preprocessing needs to see a scene exactly as in training (no crop, no resize)."""
    return {"input_size": [3, img_size, img_size], "mean": list(SCENES_MEAN), "std": list(SCENES_STD),
            "crop_pct": 1.0, "interpolation": "bilinear"}


class ConvStem(nn.Module):
    """A PatchEmbed-compatible convolutional stem: ``len(channels)`` stride-2 3x3 conv + BN + ReLU layers,
    then a 1x1 ``proj`` to the embedding: one token per (2**len(channels))^2 pixels, (B, N, C) out.

    Exposes timm PatchEmbed's interface (``img_size``, ``patch_size``, ``grid_size``, ``num_patches``,
    ``proj`` with ``in_channels``, ``feat_ratio()``, ``dynamic_feat_size()``) and its exact ``macs()``.
    """

    def __init__(self, img_size=IMG_SIZE, patch_size=8, in_chans: int = 3, embed_dim: int = 128,
                 channels=(24, 48, 96), bias: bool = True, flatten: bool = True, **_unused):
        super().__init__()
        img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        if 2 ** len(channels) != (patch_size if isinstance(patch_size, int) else patch_size[0]):
            raise ValueError(f"{len(channels)} stride-2 convs make {2 ** len(channels)}-px patches, not {patch_size}")
        self.img_size = img_size
        self.patch_size = (2 ** len(channels),) * 2
        self.grid_size = (img_size[0] // self.patch_size[0], img_size[1] // self.patch_size[1])
        self.num_patches = self.grid_size[0] * self.grid_size[1]
        self.channels = tuple(channels)
        self.in_chans = in_chans
        self.flatten = flatten  # False: (B, C, h, w) out, a stem for convolutional stages (PoolFormer)
        self.dynamic_img_pad = False
        layers, c = [], in_chans
        for co in channels:
            layers += [nn.Conv2d(c, co, 3, 2, 1, bias=False), nn.BatchNorm2d(co), nn.ReLU(inplace=True)]
            c = co
        self.stem = nn.Sequential(*layers)
        self.proj = nn.Conv2d(c, embed_dim, 1, bias=bias)
        self.norm = nn.Identity()

    def feat_ratio(self, as_scalar: bool = True):
        return self.patch_size[0] if as_scalar else self.patch_size

    def dynamic_feat_size(self, img_size):
        return img_size[0] // self.patch_size[0], img_size[1] // self.patch_size[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(self.stem(x))  # (B, C, h, w)
        return x.flatten(2).transpose(1, 2) if self.flatten else x

    def output_grid(self, h: int, w: int) -> tuple[int, int]:
        """(h, w) of the token grid for an (h, w) input (each 3x3 stride-2 conv with padding 1 halves, rounding up)."""
        for _ in self.channels:
            h, w = (h + 1) // 2, (w + 1) // 2
        return h, w

    def macs(self, h: int | None = None, w: int | None = None) -> float:
        """MACs of the stem for one image at (h, w) (default ``img_size``), as FlopCounterMode counts them."""
        h, w = (h, w) if h is not None else self.img_size
        total, c = 0.0, self.in_chans
        for co in self.channels:
            h, w = (h + 1) // 2, (w + 1) // 2
            total += conv2d_macs(h * w, c, co, 3)
            c = co
        return total + conv2d_macs(h * w, c, self.proj.out_channels, 1)


class ConvStemMacs:
    """Mixin for ViT subclasses with a ``ConvStem``: replaces the patchify-stem term of ``analytic_macs``
    (``N * C * in_chans * p * p``) with the stem's exact MACs."""

    def analytic_macs(self, reducer=None):
        tokens, macs, other = super().analytic_macs(reducer=reducer)
        pe = self.patch_embed
        if isinstance(pe, ConvStem):
            p = pe.patch_size
            other = other - pe.num_patches * self.embed_dim * pe.proj.in_channels * p[0] * p[1] + pe.macs()
        return tokens, macs, float(other)


class BundledViT(ConvStemMacs, ViT):
    """``vizcore.models.vit.ViT`` with the convolutional stem."""


#: name -> architecture options (the cards record them)
VIT_CONFIG = dict(img_size=IMG_SIZE, patch_size=8, embed_dim=64, depth=6, num_heads=2, mlp_ratio=4.0,
                  num_classes=NUM_CLASSES, stem_channels=(24, 48, 96))
DYNAMICVIT_CONFIG = dict(VIT_CONFIG, pruning_loc=(2, 3, 4), keep_ratio=0.7)
#: bundled_vit fine-tuned with EViT's reorganisation in the blocks DynamicViT prunes before
EVIT_CONFIG = dict(VIT_CONFIG, locs=(2, 3, 4), keep_rate=0.7)
WUKONG_CONFIG = dict(VIT_CONFIG, output_dim=64, num_tokens=8, num_groups=8, head="late")
T2T_CONFIG = dict(img_size=IMG_SIZE, tokens_type="performer", embed_dim=64, depth=6, num_heads=2, mlp_ratio=2.0,
                  token_dim=32, soft_split=((7, 4, 2), (3, 2, 1), (3, 1, 1)), num_classes=NUM_CLASSES)
POOLFORMER_CONFIG = dict(img_size=IMG_SIZE, depths=(1, 1, 3, 1), dims=(32, 64, 128, 192), num_classes=NUM_CLASSES,
                         layer_scale_init_values=0.1, stem_channels=(16, 32))
CONFIGS = {"bundled_vit": VIT_CONFIG, "bundled_dynamicvit": DYNAMICVIT_CONFIG, "bundled_evit": EVIT_CONFIG,
           "bundled_wukong": WUKONG_CONFIG, "bundled_t2t": T2T_CONFIG, "bundled_poolformer": POOLFORMER_CONFIG}


def _vit_kwargs(cfg: dict) -> dict:
    cfg = dict(cfg)
    stem = tuple(cfg.pop("stem_channels"))
    return dict(embed_layer=partial(ConvStem, channels=stem), **cfg)


def _with_data_config(model: nn.Module, img_size: int = IMG_SIZE) -> nn.Module:
    model.default_img_size = (img_size, img_size)
    model.pretrained_cfg = {**dict(getattr(model, "pretrained_cfg", None) or {}), **data_config(img_size)}
    return model


def build_bundled_vit(reducer=None, **options) -> BundledViT:
    cfg = {**VIT_CONFIG, **options}
    return _with_data_config(BundledViT(reducer=reducer, **_vit_kwargs(cfg)), cfg["img_size"])


def _on_conv_stem(base: type, defaults: dict, options: dict) -> nn.Module:
    """A ``base`` ViT family class on the bundled conv stem (its MACs counted), built from ``defaults`` + ``options``."""
    cls = type(f"Bundled{base.__name__}", (ConvStemMacs, base), {"__module__": __name__})
    cfg = {**defaults, **options}
    return _with_data_config(cls(**_vit_kwargs(cfg)), cfg["img_size"])


def build_bundled_dynamicvit(**options):
    from vizcore.models.dynamicvit import DynamicViT  # deferred: an optional family module, see REQUIRES
    return _on_conv_stem(DynamicViT, DYNAMICVIT_CONFIG, options)


def build_bundled_evit(**options):
    from vizcore.models.evit import EViT  # deferred: an optional family module, see REQUIRES
    return _on_conv_stem(EViT, EVIT_CONFIG, options)


def build_bundled_wukong(**options):
    from vizcore.models.wukong import WuKongViT  # deferred: an optional family module, see REQUIRES

    class BundledWuKong(ConvStemMacs, WuKongViT):
        pass

    BundledWuKong.__name__ = BundledWuKong.__qualname__ = "BundledWuKong"
    cfg = {**WUKONG_CONFIG, **options}
    cfg.pop("mlp_ratio", None)
    kwargs = _vit_kwargs(cfg)
    # the backbone exactly as bundled_vit (timm defaults), so its weights transfer
    kwargs.update(pre_norm=False, act_layer=nn.GELU, norm_layer=partial(nn.LayerNorm, eps=1e-6))
    return _with_data_config(BundledWuKong(**kwargs), cfg["img_size"])


def build_bundled_t2t(**options):
    from vizcore.models.t2t import T2TViT  # deferred: an optional family module, see REQUIRES
    cfg = {**T2T_CONFIG, **options}
    return _with_data_config(T2TViT(**cfg), cfg["img_size"])


def build_bundled_poolformer(**options):
    from vizcore.models.poolformer import PoolFormer  # deferred: an optional family module, see REQUIRES
    cfg = {**POOLFORMER_CONFIG, **options}
    stem = tuple(cfg.pop("stem_channels", ()))
    model = PoolFormer("s12", **cfg)
    # PoolFormer records its variant's depths/dims, not the overrides (reported upstream): fix them here
    model.depths, model.dims = tuple(cfg["depths"]), tuple(cfg["dims"])
    if stem:
        # the one linear 7x7/4 conv of PoolFormer's stem stayed near chance on the scenes (twice, 800 steps):
        # the ViT's lever instead, stride-2 3x3 conv + BN + ReLU layers, the same stride 4
        model.stem = ConvStem(cfg["img_size"], 2 ** len(stem), cfg.get("in_chans", 3), cfg["dims"][0],
                              channels=stem, flatten=False)
    return _with_data_config(model, cfg["img_size"])


BUILDERS = {"bundled_vit": build_bundled_vit, "bundled_dynamicvit": build_bundled_dynamicvit,
            "bundled_evit": build_bundled_evit, "bundled_wukong": build_bundled_wukong,
            "bundled_t2t": build_bundled_t2t, "bundled_poolformer": build_bundled_poolformer}
FAMILIES = {"bundled_vit": "vit", "bundled_dynamicvit": "dynamicvit", "bundled_evit": "evit",
            "bundled_wukong": "wukong", "bundled_t2t": "t2t", "bundled_poolformer": "poolformer"}
#: the module each family's class comes from (registration is skipped while it is missing)
REQUIRES = {"bundled_dynamicvit": "vizcore.models.dynamicvit", "bundled_evit": "vizcore.models.evit",
            "bundled_wukong": "vizcore.models.wukong", "bundled_t2t": "vizcore.models.t2t",
            "bundled_poolformer": "vizcore.models.poolformer"}
DESCRIPTIONS = {
    "bundled_vit": "Token Lab's own small ViT (conv stem, 12x12 grid + CLS at 96 px, dim 64, depth 6, 2 heads), "
                   "trained on the synthetic scenes (10 shape classes, ground-truth masks).",
    "bundled_dynamicvit": "DynamicViT on bundled_vit: predictors before blocks 2/3/4 keep int(144*0.7^k) = "
                          "100/70/49 patch tokens; trained with the paper's losses, bundled_vit as teacher, plus "
                          "top-k steps at every rho of 0.3-0.9 and an object-ranking term (its card's note).",
    "bundled_evit": "bundled_vit fine-tuned with EViT's reorganisation in blocks 2/3/4 (keep the tokens the CLS "
                    "token attends to most, fuse the rest into one), at every keep rate of the Trade-offs grid.",
    "bundled_wukong": "bundled_vit's backbone + WuKong TokenReduction: 144 patch tokens -> 8 learned spatial maps "
                      "-> 8 tokens; the classifier reads their mean.",
    "bundled_t2t": "A small T2T-ViT (performer token modules, soft split (7,4,2)/(3,2,1)/(3,1,1): 576 -> 144 -> "
                   "144 tokens, dim 64, depth 6) trained on the synthetic scenes.",
    "bundled_poolformer": "A small PoolFormer (depths 1/1/3/1, dims 32/64/128/192, grids 24/12/6/3 at 96 px) "
                          "trained on the synthetic scenes.",
}


def _available(module: str | None) -> bool:
    if module is None:
        return True
    return importlib.util.find_spec(module) is not None


for _name, _builder in BUILDERS.items():
    if not _available(REQUIRES.get(_name)):
        continue
    register(ModelSpec(name=_name, family=FAMILIES[_name], builder=_builder, description=DESCRIPTIONS[_name],
                       paper="Token Lab (trained on vizcore.data.scenes)"))


__all__ = ["ConvStem", "ConvStemMacs", "BundledViT", "CONFIGS", "BUILDERS", "data_config", "build_bundled_vit",
           "build_bundled_dynamicvit", "build_bundled_evit", "build_bundled_wukong", "build_bundled_t2t",
           "build_bundled_poolformer"]
