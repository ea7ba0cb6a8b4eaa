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
T2T = "Yuan et al., Tokens-to-Token ViT: Training Vision Transformers from Scratch on ImageNet, ICCV 2021, Tables 1-2"
POOL = "Yu et al., MetaFormer is Actually What You Need for Vision (PoolFormer), CVPR 2022, Table 2"

#: the backbones and the other architectures; each token reducer's numbers hang off its spec
#: (``vizcore.models.reducer_registry.ReducerSpec.published``), joined by ``vizcore.analysis.tradeoffs.published()``
PUBLISHED: tuple[Published, ...] = (
    Published("deit_tiny_patch16_224", "vit", "-", 72.2, 1.3, 5.7, "2536 img/s (V100)", DEIT),
    Published("deit_small_patch16_224", "vit", "-", 79.8, 4.6, 22.1, "940 img/s (V100)", DEIT),
    Published("deit_base_patch16_224", "vit", "-", 81.8, 17.6, 86.6, "292 img/s (V100)", DEIT),
    Published("t2t_vit_7", "t2t", "-", 71.7, 1.1, 4.3, "", T2T),
    Published("t2t_vit_14", "t2t", "-", 81.5, 4.8, 21.5, "", T2T),
    Published("t2t_vit_t_14", "t2t", "-", 81.7, 6.1, 21.5, "", T2T),
    Published("poolformer_s12", "poolformer", "-", 77.2, 1.8, 12.0, "", POOL),
    Published("poolformer_s24", "poolformer", "-", 80.3, 3.4, 21.0, "", POOL),
    Published("poolformer_m36", "poolformer", "-", 82.1, 8.8, 56.0, "", POOL),
)
