"""Published ImageNet-1k numbers (top-1 %, GFLOPs as the papers report them, i.e. GMACs), each with its source.

These are the second layer of the Trade-offs page: what the papers measured on ImageNet, beside what
this app measures on its own models and data.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Published:
    model: str          # a registry name when one matches, else a descriptive name
    family: str
    setting: str        # keep ratio / r / variant
    top1: float         # ImageNet-1k top-1, %
    gmacs: float | None  # as reported ("GFLOPs" in the papers)
    params_m: float | None
    throughput: str     # as reported, with the hardware, or ""
    source: str

    def as_dict(self) -> dict:
        return asdict(self)


DEIT = "Touvron et al., Training data-efficient image transformers & distillation through attention, ICML 2021, Table 1"
DYVIT = "Rao et al., DynamicViT: Efficient Vision Transformers with Dynamic Token Sparsification, NeurIPS 2021, Table 1"
EVIT = "Liang et al., Not All Patches are What You Need: Expediting Vision Transformers via Token Reorganizations (EViT), ICLR 2022, Table 1"
TOME = "Bolya et al., Token Merging: Your ViT But Faster, ICLR 2023, Table 5 / official repository README"
T2T = "Yuan et al., Tokens-to-Token ViT: Training Vision Transformers from Scratch on ImageNet, ICCV 2021, Tables 1-2"
POOL = "Yu et al., MetaFormer is Actually What You Need for Vision (PoolFormer), CVPR 2022, Table 2"

PUBLISHED: tuple[Published, ...] = (
    Published("deit_tiny_patch16_224", "vit", "-", 72.2, 1.3, 5.7, "2536 img/s (V100)", DEIT),
    Published("deit_small_patch16_224", "vit", "-", 79.8, 4.6, 22.1, "940 img/s (V100)", DEIT),
    Published("deit_base_patch16_224", "vit", "-", 81.8, 17.6, 86.6, "292 img/s (V100)", DEIT),
    Published("dynamicvit_deit_small", "dynamicvit", "rho 0.7", 79.3, 2.9, 22.8, "", DYVIT),
    Published("dynamicvit_deit_base", "dynamicvit", "rho 0.7", 81.4, 11.4, 89.5, "", DYVIT),
    Published("DynamicViT-LV-ViT-S", "dynamicvit", "rho 0.7", 83.1, 4.6, None, "", DYVIT),
    Published("evit_deit_small", "evit", "keep 0.7, fused", 79.5, 3.0, 22.1, "4385 img/s", EVIT),
    Published("ToMe ViT-S/16 AugReg", "vit", "r 0", 81.4, 4.6, 22.1, "953 img/s (V100)", TOME),
    Published("tome_deit_small", "tome", "r 13 (ViT-S/16 AugReg, off-the-shelf)", 79.3, None, 22.1,
              "1564 img/s (V100)", TOME),
    Published("t2t_vit_7", "t2t", "-", 71.7, 1.1, 4.3, "", T2T),
    Published("t2t_vit_14", "t2t", "-", 81.5, 4.8, 21.5, "", T2T),
    Published("t2t_vit_t_14", "t2t", "-", 81.7, 6.1, 21.5, "", T2T),
    Published("poolformer_s12", "poolformer", "-", 77.2, 1.8, 12.0, "", POOL),
    Published("poolformer_s24", "poolformer", "-", 80.3, 3.4, 21.0, "", POOL),
    Published("poolformer_m36", "poolformer", "-", 82.1, 8.8, 56.0, "", POOL),
)


def published_for(model: str) -> list[Published]:
    return [p for p in PUBLISHED if p.model == model]
