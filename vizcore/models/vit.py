"""timm ViT/DeiT with a traceable forward and hooks for token reducers.

The plain ``forward`` is timm's own (fused attention, identical logits). ``forward_trace`` walks the
blocks itself: it materialises attention only when asked, and calls a ``TokenReducer``'s hooks
before each block and between attention and MLP — where DynamicViT, EViT, ToMe and random drop act.
Any patch grid, cls/register prefix tokens and LayerScale are supported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from timm.models.vision_transformer import VisionTransformer

from vizcore.geometry.flops import vit_block_macs
from vizcore.trace import Stage, Trace, TraceOutput


@dataclass
class TokenState:
    """Mutable bookkeeping that travels through one forward pass.

    ids:      (B, n) long — original patch index of each current patch token (representative for merges)
    prefix:   number of prefix tokens in front of the patch tokens (may grow, e.g. EViT's fused token
              is appended at the end and counted in ``suffix``)
    suffix:   number of extra tokens appended after the patch tokens (EViT's fused token)
    size:     (B, N, 1) token sizes for proportional attention (ToMe), None when unused
    source:   (B, n, N0) which original patches each patch token holds (ToMe, traced only)
    policy:   (B, N, 1) 0/1 keep policy of the training semantics (DynamicViT), None when unused
    values:   (B, H, N, hd) the current layer's attention values, set beside q and k for ``after_attention``
              when the reducer's ``needs_qk`` asks for them (e.g. to weigh token scores by value norms)
    valid:    (B, n) bool — which patch slots hold a token; the others pad a batch to its longest image and
              are masked out of attention. None when every slot holds one
    """

    ids: torch.Tensor
    prefix: int
    num_patches: int
    tracing: bool
    suffix: int = 0
    size: torch.Tensor | None = None
    source: torch.Tensor | None = None
    policy: torch.Tensor | None = None
    generator: torch.Generator | None = None
    values: torch.Tensor | None = None
    valid: torch.Tensor | None = None
    stages: list[Stage] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def patch_slice(self, x: torch.Tensor) -> torch.Tensor:
        """(B, n, C) the patch tokens of x (B, prefix + n + suffix, C)."""
        return x[:, self.prefix: x.shape[1] - self.suffix]


class TokenReducer:
    """Hooks the traced ViT loop calls. The base class changes nothing (a plain ViT)."""

    name = "none"
    #: True when the reducer changes nothing, so ``forward`` may use timm's own fused path.
    is_identity = True
    #: True when the tokens kept depend on the image (adaptive sampling): ``schedule`` is then the budget, an
    #: upper bound, and a trace reports the pass's own cost (per image in ``Trace.macs_per_image``).
    adaptive = False

    def needs_qk(self, layer: int) -> bool:
        """Whether ``after_attention`` needs q and k of this layer."""
        return False

    def before_block(self, model: "ViT", layer: int, x: torch.Tensor, state: TokenState) -> torch.Tensor:
        return x

    def attention_bias(self, layer: int, state: TokenState) -> torch.Tensor | None:
        """Additive bias broadcastable to (B, heads, N, N), e.g. ToMe's log(size)."""
        return None

    def after_attention(self, layer: int, x: torch.Tensor, q: torch.Tensor | None, k: torch.Tensor | None,
                        state: TokenState) -> torch.Tensor:
        return x

    def schedule(self, num_patches: int, prefix: int, depth: int) -> list[tuple[int, int]]:
        """Per layer (tokens entering attention, tokens entering the MLP) for one image."""
        n = prefix + num_patches
        return [(n, n)] * depth

    def extra_macs(self, model: "ViT", num_patches: int, prefix: int) -> list[float]:
        """MACs the reducer itself adds per layer (predictors); zeros by default."""
        return [0.0] * len(model.blocks)


def softmax_with_policy(logits: torch.Tensor, policy: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Softmax over keys where dropped tokens (policy 0) are masked out, except for a token attending
    to itself, so a dropped query still has a valid row. Computed in float32.

    logits: (B, H, N, N); policy: (B, N, 1) in {0, 1} -> (B, H, N, N), rows sum to 1.
    """
    B, N, _ = policy.shape
    key_policy = policy.reshape(B, 1, 1, N).float()
    eye = torch.eye(N, dtype=torch.float32, device=logits.device).view(1, 1, N, N)
    key_policy = key_policy + (1.0 - key_policy) * eye
    shifted = logits - logits.max(dim=-1, keepdim=True).values
    weights = shifted.float().exp() * key_policy
    probs = (weights + eps / N) / (weights.sum(dim=-1, keepdim=True) + eps)
    return probs.to(logits.dtype)


def attention_forward(attn_mod, x: torch.Tensor, *, bias: torch.Tensor | None = None,
                      policy: torch.Tensor | None = None, need_probs: bool = False, need_qk: bool = False):
    """Run a timm ``Attention`` module, optionally materialising its probabilities.

    x: (B, N, C) -> out (B, N, C), probs (B, H, N, N) or None, (q, k, v) each (B, H, N, hd) or None.
    Without probs, bias or policy this is timm's fused path.
    """
    B, N, _ = x.shape
    gate = attn_mod.gate(x).sigmoid() if getattr(attn_mod, "gate", None) is not None else None
    qkv = attn_mod.qkv(x).reshape(B, N, 3, attn_mod.num_heads, attn_mod.head_dim).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.unbind(0)  # (B, H, N, hd) each
    q, k = attn_mod.q_norm(q), attn_mod.k_norm(k)
    probs = None
    if need_probs or policy is not None:
        logits = (q * attn_mod.scale) @ k.transpose(-2, -1)  # (B, H, N, N)
        if bias is not None:
            logits = logits + bias
        probs = softmax_with_policy(logits, policy) if policy is not None else logits.softmax(dim=-1)
        out = probs @ v
    else:
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
    out = out.transpose(1, 2).reshape(B, N, attn_mod.num_heads * attn_mod.head_dim)
    out = attn_mod.norm(out)
    if gate is not None:
        out = out * gate
    out = attn_mod.proj(out)
    return out, probs, ((q, k, v) if need_qk else None)


def plain_blocks_forward(blocks, x: torch.Tensor, need_probs: bool = False):
    """Run timm ``Block``s without token reduction, materialising attention only when asked.

    x: (B, N, C) -> (x, per block (B, H, N, N) attention or None)."""
    maps: list[torch.Tensor | None] = []
    for blk in blocks:
        out, probs, _ = attention_forward(blk.attn, blk.norm1(x), need_probs=need_probs)
        x = x + blk.drop_path1(blk.ls1(out))
        x = x + blk.drop_path2(blk.ls2(blk.mlp(blk.norm2(x))))
        maps.append(probs)
    return x, maps


class ViT(VisionTransformer):
    """timm VisionTransformer whose forward can be traced and reduced.

    ``reducer`` is a stateless configuration object; pass another one to ``forward_trace`` to try a
    different setting without touching the (possibly shared) model.
    """

    family = "vit"

    def __init__(self, reducer: TokenReducer | None = None, **timm_kwargs):
        super().__init__(**timm_kwargs)
        self.reducer = reducer or TokenReducer()
        self.default_img_size = tuple(self.patch_embed.img_size)

    # ------------------------------------------------------------------ forward paths
    def forward(self, x: torch.Tensor, attn_mask=None, is_causal: bool = False) -> torch.Tensor:
        if self.reducer.is_identity or attn_mask is not None or is_causal:
            return super().forward(x, attn_mask=attn_mask, is_causal=is_causal)
        return self._run(x, self.reducer, want_attn=False, tracing=False).logits

    def forward_with(self, x: torch.Tensor, reducer: TokenReducer, extras: dict | None = None) -> torch.Tensor:
        """x: (B, 3, H, W) -> logits (B, classes) under another ``reducer`` (gradients kept: training at other
        settings); ``extras`` as in :meth:`_run`. The shared model is not changed."""
        return self._run(x, reducer, want_attn=False, tracing=False, extras=extras).logits

    def forward_trace(self, x: torch.Tensor, attn: bool = False, reducer: TokenReducer | None = None,
                      generator: torch.Generator | None = None) -> TraceOutput:
        """x: (B, 3, H, W) -> logits (B, classes) and the Trace (attention only when ``attn``)."""
        return self._run(x, reducer or self.reducer, want_attn=attn, tracing=True, generator=generator)

    @property
    def grid(self) -> tuple[int, int]:
        return tuple(self.patch_embed.grid_size)

    def _run(self, x, reducer: TokenReducer, *, want_attn: bool, tracing: bool,
             generator: torch.Generator | None = None, return_tokens: bool = False,
             extras: dict | None = None) -> TraceOutput:
        """The blocks loop with the reducer's hooks. ``return_tokens`` puts the final normed tokens
        (B, N_out, C) in ``trace.extras["tokens"]`` (DynamicViT's training output needs them); ``extras``
        starts the pass's extras (a reducer may fill what a caller asks for there)."""
        B = x.shape[0]
        x = self.patch_embed(x)
        x = self._pos_embed(x)
        x = self.patch_drop(x)
        x = self.norm_pre(x)  # (B, prefix + h*w, C)
        prefix = self.num_prefix_tokens
        n0 = x.shape[1] - prefix
        ids = torch.arange(n0, device=x.device).expand(B, n0)
        state = TokenState(ids=ids, prefix=prefix, num_patches=n0, tracing=tracing, generator=generator,
                           extras=extras if extras is not None else {})
        attn_maps: list[torch.Tensor | None] = []
        tokens: list[int] = []
        lengths: list[tuple[int, int]] = []  # the sequence entering each layer's attention and its MLP
        live: list[tuple[torch.Tensor | None, torch.Tensor | None]] = []  # the slots holding a token, the same two
        for layer, blk in enumerate(self.blocks):
            x = reducer.before_block(self, layer, x, state)
            tokens.append(x.shape[1])
            valid_attn = state.valid
            need_qk = reducer.needs_qk(layer)
            out, probs, qk = attention_forward(
                blk.attn, blk.norm1(x), bias=reducer.attention_bias(layer, state), policy=state.policy,
                need_probs=want_attn, need_qk=need_qk)
            x = x + blk.drop_path1(blk.ls1(out))
            attn_maps.append(probs if want_attn else None)
            q, k, state.values = qk if qk is not None else (None, None, None)
            x = reducer.after_attention(layer, x, q, k, state)
            lengths.append((tokens[-1], x.shape[1]))
            live.append((valid_attn, state.valid))
            x = x + blk.drop_path2(blk.ls2(blk.mlp(blk.norm2(x))))
        x = self.norm(x)
        if return_tokens:
            state.extras["tokens"] = x
        logits = self.forward_head(x)
        _, macs, other = self.analytic_macs(reducer=reducer)
        image_macs = image_tokens = None
        if reducer.adaptive:  # the pass's own cost: its sequence for the batch, each image's tokens for it
            extra = reducer.extra_macs(self, self.patch_embed.num_patches, prefix)
            macs = [self.block_macs(na, nm) + e for (na, nm), e in zip(lengths, extra)]
            if any(e is not None for pair in live for e in pair):
                image_macs, image_tokens = self._image_costs(lengths, live, extra, other, B)
        trace = Trace(grid=self.grid, prefix=prefix, attn=attn_maps if want_attn else [], stages=state.stages,
                      tokens_per_layer=tokens, macs_per_layer=macs,
                      macs_other=other, layer_names=[f"block {i}" for i in range(len(self.blocks))],
                      extras=state.extras, macs_per_image=image_macs, tokens_per_image=image_tokens)
        return TraceOutput(logits, trace)

    # ------------------------------------------------------------------ analytic cost
    def analytic_macs(self, reducer: TokenReducer | None = None) -> tuple[list[int], list[float], float]:
        """(tokens entering each layer, MACs per layer, MACs outside the layers) for one image."""
        reducer = reducer or self.reducer
        n0 = self.patch_embed.num_patches
        prefix = self.num_prefix_tokens
        dim = self.embed_dim
        sched = reducer.schedule(n0, prefix, len(self.blocks))
        extra = reducer.extra_macs(self, n0, prefix)
        macs = [self.block_macs(na, nm) + e for (na, nm), e in zip(sched, extra)]
        p = self.patch_embed.patch_size
        in_chans = self.patch_embed.proj.in_channels
        stem = n0 * dim * in_chans * p[0] * p[1]
        head = dim * self.num_classes if self.num_classes else 0
        return [na for na, _ in sched], macs, float(stem + head)

    def block_macs(self, tokens_attn: int, tokens_mlp: int) -> float:
        """MACs of one block of this model whose attention sees ``tokens_attn`` tokens and MLP ``tokens_mlp``."""
        attn = self.blocks[0].attn
        return vit_block_macs(tokens_attn, tokens_mlp, self.embed_dim, self.blocks[0].mlp.fc1.out_features,
                              attn.num_heads * attn.head_dim)

    def _image_costs(self, lengths: list[tuple[int, int]], live: list, extra: list[float], other: float,
                     batch: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Each image's own cost, as if it ran alone: per layer, the sequence ``lengths`` less the image's empty
        slots (``live``: the valid mask (B, n) or None per layer, attention and MLP) -> MACs (B,) float64 and
        tokens entering each layer's attention (B, L) long."""
        counts = torch.tensor([[na, nm] for na, nm in lengths]).expand(batch, -1, -1).clone()  # (B, L, 2)
        for layer, pair in enumerate(live):
            for j, valid in enumerate(pair):
                if valid is not None:
                    counts[:, layer, j] -= (~valid).sum(dim=1).cpu()
        macs = torch.tensor([sum(self.block_macs(na, nm) + e for (na, nm), e in zip(rows, extra)) + other
                             for rows in counts.tolist()], dtype=torch.float64)
        return macs, counts[:, :, 0]


def keep_count(n: int, ratio: float) -> int:
    """Tokens kept out of n at keep ratio ``ratio`` (the DynamicViT convention int(n * ratio))."""
    return max(1, int(n * ratio))


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Batched gather. x: (B, N, C), index: (B, K) -> (B, K, C)."""
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
