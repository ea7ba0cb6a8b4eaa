"""The PoolFormer / MetaFormer page's view: (model, pixels, the RGB view, control values) -> PoolFormerView.

``poolformer_view`` runs the model with its pooling mixer (the shapes for the page's pipeline caption) and
computes the one panel ``show`` names:

- ``block``   per stage: blocks, output shape, tokens, one block's mixer / MLP parameters and MMACs;
- ``pool``    x, pool(x) and pool(x) − x for the grey image or one channel of a stage's output, the 3x3
              kernel and the frequency response;
- ``stages``  per stage the feature norm and the most varied channels;
- ``mixers``  logits, GMACs and the last stage's feature norm with the mixer swapped (pooling / identity /
              attention), compared against pooling;
- ``cam``     a class map of the last stage (grad-cam: Grad-CAM, Grad-CAM++, EigenCAM, LayerCAM) for one
              of the top-5 classes under the chosen mixer.

Controls whose options come from the image (the stage's channel, the target class) are passed as requested
(the page reads the value its widget was left at, then draws the widget with the options the view returns): a
value that is not among this image's options (or None) falls back to the first option, as the widget does,
and the panel carries the options and the value it used. The model is shared: it is only read.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vizcore.analysis import poolformer as pa
from vizcore.analysis.class_map import CAM_METHODS, CLASS_SPECIFIC, class_map
from vizcore.device import threads_for
from vizcore.trace import TraceOutput

SHOWS = ("block", "pool", "stages", "mixers", "cam")
MIXERS = ("pooling", "identity", "attention")
SOURCES = ("image", "feature")


@dataclass(frozen=True)
class BlockPanel:
    rows: list[dict]  # per stage: stage, blocks, shape, tokens, mixer_params, mlp_params, block_mmacs


@dataclass(frozen=True)
class PoolPanel:
    source: str  # "image" or "feature"
    x: np.ndarray  # (H, W) the grey image or one channel of a stage's output
    pooled: np.ndarray  # (H, W) pool(x)
    diff: np.ndarray  # (H, W) pool(x) - x
    kernel: np.ndarray  # (3, 3) pool(x) - x as one kernel
    response: dict  # frequency response: w, pool_row, pool_diag, diff_row, diff_diag, each (points,)
    stage: int | None = None  # with source "feature"
    channel: int | None = None
    channel_order: tuple[int, ...] = ()  # the stage's channels, most varied first (the channel's options)
    shape: tuple = ()  # the stage's output shape (1, C, h, w)


@dataclass(frozen=True)
class StagesPanel:
    maps: list[list[np.ndarray]]  # per stage: the feature norm (h, w), then per_stage - 1 channels
    names: list[list[str]]  # a tile name per map
    row_labels: list[str]  # "CxHxW" per stage
    rows: list[dict]  # per stage: stage, shape, tokens, channels


@dataclass(frozen=True)
class MixersPanel:
    logits: dict  # mixer -> (classes,)
    rows: list[dict]  # per mixer: top-1 and its probability, pooling's top-1 probability, mean |Δ logit|, GMACs
    probabilities: list[dict]  # pooling's top-5 classes under each mixer: class, index, probability, mixer
    norms: dict  # mixer -> (h, w) channel-L2 norm of the last stage's output


@dataclass(frozen=True)
class CamPanel:
    mixer: str
    method: str  # a key of vizcore.analysis.class_map.CAM_METHODS
    class_specific: bool  # False for EigenCAM: the same map for every class
    targets: tuple[int, ...]  # the top-5 classes under the mixer (the target's options)
    target_names: tuple[str, ...]
    target_probs: tuple[float, ...]
    target: int  # the class explained
    target_name: str
    cam: np.ndarray  # (h, w) on the last stage's grid, in [0, 1]
    rows: list[dict]  # the map as a table: row, col, cam


@dataclass(frozen=True)
class PoolFormerView:
    show: str
    image_shape: tuple  # pixels (1, 3, H, W)
    stage_shapes: tuple  # (1, C_i, h_i, w_i) per stage
    logits_shape: tuple
    top_class: str  # the pooling model's top class
    block: BlockPanel | None = None
    pool: PoolPanel | None = None
    stages: StagesPanel | None = None
    mixers: MixersPanel | None = None
    cam: CamPanel | None = None


def _read_only(array) -> np.ndarray:
    array = np.asarray(array)
    array.setflags(write=False)
    return array


def _forward(model, x: torch.Tensor, mixer: str, macs: float) -> TraceOutput:
    with torch.inference_mode(), threads_for(macs, x.device):
        return model.forward_trace(x, mixer=mixer)


def _pool_panel(image: np.ndarray, features: list[np.ndarray], source: str, stage: int, channel) -> PoolPanel:
    common = {"kernel": _read_only(pa.pool_kernel()), "response": pa.frequency_response()}
    if source == "image":
        x = pa.to_gray(image)
        pooled, diff = pa.pool_minus_identity(x)
        return PoolPanel("image", *map(_read_only, (x, pooled, diff)), **common)
    stage = stage if stage in range(len(features)) else 0
    f = features[stage]
    order = tuple(int(c) for c in pa.channel_order(f))
    channel = channel if channel in order else order[0]
    x = f[channel]
    pooled, diff = pa.pool_minus_identity(x)
    return PoolPanel("feature", *map(_read_only, (x, pooled, diff)), **common, stage=stage, channel=channel,
                     channel_order=order, shape=(1, *f.shape))


def _cam_panel(model, x: torch.Tensor, pooling_logits: np.ndarray, mixer: str, method: str, target, macs: float,
               names) -> CamPanel:
    if mixer not in MIXERS:
        raise ValueError(f"mixer must be one of {MIXERS}, not {mixer!r}")
    logits = pooling_logits if mixer == "pooling" else _forward(model, x, mixer, macs).logits[0].float().cpu().numpy()
    top = pa.top_classes(logits, 5)
    probs = pa.softmax(logits)
    target = int(target) if target is not None and int(target) in top else top[0]
    with threads_for(macs, x.device):
        cam = class_map(*model.class_map_network(mixer), x, target=target, method=method)[0]
    return CamPanel(mixer=mixer, method=method, class_specific=CLASS_SPECIFIC[method], targets=tuple(top),
                    target_names=tuple(names[i] for i in top), target_probs=tuple(float(probs[i]) for i in top),
                    target=target, target_name=names[target], cam=_read_only(cam),
                    rows=[{"row": i, "col": j, "cam": float(v)} for (i, j), v in np.ndenumerate(cam)])


def poolformer_view(model, pixels: torch.Tensor, image: np.ndarray, *, show: str = "block", source: str = "image",
                    stage: int = 0, channel: int | None = None, per_stage: int = 6, cam_mixer: str = "pooling",
                    cam_target: int | None = None, cam_method: str = "gradcam") -> PoolFormerView:
    """model: a PoolFormer; pixels (1, 3, H, W) as the model takes them; image (H, W, 3) uint8, the RGB view
    the model sees. ``show`` picks the panel; the other controls belong to one panel each (pool: source,
    stage, channel; stages: per_stage; cam: cam_mixer, cam_target, cam_method)."""
    if show not in SHOWS:
        raise ValueError(f"show must be one of {SHOWS}, not {show!r}")
    if cam_method not in CAM_METHODS:
        raise ValueError(f"cam_method must be one of {tuple(CAM_METHODS)}, not {cam_method!r}")
    device = next(model.parameters()).device
    x = pixels.to(device)
    tokens, per_layer, other = model.analytic_macs(img_size=tuple(x.shape[-2:]))
    macs = (sum(per_layer) + other) * x.shape[0]
    out = _forward(model, x, "pooling", macs)
    logits = out.logits[0].float().cpu().numpy()
    features = [f[0].float().cpu().numpy() for f in out.trace.extras["stage_features"]]
    names = pa.class_names(logits.shape[-1])
    panels = {}
    if show == "block":
        panels["block"] = BlockPanel(pa.stage_rows(model, [(1, *f.shape) for f in features], per_layer))
    elif show == "pool":
        panels["pool"] = _pool_panel(image, features, source, stage, channel)
    elif show == "stages":
        maps, tile_names, rows = pa.stage_maps(features, per_stage)
        panels["stages"] = StagesPanel([[_read_only(m) for m in row] for row in maps], tile_names,
                                       [f"{C}x{h}x{w}" for _, C, h, w in (r["shape"] for r in rows)], rows)
    elif show == "mixers":
        runs = {"pooling": out, **{m: _forward(model, x, m, macs) for m in MIXERS[1:]}}
        lg = {m: _read_only(r.logits[0].float().cpu().numpy()) for m, r in runs.items()}
        gmacs = {m: sum(r.trace.macs_per_layer) + r.trace.macs_other for m, r in runs.items()}
        norms = {m: _read_only(r.trace.extras["stage_features"][-1][0].float().norm(dim=0).cpu().numpy())
                 for m, r in runs.items()}
        panels["mixers"] = MixersPanel(lg, pa.mixer_rows(lg, gmacs, names), pa.mixer_probabilities(lg, names), norms)
    else:
        panels["cam"] = _cam_panel(model, x, logits, cam_mixer, cam_method, cam_target, macs, names)
    return PoolFormerView(show=show, image_shape=tuple(pixels.shape),
                          stage_shapes=tuple((1, *f.shape) for f in features), logits_shape=tuple(out.logits.shape),
                          top_class=names[int(logits.argmax())], **panels)


__all__ = ["SHOWS", "MIXERS", "SOURCES", "CAM_METHODS", "PoolFormerView", "BlockPanel", "PoolPanel", "StagesPanel",
           "MixersPanel", "CamPanel", "poolformer_view"]
