"""DynamicViT (Rao et al., NeurIPS 2021): a light predictor before chosen blocks scores every patch token
and the least useful ones are pruned, hierarchically.

Two semantics, chosen per call without touching the (possibly shared) model:

* ``inference`` — top-k of the keep score, tokens physically removed with a batched gather; kept counts
  ``int(N0 * rho**k)`` against the *initial* number of patches N0 = h*w (any grid).
* ``training`` — hard Gumbel-softmax decisions with straight-through gradients; tokens stay in the
  sequence and attention is masked by the keep policy (a dropped token attends only to itself).
  The Gumbel noise is drawn explicitly from the ``torch.Generator`` given to ``forward_trace`` /
  ``forward_train``, so a view of the training behaviour is reproducible and never calls ``.train()``.

Layout: the algorithm (``PredictorLG`` and the small functions below) is apart from the glue
(``DynamicViTReducer`` hooks + the ``DynamicViT`` model + registration). Official checkpoints
(``torch.load(f)["model"]``: timm DeiT keys + ``score_predictor.{k}.in_conv.{0,1}.*`` /
``out_conv.{0,2,4}.*``) load strictly.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import torch
import torch.nn.functional as F
from timm.layers import trunc_normal_
from torch import nn

from vizcore.models.deit import deit_kwargs
from vizcore.models.reducer_registry import KEEP_RATIO, ReducerSpec, match_keep_ratio, register_reducer
from vizcore.models.registry import ModelSpec, register
from vizcore.models.vit import TokenReducer, TokenState, ViT, gather_tokens, keep_count
from vizcore.published import Published
from vizcore.trace import Stage

SEMANTICS = ("inference", "training")


# ---------------------------------------------------------------------------------------------- algorithm
class PredictorLG(nn.Module):
    """DynamicViT's score predictor: local features of each token joined with a global feature (the
    policy-weighted mean over alive tokens), then an MLP to log-probabilities (keep, drop).

    x: (B, N, C), policy: (B, N, 1) in {0, 1} or None (all alive) -> (B, N, 2) log-probs; channel 0 = keep.
    """

    def __init__(self, embed_dim: int = 384):
        super().__init__()
        self.in_conv = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, embed_dim), nn.GELU())
        self.out_conv = nn.Sequential(
            nn.Linear(embed_dim, embed_dim // 2), nn.GELU(),
            nn.Linear(embed_dim // 2, embed_dim // 4), nn.GELU(),
            nn.Linear(embed_dim // 4, 2), nn.LogSoftmax(dim=-1))

    def forward(self, x: torch.Tensor, policy: torch.Tensor | None = None) -> torch.Tensor:
        x = self.in_conv(x)
        B, N, C = x.shape
        half = C // 2
        local_x, glob = x[..., :half], x[..., half:]
        if policy is None:
            global_x = glob.mean(dim=1, keepdim=True)
        else:
            global_x = (glob * policy).sum(dim=1, keepdim=True) / policy.sum(dim=1, keepdim=True)
        return self.out_conv(torch.cat([local_x, global_x.expand(B, N, C - half)], dim=-1))

    def macs_per_token(self) -> float:
        return float(sum(m.in_features * m.out_features for m in self.modules() if isinstance(m, nn.Linear)))


def stage_ratios(rho: float, stages: int) -> tuple[float, ...]:
    """Keep ratios against N0 per stage: rho, rho**2, rho**3, ... (the official KEEP_RATE)."""
    return tuple(rho ** (i + 1) for i in range(stages))


def keep_counts(num_patches: int, ratios: Sequence[float]) -> list[int]:
    """Patch tokens kept after each stage: int(N0 * ratio) against the initial N0 (137/96/67 at 14x14, 0.7)."""
    return [keep_count(num_patches, r) for r in ratios]


def topk_keep(score: torch.Tensor, k: int) -> torch.Tensor:
    """Indices (B, k) of the k highest scores of (B, n), best first (the official argsort[:, :k])."""
    return torch.topk(score, min(k, score.shape[1]), dim=1, largest=True, sorted=True).indices


def sample_gumbel(shape, like: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Standard Gumbel noise -log(E), E ~ Exp(1), drawn from ``generator`` (on its device) or the global RNG."""
    if generator is None:
        e = torch.empty(shape, dtype=like.dtype, device=like.device).exponential_()
    else:
        e = torch.empty(shape, dtype=like.dtype, device=generator.device).exponential_(generator=generator)
    return -e.log().to(like.device)


def gumbel_hard(logits: torch.Tensor, tau: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Hard Gumbel-softmax over the last dim with straight-through gradients (as F.gumbel_softmax(hard=True),
    but with explicit, seedable noise). Forward values are one-hot; gradients are the soft sample's."""
    y_soft = ((logits + sample_gumbel(logits.shape, logits, generator)) / tau).softmax(dim=-1)
    index = y_soft.argmax(dim=-1, keepdim=True)
    y_hard = torch.zeros_like(y_soft).scatter_(-1, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def training_decision(log_probs: torch.Tensor, prev_decision: torch.Tensor, tau: float = 1.0,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """``hard_keep = gumbel_softmax(pred, hard=True)[..., 0:1] * prev_decision`` -> (B, n, 1)."""
    return gumbel_hard(log_probs, tau, generator)[..., 0:1] * prev_decision


def keep_logits(log_probs: torch.Tensor) -> torch.Tensor:
    """(B, n, 2) log-probabilities (keep, drop) -> (B, n) the keep logit log p(keep) - log p(drop)."""
    return log_probs[..., 0] - log_probs[..., 1]


def to_grid(values: torch.Tensor, ids: torch.Tensor, num_patches: int, fill: float) -> torch.Tensor:
    """Scatter per-token values (B, n) at original patch ids (B, n) into a (B, num_patches) map."""
    out = torch.full((values.shape[0], num_patches), fill, dtype=values.dtype, device=values.device)
    return out.scatter(1, ids, values)


# ---------------------------------------------------------------------------------------------- glue
@dataclass(frozen=True)
class DynamicViTReducer(TokenReducer):
    """Where and how much DynamicViT prunes; stateless, so ``replace()`` gives a per-call variant."""

    pruning_loc: tuple[int, ...] = (3, 6, 9)
    keep_ratios: tuple[float, ...] = (0.7, 0.7 ** 2, 0.7 ** 3)
    semantics: str = "inference"
    tau: float = 1.0

    name = "dynamicvit"
    is_identity = False

    def __post_init__(self):
        if self.semantics not in SEMANTICS:
            raise ValueError(f"semantics must be one of {SEMANTICS}, not {self.semantics!r}")
        if len(self.keep_ratios) != len(self.pruning_loc):
            raise ValueError("one keep ratio per pruning location")
        if list(self.pruning_loc) != sorted(set(self.pruning_loc)):
            raise ValueError(f"pruning locations must increase: {self.pruning_loc}")

    # -- hooks
    def before_block(self, model: "DynamicViT", layer: int, x: torch.Tensor, state: TokenState) -> torch.Tensor:
        if layer not in self.pruning_loc:
            return x
        stage = self.pruning_loc.index(layer)
        predictor = model.score_predictor[stage]
        k = keep_count(state.num_patches, self.keep_ratios[stage])
        if self.semantics == "inference":
            return self._prune(predictor, stage, layer, k, x, state)
        return self._mask(predictor, layer, x, state)

    def _prune(self, predictor, stage, layer, k, x, state):
        p = state.prefix
        spatial = x[:, p:]
        log_probs = predictor(spatial)  # every token here is alive
        score = log_probs[..., 0]
        keep = topk_keep(score, k)
        x = torch.cat([x[:, :p], gather_tokens(spatial, keep)], dim=1)
        kept_ids = state.ids.gather(1, keep)  # original grid coordinates, best score first
        if "keep_scores" in state.extras:  # asked for by training (an auxiliary ranking term)
            alive = torch.ones_like(score, dtype=torch.bool)  # every token here is alive
            state.extras["keep_scores"].append((keep_logits(log_probs), state.ids, alive))
        if state.tracing:
            n0 = state.num_patches
            state.stages.append(Stage(
                layer=layer, kind="prune", kept=kept_ids,
                keep_prob=to_grid(score.exp(), state.ids, n0, 0.0),
                scores=to_grid(score, state.ids, n0, float("nan")),
                extras={"stage": stage, "keep_count": keep.shape[1]}))
        state.ids = kept_ids
        return x

    def _mask(self, predictor, layer, x, state):
        p = state.prefix
        B = x.shape[0]
        prev = state.policy[:, p:] if state.policy is not None else x.new_ones(B, state.num_patches, 1)
        log_probs = predictor(x[:, p:], prev)
        decision = training_decision(log_probs, prev, self.tau, state.generator)  # (B, N0, 1)
        state.policy = torch.cat([decision.new_ones(B, p, 1), decision], dim=1)
        state.extras.setdefault("decisions", []).append(decision.reshape(B, -1))
        if "keep_scores" in state.extras:
            state.extras["keep_scores"].append((keep_logits(log_probs), state.ids, prev[..., 0].detach() > 0.5))
        if state.tracing:
            alive = prev[..., 0].detach() > 0.5
            score = log_probs[..., 0].detach()
            mask = decision[..., 0].detach() > 0.5
            state.stages.append(Stage(
                layer=layer, kind="prune", keep_prob=torch.where(alive, score.exp(), torch.zeros_like(score)),
                scores=torch.where(alive, score, torch.full_like(score, float("nan"))), mask=mask,
                extras={"stage": self.pruning_loc.index(layer), "decision": mask,
                        "keep_count": mask.sum(dim=1)}))
        return x

    # -- cost
    def schedule(self, num_patches: int, prefix: int, depth: int) -> list[tuple[int, int]]:
        n = num_patches
        out = []
        for layer in range(depth):
            if self.semantics == "inference" and layer in self.pruning_loc:
                n = min(n, keep_count(num_patches, self.keep_ratios[self.pruning_loc.index(layer)]))
            out.append((prefix + n, prefix + n))
        return out

    def extra_macs(self, model: "DynamicViT", num_patches: int, prefix: int) -> list[float]:
        extra = [0.0] * len(model.blocks)
        sched = self.schedule(num_patches, prefix, len(model.blocks))
        for stage, layer in enumerate(self.pruning_loc):
            alive = (sched[layer - 1][1] - prefix) if layer > 0 else num_patches  # tokens the predictor sees
            extra[layer] = alive * model.score_predictor[stage].macs_per_token()
        return extra


class DynamicViT(ViT):
    """timm ViT/DeiT with DynamicViT's score predictors (``score_predictor`` as in the official code)."""

    family = "dynamicvit"

    def __init__(self, pruning_loc: Sequence[int] = (3, 6, 9), keep_ratio: float = 0.7,
                 keep_ratios: Sequence[float] | None = None, tau: float = 1.0, **timm_kwargs):
        locs = tuple(int(i) for i in pruning_loc)
        ratios = tuple(float(r) for r in keep_ratios) if keep_ratios else stage_ratios(keep_ratio, len(locs))
        super().__init__(reducer=DynamicViTReducer(locs, ratios, "inference", tau), **timm_kwargs)
        if locs and not 0 <= min(locs) <= max(locs) < len(self.blocks):
            raise ValueError(f"pruning locations {locs} outside the {len(self.blocks)} blocks")
        self.keep_ratio = keep_ratio
        self.score_predictor = nn.ModuleList([PredictorLG(self.embed_dim) for _ in locs])
        for m in self.score_predictor.modules():  # the official init (trunc normal .02, zero bias)
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)

    @property
    def pruning_loc(self) -> tuple[int, ...]:
        return self.reducer.pruning_loc

    def reducer_for(self, semantics: str | None = None, tau: float | None = None) -> DynamicViTReducer:
        """A variant of the model's reducer for one call (the model itself is never changed)."""
        changes = {}
        if semantics is not None:
            changes["semantics"] = semantics
        if tau is not None:
            changes["tau"] = float(tau)
        return replace(self.reducer, **changes) if changes else self.reducer

    def forward_trace(self, x: torch.Tensor, attn: bool = False, reducer: TokenReducer | None = None,
                      generator: torch.Generator | None = None, semantics: str | None = None,
                      tau: float | None = None):
        """As ViT.forward_trace; ``semantics="training"`` shows the Gumbel view (seed it with ``generator``)."""
        if reducer is None:
            reducer = self.reducer_for(semantics, tau)
        return super().forward_trace(x, attn=attn, reducer=reducer, generator=generator)

    def forward_train(self, x: torch.Tensor, generator: torch.Generator | None = None, tau: float | None = None,
                      scores: list | None = None):
        """The official training outputs, without changing the module's mode:
        (logits (B, classes), features (B, N0, C) normed patch tokens, final decision (B, N0, 1) detached,
        decisions per stage [(B, N0) hard keep decisions with straight-through gradients]).
        ``scores``: a list that receives each stage's (keep logits (B, n), patch ids (B, n), alive (B, n))."""
        out = self._run(x, self.reducer_for("training", tau), want_attn=False, tracing=False,
                        generator=generator, return_tokens=True, extras=None if scores is None else
                        {"keep_scores": scores})
        features = out.trace.extras.pop("tokens")[:, self.num_prefix_tokens:]
        decisions = out.trace.extras.get("decisions", [])
        if decisions:
            final = decisions[-1].detach().unsqueeze(-1)
        else:
            final = features.new_ones(features.shape[0], features.shape[1], 1)
        return out.logits, features, final, decisions


    def forward_topk(self, x: torch.Tensor, rho: float, scores: list | None = None) -> torch.Tensor:
        """Logits (B, classes) of the inference semantics (top-k pruning) at keep ratio ``rho``, with gradients
        (training at other budgets); ``scores`` as in :meth:`forward_train`."""
        return self.forward_with(x, reducer_at(self, rho), extras=None if scores is None else {"keep_scores": scores})


def object_ranking_loss(scores: list, objects: torch.Tensor) -> torch.Tensor:
    """Pairwise logistic ranking of the predictors' keep logits: every alive object token above every alive
    background token (RankNet's softplus(s_bg - s_obj), mean over pairs, then samples with both, then stages).

    scores: [(keep logits (B, n), patch ids (B, n), alive (B, n) bool)] per stage; objects: (B, N0) bool.
    Not one of the paper's four terms: an auxiliary signal from the scenes' masks (see the bundled card)."""
    total = objects.new_zeros((), dtype=torch.float32)
    for logits, ids, alive in scores:
        here = objects.gather(1, ids)  # (B, n): whether each of the stage's tokens is an object token
        obj, bg = here & alive, ~here & alive
        diff = logits[:, None, :] - logits[:, :, None]  # (B, i, j) = s_j - s_i
        pair = (obj[:, :, None] & bg[:, None, :]).float()  # i object, j background
        per = (F.softplus(diff) * pair).sum((1, 2)) / pair.sum((1, 2)).clamp_min(1.0)
        has = pair.sum((1, 2)) > 0
        total = total + (per[has].mean() if has.any() else per.sum() * 0.0)
    return total / max(1, len(scores))


# ---------------------------------------------------------------------------------------------- loss
class TeacherWrapper(nn.Module):
    """A plain ViT as DynamicViT's teacher: x -> (logits, normed patch tokens (B, N0, C))."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor):
        tokens = self.model.forward_features(x)
        return self.model.forward_head(tokens), tokens[:, self.model.num_prefix_tokens:]


class DynamicViTLoss(nn.Module):
    """The official DeiT recipe (``DistillDiffPruningLoss_dynamic`` with ``mse_token=True``):

    loss = clf_weight * CE(pred, y)
         + ratio_weight * sum_k mean_b (mean_n decision_k - keep_ratio_k)^2 / n_stages
         + distill_weight * KL(teacher logits || pred)          (batchmean, log targets)
         + distill_weight * MSE(tokens, teacher tokens) over the tokens kept at the end (mask > 0.5)

    ``forward(inputs, outputs, labels, teacher_outputs=None) -> (loss, parts)`` where outputs is
    ``DynamicViT.forward_train``'s tuple; teacher outputs are computed from ``teacher`` when not given.
    """

    def __init__(self, teacher: nn.Module | None = None, keep_ratios: Sequence[float] = stage_ratios(0.7, 3),
                 ratio_weight: float = 2.0, distill_weight: float = 0.5, clf_weight: float = 1.0,
                 base_criterion: nn.Module | None = None, mse_token: bool = True, dynamic: bool = False):
        super().__init__()
        self.teacher = teacher
        self.keep_ratios = tuple(keep_ratios)
        self.ratio_weight, self.distill_weight, self.clf_weight = ratio_weight, distill_weight, clf_weight
        self.base_criterion = base_criterion or nn.CrossEntropyLoss()
        self.mse_token, self.dynamic = mse_token, dynamic

    def forward(self, inputs, outputs, labels, teacher_outputs=None):
        pred, token_pred, mask, decisions = outputs
        ratio_loss = pred.new_zeros(())
        for ratio, decision in zip(self.keep_ratios, decisions):
            pos_ratio = decision.mean() if self.dynamic else decision.mean(dim=1)
            ratio_loss = ratio_loss + ((pos_ratio - ratio) ** 2).mean()
        cls_loss = self.base_criterion(pred, labels)
        if teacher_outputs is None:
            if self.teacher is None:
                raise ValueError("DynamicViTLoss needs a teacher or teacher_outputs")
            with torch.no_grad():
                teacher_outputs = self.teacher(inputs)
        cls_t, token_t = teacher_outputs
        cls_kl = F.kl_div(F.log_softmax(pred, dim=-1), F.log_softmax(cls_t, dim=-1), reduction="batchmean",
                          log_target=True)
        B, N, C = token_pred.shape
        keep = mask.reshape(B * N) > 0.5
        if mask.sum() < 0.1:
            token_loss = token_pred.new_zeros(())
        else:
            tp, tt = token_pred.reshape(B * N, C)[keep], token_t.reshape(B * N, C)[keep]
            if self.mse_token:
                token_loss = (tp - tt).pow(2).mean()
            else:
                token_loss = F.kl_div(F.log_softmax(tp, dim=-1), F.log_softmax(tt, dim=-1), reduction="batchmean",
                                      log_target=True)
        n_stages = max(1, len(self.keep_ratios))
        loss = (self.clf_weight * cls_loss + self.ratio_weight * ratio_loss / n_stages
                + self.distill_weight * cls_kl + self.distill_weight * token_loss)
        parts = {"cls": cls_loss.detach(), "ratio": ratio_loss.detach(), "cls_kl": cls_kl.detach(),
                 "token": token_loss.detach()}
        return loss, parts


# ---------------------------------------------------------------------------------------------- registry
def build_dynamicvit(size: str, pruning_loc: Sequence[int] = (3, 6, 9), keep_ratio: float = 0.7,
                     keep_ratios: Sequence[float] | None = None, tau: float = 1.0, **options) -> DynamicViT:
    return DynamicViT(pruning_loc=pruning_loc, keep_ratio=keep_ratio, keep_ratios=keep_ratios, tau=tau,
                      **deit_kwargs(size, **options))


for _size, _tag in (("small", "S"), ("base", "B")):
    register(ModelSpec(
        name=f"dynamicvit_deit_{_size}", family="dynamicvit",
        builder=lambda _s=_size, **o: build_dynamicvit(_s, **o),
        default_options={"keep_ratio": 0.7, "pruning_loc": [3, 6, 9]},
        hub_name=None,
        description=(f"DynamicViT-DeiT-{_tag}/0.7: score predictors before blocks 3/6/9 keep "
                     "int(N0*0.7^k) patch tokens (137/96/67 at 14x14); top-k at inference, Gumbel masks in training."),
        paper="Rao et al., DynamicViT: Efficient Vision Transformers with Dynamic Token Sparsification, NeurIPS 2021"))


def reducer_at(model: DynamicViT, rho: float, locs=None) -> DynamicViTReducer:
    """The model's inference reducer at keep ratio ``rho`` (its predictors fix the blocks: ``locs`` is unused)."""
    return replace(model.reducer_for("inference"), keep_ratios=stage_ratios(float(rho), len(model.pruning_loc)))


def match_rho(model: DynamicViT, rho: float, locs=None, measure: str = "tokens") -> float:
    """rho itself for the budget's tokens (its schedule is the budget); under GMACs the keep ratio whose cost,
    its predictors' included, comes closest to the budget's (a little below rho). On a plain backbone without
    predictors: rho."""
    locs = tuple(model.pruning_loc) if hasattr(model, "pruning_loc") else tuple(locs or ())
    if measure == "tokens" or not hasattr(model, "score_predictor"):
        return float(rho)
    return match_keep_ratio(lambda r: reducer_at(model, r), model, rho, locs, measure)


PAPER = "Rao et al., DynamicViT: Efficient Vision Transformers with Dynamic Token Sparsification, NeurIPS 2021"
_SOURCE = f"{PAPER}, Table 1"
register_reducer(ReducerSpec(
    name="dynamicvit", tag="DynamicViT", family="learned", label_key="reducer.dynamicvit",
    about_key="reducer.dynamicvit.about", colour="#0072B2", setting=replace(KEEP_RATIO, match=match_rho),
    make=reducer_at,
    model_family="dynamicvit", paper=PAPER,
    published=(Published("dynamicvit_deit_small", "dynamicvit", "rho 0.7", 79.3, 2.9, 22.8, "", _SOURCE),
               Published("dynamicvit_deit_base", "dynamicvit", "rho 0.7", 81.4, 11.4, 89.5, "", _SOURCE),
               Published("DynamicViT-LV-ViT-S", "dynamicvit", "rho 0.7", 83.1, 4.6, None, "", _SOURCE))))
