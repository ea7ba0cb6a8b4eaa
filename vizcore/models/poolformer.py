"""PoolFormer (Yu et al., MetaFormer is Actually What You Need for Vision, CVPR 2022) via timm's MetaFormer.

``PoolFormer`` subclasses ``timm.models.metaformer.MetaFormer`` with the ``poolformer_*`` (v1) settings, so
timm hub weights load as they are and official ``sail-sg/poolformer`` checkpoints load through timm's own
``checkpoint_filter_fn`` (``poolformer_key_map``); ``poolformer_to_official`` is its inverse.

A block is ``x + ls1 * mixer(GN(x))`` then ``x + ls2 * MLP(GN(x))`` with GroupNorm(1, C) and the pooling
mixer ``AvgPool3x3(y) - y`` (``count_include_pad=False``). ``forward_trace`` walks every block itself so
the token mixer can be swapped *per call* without touching the (possibly shared) model:

- ``"pooling"``   the model's own mixer, ``pool(y) - y``;
- ``"identity"``  ``y`` itself (the MetaFormer paper's identity-mapping ablation);
- ``"attention"`` parameter-free single-head self-attention over the normalised tokens of the stage,
  ``softmax(t t^T / sqrt(C)) t - t`` — a content-weighted *global* average in place of the uniform local
  one, minus ``y`` like the pooling mixer (the block already has the residual). It adds 2·N²·C MACs per
  block and its (B, 1, N, N) probabilities are traced when asked.

Classifier head: the official model applies its GroupNorm to the last feature map and then averages
(``head(norm(x).mean([-2, -1]))``); timm pools first and applies a LayerNorm on the pooled vector. The
two differ (variance over C·H·W vs over C of the means). ``head_norm="official"`` (default) computes
the official order with the same weights; ``head_norm="timm"`` reproduces ``timm.create_model``.

MAC convention: convolutions (stem, downsampling, the 1x1 MLP convs), the head Linear and, for the
attention mixer, its two matmuls. Pooling, norms, GELU and adds are not counted — the same ops
``torch.utils.flop_counter`` counts. The published figures (S12 1.8 G, M36 8.8 G) come out within 1 % this
way; the pooling's 9 adds per element would add only ~0.5 % (S12: ~9 M), below the published rounding.
"""
from __future__ import annotations

import re
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from timm.layers import GroupNorm1
from timm.models.metaformer import MetaFormer, checkpoint_filter_fn

from vizcore.geometry.flops import conv2d_macs, linear_macs, mlp_macs
from vizcore.models.registry import ModelSpec, register
from vizcore.trace import Trace, TraceOutput

#: variant -> (depths, dims, layer-scale init), as timm's poolformer_* (= the official v1 models)
POOLFORMER_CONFIGS = {
    "s12": ((2, 2, 6, 2), (64, 128, 320, 512), 1e-5),
    "s24": ((4, 4, 12, 4), (64, 128, 320, 512), 1e-5),
    "s36": ((6, 6, 18, 6), (64, 128, 320, 512), 1e-6),
    "m36": ((6, 6, 18, 6), (96, 192, 384, 768), 1e-6),
    "m48": ((8, 8, 24, 8), (96, 192, 384, 768), 1e-6),
}
#: GMACs at 224 px and ImageNet top-1 as published (official README)
PUBLISHED = {"s12": (1.8, 77.2), "s24": (3.4, 80.3), "s36": (5.0, 81.4), "m36": (8.8, 82.1), "m48": (11.6, 82.5)}
MIXERS = ("pooling", "identity", "attention")
HEAD_NORMS = ("official", "timm")


class PoolFormer(MetaFormer):
    """timm MetaFormer (PoolFormer v1 settings) with a traced forward, per-call mixer swap and class maps."""

    family = "poolformer"

    def __init__(self, variant: str = "s12", img_size=224, num_classes: int = 1000, in_chans: int = 3,
                 mixer: str = "pooling", head_norm: str = "official", **overrides):
        depths, dims, ls = POOLFORMER_CONFIGS[variant]
        kwargs = dict(depths=depths, dims=dims, downsample_norm=None, mlp_act=nn.GELU, mlp_bias=True,
                      norm_layers=GroupNorm1, layer_scale_init_values=ls, res_scale_init_values=None,
                      use_mlp_head=False, num_classes=num_classes, in_chans=in_chans)
        kwargs.update(overrides)
        super().__init__(**kwargs)
        if mixer not in MIXERS:
            raise ValueError(f"mixer must be one of {MIXERS}, not {mixer!r}")
        if head_norm not in HEAD_NORMS:
            raise ValueError(f"head_norm must be one of {HEAD_NORMS}, not {head_norm!r}")
        self.variant = variant
        self.mixer = mixer
        self.head_norm = head_norm
        self.dims = tuple(kwargs["dims"])  # overrides included
        self.depths = tuple(kwargs["depths"])
        self.default_img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)

    # ------------------------------------------------------------------ geometry
    def stage_grids(self, img_size=None) -> list[tuple[int, int]]:
        """(h, w) of each stage's feature map (56, 28, 14, 7 at 224 px)."""
        h, w = img_size or self.default_img_size
        h, w = _stem_grid(self.stem, h, w)
        grids = [(h, w)]
        for stage in self.stages[1:]:
            conv = getattr(stage.downsample, "conv", None)
            if conv is not None:
                h, w = _conv_out(conv, h, w)
            grids.append((h, w))
        return grids

    @property
    def grid(self) -> tuple[int, int]:
        return self.stage_grids()[0]

    def layer_names(self) -> list[str]:
        return [f"stage {i}.{j}" for i, d in enumerate(self.depths) for j in range(d)]

    # ------------------------------------------------------------------ head and forward
    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        if self.head_norm == "official":
            norm = self.head.norm
            x = F.group_norm(x, 1, norm.weight, norm.bias, eps=1e-5).mean(dim=(-2, -1))
        else:
            x = self.head.flatten(self.head.norm(self.head.global_pool(x)))
        x = self.head.drop(x)
        return x if pre_logits else self.head.fc(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mixer == "pooling":
            return super().forward(x)
        return self.forward_head(self._stages(x, self.mixer)[0])

    @staticmethod
    def _mix(blk, y: torch.Tensor, mixer: str, need_probs: bool):
        """The token mixer's output on normalised y (B, C, H, W) and its attention (B, 1, N, N) or None."""
        if mixer == "pooling":
            return blk.token_mixer(y), None
        if mixer == "identity":
            return y, None
        B, C, H, W = y.shape
        t = y.flatten(2).transpose(1, 2).unsqueeze(1)  # (B, 1, N, C)
        probs = None
        if need_probs:
            probs = ((t * C ** -0.5) @ t.transpose(-2, -1)).softmax(dim=-1)
            out = probs @ t
        else:
            out = F.scaled_dot_product_attention(t, t, t)
        return out.squeeze(1).transpose(1, 2).reshape(B, C, H, W) - y, probs

    def _stages(self, x: torch.Tensor, mixer: str, need_probs: bool = False, record: bool = False,
                keep_mixer: bool = False):
        """Stem and every block with the given mixer. Returns the last feature map and what was recorded."""
        if mixer not in MIXERS:
            raise ValueError(f"mixer must be one of {MIXERS}, not {mixer!r}")
        rec = {"attn": [], "stage_features": [], "mixer_norm": [], "mixer_outputs": []}
        x = self.stem(x)
        for stage in self.stages:
            x = stage.downsample(x)
            for blk in stage.blocks:
                m, probs = self._mix(blk, blk.norm1(x), mixer, need_probs)
                x = blk.res_scale1(x) + blk.layer_scale1(blk.drop_path1(m))
                x = blk.res_scale2(x) + blk.layer_scale2(blk.drop_path2(blk.mlp(blk.norm2(x))))
                if record:
                    rec["attn"].append(probs)
                    rec["mixer_norm"].append(m.detach().norm(dim=1))
                    if keep_mixer:
                        rec["mixer_outputs"].append(m.detach())
            if record:
                rec["stage_features"].append(x.detach())
        return x, rec

    def forward_trace(self, x: torch.Tensor, attn: bool = False, mixer: str | None = None,
                      keep_mixer: bool = False, **_unused) -> TraceOutput:
        """x: (B, 3, H, W) -> logits and the Trace; the model is not modified.

        mixer: None (the model's own, pooling by default), "pooling", "identity" or "attention".
        Layers are all blocks of all stages (tokens = H·W of the stage); grid = the first stage's grid;
        ``attn`` gives (B, 1, N, N) per block for the attention mixer and None for the others.
        extras: ``stage_features`` (B, C_i, H_i, W_i) per stage, ``stage_grids``, ``stage_of_layer``,
        ``mixer``, ``mixer_norm`` (B, H, W) channel-L2 norm of each block's mixer output, and with
        ``keep_mixer`` the full ``mixer_outputs`` (B, C, H, W) per block.
        """
        mixer = mixer or self.mixer
        img_hw = tuple(x.shape[-2:])
        feats, rec = self._stages(x, mixer, need_probs=attn and mixer == "attention", record=True,
                                  keep_mixer=keep_mixer)
        logits = self.forward_head(feats)
        tokens, macs, other = self.analytic_macs(img_size=img_hw, mixer=mixer)
        grids = [tuple(f.shape[-2:]) for f in rec["stage_features"]]
        extras = {"stage_features": rec["stage_features"], "stage_grids": grids,
                  "stage_of_layer": [i for i, d in enumerate(self.depths) for _ in range(d)],
                  "mixer": mixer, "mixer_norm": rec["mixer_norm"]}
        if keep_mixer:
            extras["mixer_outputs"] = rec["mixer_outputs"]
        trace = Trace(grid=grids[0], prefix=0, attn=rec["attn"] if attn else [], tokens_per_layer=tokens,
                      macs_per_layer=macs, macs_other=other, layer_names=self.layer_names(), extras=extras)
        return TraceOutput(logits, trace)

    def class_map_network(self, mixer: str | None = None) -> tuple[nn.Module, nn.Module]:
        """(network, target layer) for ``vizcore.analysis.class_map``: this model with the given mixer and
        an identity on its last stage's output (the official repository's ``network[-1]``)."""
        network = MixerSwapped(self, mixer)
        return network, network.last_stage

    # ------------------------------------------------------------------ analytic cost
    def analytic_macs(self, img_size=None, mixer: str | None = None) -> tuple[list[int], list[float], float]:
        """(tokens per block, MACs per block, MACs of stem + downsampling + head) for one image."""
        mixer = mixer or self.mixer
        grids = self.stage_grids(img_size)
        convs = [None] + [getattr(s.downsample, "conv", None) for s in self.stages[1:]]
        other = _stem_macs(self.stem, *(img_size or self.default_img_size))
        tokens, macs = [], []
        for stage, conv, (h, w) in zip(self.stages, convs, grids):
            n = h * w
            if conv is not None:
                other += conv2d_macs(n, conv.in_channels, conv.out_channels, conv.kernel_size, conv.groups)
            for blk in stage.blocks:
                c, hidden = blk.mlp.fc1.in_channels, blk.mlp.fc1.out_channels
                m = mlp_macs(n, c, hidden)
                if mixer == "attention":
                    m += 2.0 * n * n * c
                tokens.append(n)
                macs.append(m)
        if self.num_classes:
            other += linear_macs(1, self.num_features, self.num_classes)
        return tokens, macs, float(other)


def _conv_out(conv: nn.Conv2d, h: int, w: int) -> tuple[int, int]:
    (kh, kw), (sh, sw), (ph, pw) = conv.kernel_size, conv.stride, conv.padding
    return (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


def _stem_grid(stem: nn.Module, h: int, w: int) -> tuple[int, int]:
    """The first stage's grid: timm's one-conv ``Stem`` (7x7, stride 4, padding 2), or any stem with
    ``output_grid(h, w)``."""
    return stem.output_grid(h, w) if hasattr(stem, "output_grid") else _conv_out(stem.conv, h, w)


def _stem_macs(stem: nn.Module, h: int, w: int) -> float:
    if hasattr(stem, "macs"):
        return float(stem.macs(h, w))
    conv = stem.conv
    gh, gw = _conv_out(conv, h, w)
    return conv2d_macs(gh * gw, conv.in_channels, conv.out_channels, conv.kernel_size, conv.groups)


class MixerSwapped(nn.Module):
    """The shared PoolFormer run with a given token mixer, for one class-map call: pixels (B, 3, H, W) ->
    logits (B, classes). ``last_stage`` is an identity on the last stage's output (B, C, h, w), the CAM
    target layer: the same tensor as the official repository's ``network[-1]``, but a module of this
    call, so hooks on it never fire in another session's forward pass of the shared model.

    The class maps need the class score's gradient at the last stage only: the stages run without an
    autograd graph and their output enters the head as a leaf, so the backward pass is the head's alone."""

    def __init__(self, model: PoolFormer, mixer: str | None = None):
        super().__init__()
        self.model = model
        self.mixer = mixer or model.mixer
        self.last_stage = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            feats, _ = self.model._stages(x, self.mixer)
        feats.requires_grad_(torch.is_grad_enabled())  # (B, C, h, w), the leaf the backward pass stops at
        return self.model.forward_head(self.last_stage(feats))


# ---------------------------------------------------------------------------------------- checkpoints
class _AnyShape:
    """Compares equal to every shape, so timm's filter never reshapes (our shapes match the official ones)."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class _FilterStub:
    """Stands in for the model timm's ``checkpoint_filter_fn`` asks for (it only reads shapes)."""

    def state_dict(self):
        return defaultdict(_AnyShape)


def poolformer_key_map(state: dict) -> dict:
    """Official v1 (``network.0.0.token_mixer...``, ``patch_embed.proj``, ``norm``, ``head``) or timm keys ->
    ours (= timm's), through ``timm.models.metaformer.checkpoint_filter_fn``."""
    state = {(k[len("module."):] if k.startswith("module.") else k): v for k, v in state.items()}
    return checkpoint_filter_fn(state, _FilterStub())


def poolformer_to_official(state: dict) -> dict:
    """Ours (timm) -> official v1 key names; the inverse of ``poolformer_key_map``."""
    out = {}
    for k, v in state.items():
        n = k
        n = re.sub(r"^stem\.conv\.", "patch_embed.proj.", n)
        n = re.sub(r"^stages\.(\d+)\.downsample\.conv\.",
                   lambda m: f"network.{2 * int(m.group(1)) - 1}.proj.", n)
        n = re.sub(r"^stages\.(\d+)\.blocks\.(\d+)\.",
                   lambda m: f"network.{2 * int(m.group(1))}.{m.group(2)}.", n)
        n = re.sub(r"layer_scale(\d+)\.scale$", r"layer_scale_\1", n)
        n = re.sub(r"^head\.norm\.", "norm.", n)
        n = re.sub(r"^head\.fc\.", "head.", n)
        out[n] = v
    return out


def build_poolformer(variant: str, **options) -> PoolFormer:
    return PoolFormer(variant, **options)


#: registered (swept by the contract tests); s36 and m48 are available through ``build_poolformer``
REGISTERED = ("s12", "s24", "m36")

for _v in REGISTERED:
    _depths, _dims, _ls = POOLFORMER_CONFIGS[_v]
    _g, _acc = PUBLISHED[_v]
    register(ModelSpec(
        name=f"poolformer_{_v}", family="poolformer",
        builder=lambda _variant=_v, **o: build_poolformer(_variant, **o),
        hub_name=f"poolformer_{_v}.sail_in1k",
        key_map=poolformer_key_map, to_official=poolformer_to_official,
        description=(f"PoolFormer-{_v.upper()}: MetaFormer with 3x3 average pooling as token mixer, stages "
                     f"{list(_depths)} x dims {list(_dims)}, grids 56/28/14/7 at 224 px; no attention "
                     f"(class maps through grad-cam; swap the mixer per call). Published {_g} GMACs, {_acc} % top-1."),
        paper="Yu et al., MetaFormer is Actually What You Need for Vision, CVPR 2022"))

__all__ = ["PoolFormer", "MixerSwapped", "poolformer_key_map", "poolformer_to_official", "build_poolformer",
           "POOLFORMER_CONFIGS", "PUBLISHED", "MIXERS"]
