"""The Trace contract: what every model and reducer returns beside its logits.

One structure serves every page: attention maps per layer, the fate of every patch token per stage
(kept, dropped, merged, fused) in *original grid coordinates*, tokens and MACs per layer, and a
family-specific ``extras`` dict (T2T unfold geometry, PoolFormer feature maps, WuKong maps...).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

STAGE_KINDS = ("prune", "fuse", "merge", "drop", "reduce", "split")


@dataclass
class Stage:
    """One token-reduction event.

    layer:         block index the event belongs to (it acts before that block's MLP or the block itself)
    kind:          one of STAGE_KINDS
    kept:          (B, n_kept) long — surviving patch tokens as indices into the original patch grid
                   (row-major, 0 .. h*w-1), lineage resolved through every earlier stage; for "merge"
                   the representative of each group is not meaningful, use ``source`` instead.
    keep_prob:     (B, h*w) float — predictor's keep probability for tokens alive before this stage,
                   0 for tokens already gone (DynamicViT); None otherwise.
    source:        (B, n_out, h*w) float — which original patches each output patch token holds (ToMe).
    fused_weights: (B, h*w) float — weight of each original patch in the fused token (EViT), else None.
    scores:        (B, h*w) float — the ranking score used at this stage, NaN for tokens already gone.
    mask:          (B, h*w) bool — original patches individually alive after this stage, for reducers whose
                   survivors cannot form a rectangular ``kept`` (DynamicViT's training semantics keeps a
                   different number per image; EViT may keep an earlier fused token). Wins over ``kept``.
    """

    layer: int
    kind: str
    kept: torch.Tensor | None = None
    keep_prob: torch.Tensor | None = None
    source: torch.Tensor | None = None
    fused_weights: torch.Tensor | None = None
    scores: torch.Tensor | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    mask: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.kind not in STAGE_KINDS:
            raise ValueError(f"unknown stage kind {self.kind!r}; expected one of {STAGE_KINDS}")

    def kept_mask(self, num_patches: int) -> torch.Tensor:
        """(B, num_patches) bool: True where an original patch is still represented after this stage."""
        if self.mask is not None:
            return self.mask.bool()
        if self.source is not None:
            return self.source.sum(dim=1) > 0
        if self.kept is None:
            raise ValueError("this stage records neither kept indices nor a source matrix")
        mask = torch.zeros(self.kept.shape[0], num_patches, dtype=torch.bool, device=self.kept.device)
        return mask.scatter_(1, self.kept, True)


@dataclass
class Trace:
    """Everything a page needs to show what a forward pass did to the tokens.

    grid:               (h, w) of the patch-token grid the stages index into
    prefix:             number of prefix tokens (cls, dist, registers) in front of the patch tokens
    attn:               per layer, (B, heads, N_l, N_l) attention probabilities or None when not asked for
    stages:             token-reduction events in order
    tokens_per_layer:   tokens entering each layer's attention (prefix included)
    macs_per_layer:     analytic multiply-accumulates of each layer for one image
    macs_other:         MACs outside the layers (stem/embedding, predictors' share is in the layer, head)
    macs_per_image:     (B,) each image's own MACs (layers and the rest) where the images of a batch cost
                        differently (adaptive reducers: the tokens each one kept); None: each costs ``gmacs``
    tokens_per_image:   (B, layers) tokens entering each layer's attention for each image, recorded beside
                        ``macs_per_image``; None: each image's are ``tokens_per_layer``
    layer_names:        a short name per layer ("block 3", "T2T 1", "stage 2.1"...)
    extras:             family-specific data
    """

    grid: tuple[int, int]
    prefix: int
    attn: list[torch.Tensor | None] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    tokens_per_layer: list[int] = field(default_factory=list)
    macs_per_layer: list[float] = field(default_factory=list)
    macs_other: float = 0.0
    macs_per_image: torch.Tensor | None = None
    tokens_per_image: torch.Tensor | None = None
    layer_names: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def num_patches(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def gmacs(self) -> float:
        return (sum(self.macs_per_layer) + self.macs_other) / 1e9

    def image_gmacs(self, batch: int) -> torch.Tensor:
        """(batch,) float64 GMACs of each image of the pass: its own where recorded, else ``gmacs``."""
        if self.macs_per_image is not None:
            return self.macs_per_image.double().cpu() / 1e9
        return torch.full((batch,), self.gmacs, dtype=torch.float64)

    def image_tokens(self, batch: int) -> torch.Tensor:
        """(batch,) float64 mean tokens entering a layer's attention for each image (prefix included)."""
        if self.tokens_per_image is not None:
            return self.tokens_per_image.double().cpu().mean(dim=1)
        return torch.full((batch,), sum(self.tokens_per_layer) / len(self.tokens_per_layer), dtype=torch.float64)

    def has_attention(self) -> bool:
        return any(a is not None for a in self.attn)

    def alive_masks(self) -> list[torch.Tensor]:
        """Per stage, (B, h*w) bool of the original patches still represented after it."""
        return [s.kept_mask(self.num_patches) for s in self.stages]

    def validate(self, batch: int | None = None) -> None:
        """Raise AssertionError if the trace breaks the contract (used by the contract tests)."""
        h, w = self.grid
        assert h > 0 and w > 0 and self.prefix >= 0
        n_layers = len(self.tokens_per_layer)
        assert n_layers > 0, "tokens_per_layer is empty"
        assert len(self.macs_per_layer) == n_layers, "macs_per_layer and tokens_per_layer differ in length"
        if self.layer_names:
            assert len(self.layer_names) == n_layers
        if self.attn:
            assert len(self.attn) == n_layers, "attn must have one entry per layer"
            for layer, a in enumerate(self.attn):
                if a is None:
                    continue
                assert a.dim() == 4 and a.shape[-1] == a.shape[-2] == self.tokens_per_layer[layer], (
                    f"layer {layer}: attention {tuple(a.shape)} vs {self.tokens_per_layer[layer]} tokens")
                if batch is not None:
                    assert a.shape[0] == batch
        if self.macs_per_image is not None:
            assert self.macs_per_image.dim() == 1, "macs_per_image is one number per image"
            if batch is not None:
                assert self.macs_per_image.shape[0] == batch
            assert float(self.macs_per_image.max()) <= sum(self.macs_per_layer) + self.macs_other + 1e-6, (
                "an image costs no more than the pass")
        if self.tokens_per_image is not None:
            assert self.tokens_per_image.shape[1:] == (n_layers,), "tokens_per_image: one row of layers per image"
            assert (self.tokens_per_image <= torch.tensor(self.tokens_per_layer)).all(), "no image exceeds the pass"
        for stage in self.stages:
            assert 0 <= stage.layer < n_layers
            for name in ("keep_prob", "fused_weights", "scores", "mask"):
                t = getattr(stage, name)
                if t is not None:
                    assert t.shape[-1] == h * w, f"{name} must index the original grid"
            if stage.kept is not None:
                assert stage.kept.dtype == torch.long
                assert int(stage.kept.min()) >= 0 and int(stage.kept.max()) < h * w
            if stage.source is not None:
                assert stage.source.shape[-1] == h * w

    def to(self, device: torch.device | str) -> "Trace":
        """Move every tensor (e.g. to the CPU for plotting)."""

        def move(t):
            return t.to(device) if isinstance(t, torch.Tensor) else t

        self.attn = [move(a) for a in self.attn]
        for s in self.stages:
            for name in ("kept", "keep_prob", "source", "fused_weights", "scores", "mask"):
                setattr(s, name, move(getattr(s, name)))
            s.extras = {k: move(v) for k, v in s.extras.items()}
        self.extras = {k: move(v) for k, v in self.extras.items()}
        self.macs_per_image = move(self.macs_per_image)
        self.tokens_per_image = move(self.tokens_per_image)
        return self


@dataclass
class TraceOutput:
    logits: torch.Tensor
    trace: Trace
