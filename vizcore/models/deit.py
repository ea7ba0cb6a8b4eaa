"""DeiT (timm ViT) configurations, traceable through ``vizcore.models.vit.ViT``."""
from __future__ import annotations

from vizcore.models.registry import ModelSpec, register
from vizcore.models.vit import ViT

# (embed_dim, depth, heads) of the DeiT family; patch 16, MLP ratio 4, qkv bias, LN eps 1e-6
DEIT_CONFIGS = {
    "tiny": (192, 12, 3),
    "small": (384, 12, 6),
    "base": (768, 12, 12),
}


def deit_kwargs(size: str, img_size: int = 224, patch_size: int = 16, num_classes: int = 1000, **extra) -> dict:
    embed_dim, depth, heads = DEIT_CONFIGS[size]
    return dict(img_size=img_size, patch_size=patch_size, embed_dim=embed_dim, depth=depth, num_heads=heads,
                num_classes=num_classes, **extra)


def build_deit(size: str, **options) -> ViT:
    return ViT(**deit_kwargs(size, **options))


for _size in DEIT_CONFIGS:
    register(ModelSpec(
        name=f"deit_{_size}_patch16_224", family="vit",
        builder=lambda _s=_size, **o: build_deit(_s, **o),
        hub_name=f"deit_{_size}_patch16_224.fb_in1k",
        description=f"DeiT-{_size[0].upper()} (timm ViT, 16-px patches, 14x14 grid, CLS token).",
        paper="Touvron et al., Training data-efficient image transformers, ICML 2021"))
