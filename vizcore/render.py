"""``python -m vizcore render``: a page's figures (PNG, GIF with ``--gif``) and their numbers (JSON, CSV) for
one or more images, without the browser.

Each page's figures are made here by the same view functions, plots and download encoders
(``vizcore.ui.downloads.download_payloads``, ``vizcore.ui.animation.animation_files``) as on the page, with
the page's defaults for every control not set, so a file written here equals the page's download of the same
state byte for byte (``tests/test_render.py``). Interactive HTML charts are not written.

    python -m vizcore render --page dynamicvit --image scene:3 --image photo.jpg --set rho=0.5 --out figs/
    python -m vizcore render --page attention --image photos/ --gif --lang zh --out figs/
    python -m vizcore render --from-link "http://localhost:8501/dynamicvit?rho=0.5&image=scene:3" --out figs/

Files go to ``OUT/<image>/<stem>.<ext>`` (``<image>``: scene_3, sample_astronaut, photo_jpg), with
``OUT/<image>/<page>.json`` saying what was rendered (the page, model, settings, image and files).
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from tqdm import tqdm

from vizcore import images
from vizcore.analysis.forward import traced_forward
from vizcore.analysis.t2t import centre_token
from vizcore.data import scene_set
from vizcore.device import pick_device
from vizcore.i18n import LANGUAGES, t
from vizcore.models import registry
from vizcore.models.reducer_registry import KEEP_RATIO, MEASURES
from vizcore.plots import attention_views as av
from vizcore.plots import poolformer_views as pv
from vizcore.plots import reduction_views as rv
from vizcore.plots import t2t_views as tv
from vizcore.plots import wukong_views as wv
from vizcore.plots.overlay import COLORMAPS, overlay
from vizcore.plots.token_fate import fate_grid, lineage_strip
from vizcore.ui.animation import animation_files
from vizcore.ui.downloads import download_payloads
from vizcore.ui.loading import macs_per_image
from vizcore.ui.sidebar import UPLOAD_TYPES, _mask_view
from vizcore.ui.text import method_key
from vizcore.views import address
from vizcore.views import animations as anim
from vizcore.views import attention as attention_views
from vizcore.views import compare as compare_views
from vizcore.views import t2t as t2t_views
from vizcore.views import wukong as wukong_views
from vizcore.views.dynamicvit import cost_rows, dynamicvit_view, token_fate_data
from vizcore.views.poolformer import CAM_METHODS, MIXERS, poolformer_view

#: file kinds written (the pages' interactive HTML charts are not)
WRITTEN = ("png", "gif", "json", "csv", "svg")


# ---------------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Option:
    """One ``--set`` key of a page. kind: "int", "float", "choice" or "head" (mean, max or a head index);
    low / high: the range of a number; choices: the values of a choice; default None: the page's own default,
    which depends on the model (the last layer, the model's keep ratio)."""

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    default: object = None

    def parse(self, text: str):
        """The value ``text`` stands for; ValueError (one line) when it is not one this option takes."""
        text = str(text).strip()
        if self.kind == "choice":
            for choice in self.choices:
                if str(choice) == text:
                    return choice
            raise ValueError(f"{self.name} must be one of {', '.join(map(str, self.choices))}, not {text!r}")
        if self.kind == "head" and text in ("mean", "max"):
            return text
        try:
            value = int(text) if self.kind in ("int", "head") else float(text)
        except ValueError:
            what = "a whole number" if self.kind == "int" else "mean, max or a head index" if self.kind == "head" \
                else "a number"
            raise ValueError(f"{self.name} must be {what}, not {text!r}") from None
        low = 0 if self.kind == "head" else self.low
        if (low is not None and value < low) or (self.high is not None and value > self.high):
            raise ValueError(f"{self.name} must be in {low:g}..{self.high:g}, not {text}" if self.high is not None
                             else f"{self.name} must be at least {low:g}, not {text}")
        return value


def _models(family: str) -> tuple[str, ...]:
    """The page's model choices, bundled first (as the pages list them)."""
    return tuple(sorted(registry.list_models(family=family), key=lambda n: (not n.startswith("bundled"), n)))


# ---------------------------------------------------------------------------------------- what a page renders
@dataclass
class Context:
    """One image on one page: what the sidebar would hold, and the models loaded so far (shared by images)."""

    image: images.LoadedImage
    mask: np.ndarray | None
    lang: str
    source: str
    device: str
    gif: bool
    models: dict = field(default_factory=dict)

    def tr(self, key: str, **fields) -> str:
        return t(key, self.lang, **fields)

    def method_label(self, method: str) -> str:
        """As the pages' ``ui.method_label``, in this render's language."""
        key = method_key(method)
        return self.tr(key) if key else method

    def model(self, name: str):
        """The model ``name`` as the page loads it (bundled falls back to random weights where absent)."""
        spec = registry.get_spec(name)
        source = self.source if self.source in spec.sources else "random"
        key = (name, source, self.device)
        if key not in self.models:
            model = registry.create_model(name, source, device=self.device)
            for p in model.parameters():
                p.requires_grad_(False)
            self.models[key] = model
        return self.models[key]

    def prepared(self, model):
        """(pixels (1, 3, H, W), the view the model sees (H, W, 3), data config), as ``ui.prepare_image``."""
        cfg = images.data_config_for(model)
        return images.preprocess(self.image.array, cfg), images.model_view(self.image.array, cfg), cfg

    def trace(self, model, pixels, **kwargs):
        """(logits, Trace), as ``ui.run_trace``."""
        return traced_forward(model, pixels, macs_per_image(model), None, **kwargs)


#: one output: (file stem, download_payloads arguments)
Output = tuple[str, dict]


@dataclass(frozen=True)
class PageRender:
    """A page's ``--set`` options and ``outputs(ctx, values) -> [Output]`` (``values``: every option, set or
    None for the page's default)."""

    name: str
    options: tuple[Option, ...]
    outputs: Callable[[Context, dict], list[Output]]

    def option(self, key: str) -> Option:
        for o in self.options:
            if o.name == key:
                return o
        raise KeyError(f"page {self.name} has no setting {key!r}; it has {', '.join(o.name for o in self.options)}")


def _or(value, default):
    return default if value is None else value


def _attention(ctx: Context, s: dict) -> list[Output]:
    name = _or(s["model"], _models("vit")[0])
    model = ctx.model(name)
    pixels, view, _ = ctx.prepared(model)
    logits, trace = ctx.trace(model, pixels, attn=True)
    n_layers, heads = len(trace.attn), trace.attn[0].shape[1]
    layer, head, scale, cmap = _or(s["layer"], n_layers - 1), s["head"], s["scale"], s["cmap"]
    upto = _or(s["upto"], n_layers - 1)
    for key, value, top in (("layer", layer, n_layers - 1), ("upto", upto, n_layers - 1), ("head", head, heads - 1)):
        if not isinstance(value, str) and not 0 <= value <= top:
            raise ValueError(f"{key} must be in 0..{top} for {name}, not {value}")
    out = []
    v = attention_views.map_view(trace, layer=layer, head=head, scale=scale)
    img = av.map_overlay(view, v.values, v.vmin, v.vmax, cmap=cmap, alpha=s["alpha"])
    out.append((f"cls_attention_L{layer}_{head}", {"png": img, "rows": v.values}))
    g = attention_views.grid_view(trace, scale=scale)
    rows = [ctx.tr("attn.grid_row", layer=i) for i in range(n_layers)]
    cols = [ctx.tr("attn.grid_col", head=i) for i in range(trace.attn[0].shape[1])]
    out.append(("cls_attention_grid", {"png": av.layer_head_grid(view, g.maps, rows, cols, cmap=cmap)}))
    r = attention_views.rollout_view(trace, fusion=s["fusion"], discard=s["discard"], upto=upto)
    if r.available:
        out.append((f"rollout_{s['fusion']}_{s['discard']:.2f}_L{upto}",
                    {"png": av.map_overlay(view, r.values, r.vmin, r.vmax, cmap=cmap), "rows": r.values}))
    sv = attention_views.shapes_view(model, trace, ref=s["ref"] if getattr(model, "pos_embed", None) is not None
                                     else None)
    if sv.similarity is not None:
        out.append(("pos_embed_similarity", {"png": av.similarity_atlas(sv.similarity, cmap)}))
    if ctx.gif:
        out.append((f"cls_attention_layers_{head}",
                    animation_files(anim.cls_through_layers(view, trace, head, scale, cmap, s["alpha"]))))
    return out


def _dynamicvit(ctx: Context, s: dict) -> list[Output]:
    name = _or(s["model"], _models("dynamicvit")[0])
    model = ctx.model(name)
    pixels, view, _ = ctx.prepared(model)
    rho, semantics, tau = _or(s["rho"], float(model.keep_ratio)), s["semantics"], s["tau"]
    training = semantics == "training"
    seed = _or(s["seed"], 0) if training else None  # the page draws with seed 0 until "Resample"
    v = dynamicvit_view(model, pixels, rho, semantics, tau, seed, s["samples"])
    keep_p, soft, hard = v.gumbel
    tr = ctx.tr
    fate_labels = [tr("pic.input_tokens", n=v.num_patches)] + [
        tr("pic.stage_merged" if f.kind == "merge" else "pic.stage_kept", layer=f.layer, tokens=f.tokens)
        for f in v.fates]
    gumbel_labels = {"prob": tr("pic.gumbel_prob"), "soft": tr("pic.gumbel_soft"), "hard": tr("pic.gumbel_hard"),
                     "x": tr("pic.token"), "y": tr("pic.keep_axis")}
    cost_labels = {"titles": (tr("dyn.axis.patch_tokens"), tr("pic.gmacs")), "x_title": tr("pic.layer"),
                   "names": {m: ctx.method_label(m) for m in v.cost_tokens}}
    out = [("dynamicvit_token_fate", {"png": lineage_strip(view, v.fates, v.num_patches, fate_labels, tile=200),
                                      "data": token_fate_data(v, name, rho, semantics, tau, seed)}),
           ("dynamicvit_keep_prob", {"png": rv.score_maps(view, v.trace, {"tile": tr("pic.keep_prob_tile"),
                                                                          "bar": tr("pic.keep_prob")},
                                                          tile=200, colour_bar=True)}),
           ("gumbel_softmax_samples", {"png": rv.gumbel_image(keep_p, soft, hard, gumbel_labels, title=f"τ = {tau:.1f}"),
                                       "data": {"keep_prob": keep_p.tolist(), "soft": soft.tolist(),
                                                "hard": hard.tolist(), "tau": tau}}),
           ("dynamicvit_cost", {"png": rv.per_layer_cost_image(v.cost_tokens, v.cost_gmacs, **cost_labels),
                                "rows": cost_rows(v)})]
    if ctx.gif:
        out.append(("dynamicvit_fate_layers", animation_files(anim.fate_through_layers(view, v.trace))))
        if training:
            out.append(("dynamicvit_gumbel_draws",
                        animation_files(anim.gumbel_draws(model, pixels, view, rho, tau, seed))))
    return out


def _compare(ctx: Context, s: dict) -> list[Output]:
    backbone_name = _or(s["backbone"], compare_views.compare_backbones()[0])
    backbone = ctx.model(backbone_name)
    pixels, view, cfg = ctx.prepared(backbone)
    partners = {name: ctx.model(name) for name in compare_views.partner_models(backbone_name)}
    mask = None if ctx.mask is None else _mask_view(ctx.mask, cfg)
    v = compare_views.compare_view(backbone_name, backbone, pixels, s["rho"], mask, partners, measure=s["measure"])
    tr = ctx.tr
    fates = {ctx.method_label(m): row for m, row in v.fates.items()}
    cost_labels = {"titles": (tr("cmp.axis.patch_tokens"), tr("pic.gmacs")), "x_title": tr("pic.layer"),
                   "names": {m: ctx.method_label(m) for m in v.tokens}}
    out = [("compare_token_fate", {"png": fate_grid(view, fates, v.budget.locs, v.num_patches, tr("pic.after_layer"),
                                                    tile=170, per_row=1)}),
           ("compare_cost", {"png": rv.per_layer_cost_image(v.tokens, v.gmacs, **cost_labels),
                             "rows": compare_views.cost_rows(v)}),
           ("compare_summary", {"rows": v.rows, "data": compare_views.summary_data(v)})]
    if ctx.gif and v.traces:
        out.append(("compare_fate_layers", animation_files(anim.compare_through_layers(view, v.traces))))
    return out


def _t2t(ctx: Context, s: dict) -> list[Output]:
    candidates = registry.list_models(family="t2t")
    name = _or(s["model"], "bundled_t2t" if "bundled_t2t" in candidates else "t2t_vit_7")
    model = ctx.model(name)
    pixels, view, _ = ctx.prepared(model)
    img_hw = tuple(int(v) for v in pixels.shape[-2:])
    cmap, stage = s["cmap"], s["split"] - 1
    v = t2t_views.splits_view(model, img_hw, t2t_views.model_stages(model))
    w = t2t_views.windows_view(v, stage, s["where"])
    out = [(f"t2t_windows_split{stage + 1}",
            {"png": tv.windows_figure(view, w.soft, w.hard, w.vmax, w.tile_labels, cmap=cmap),
             "rows": w.counts_rows, "data": w.data})]
    token = _or(s["token"], centre_token(v.final_grid))
    if not 0 <= token < v.n_tokens:
        raise ValueError(f"token must be in 0..{v.n_tokens - 1}, not {token}")
    f = t2t_views.footprint_view(v, token)
    out.append((f"t2t_footprint_{f.row}_{f.col}",
                {"png": tv.footprint_figure(view, f.stages, f.final_grid, (f.row, f.col), f.hard_box, f.tile_labels,
                                            cmap=cmap), "data": f.data}))
    logits, trace = ctx.trace(model, pixels)
    sch = t2t_views.schedule_view(v, model, pixels.shape, trace, logits.shape[-1])
    out.append(("t2t_schedule", {"png": tv.norm_maps(view, sch.norms, sch.norm_labels, cmap=cmap),
                                 "rows": sch.csv_rows, "data": sch.data}))
    if ctx.gif:
        out.append((f"t2t_window_slide_split{stage + 1}", animation_files(anim.window_slide(view, v, stage))))
    return out


def _wukong(ctx: Context, s: dict) -> list[Output]:
    candidates = registry.list_models(family="wukong")
    name = _or(s["model"], "bundled_wukong" if "bundled_wukong" in candidates else "wukong_vit_b32")
    model = ctx.model(name)
    pixels, view, _ = ctx.prepared(model)
    logits, trace = ctx.trace(model, pixels)
    traced, cmap = (model, pixels, logits, trace), s["cmap"]
    m = wukong_views.maps_view(*traced, scale=s["scale"])
    labels = [ctx.tr("wk.tile", t=i, peak=peak) for i, peak in enumerate(m.peaks)]
    out = [("wukong_maps", {"png": wv.maps_grid(view, m.maps, m.vmin, m.vmax, labels, cmap=cmap), "rows": m.rows,
                            "data": m.data})]
    token = s["token"] if model.num_tokens > 1 else 0
    if not 0 <= token < model.num_tokens:
        raise ValueError(f"token must be in 0..{model.num_tokens - 1}, not {token}")
    one = wukong_views.token_view(*traced, token=token)
    out.append((f"wukong_map_T{token}", {"png": wv.single_map(view, one.map, cmap=cmap, alpha=s["alpha"],
                                                              vmin=one.vmin, vmax=one.vmax),
                                         "rows": one.rows, "data": one.data}))
    a = wukong_views.assignment_view(*traced)
    out.append(("wukong_assignment", {"png": wv.assignment_image(view, a.best, a.share), "rows": a.rows,
                                      "data": a.data}))
    c = wukong_views.cost_view(*traced, text_tokens=s["text_tokens"], batch=s["batch"])
    p, per_pair, m_ = c.pipeline, c.per_pair, s["text_tokens"]
    titles = (ctx.tr("wk.shapes_full", N=p.N, M=m_, NM=per_pair["full_similarities"]),
              ctx.tr("wk.shapes_reduced", T=p.T, M=m_, TM=per_pair["reduced_similarities"]))
    out.append(("wukong_late_interaction", {"png": wv.similarity_shapes(p.N, p.T, m_, titles), "data": c.batch}))
    return out


def _poolformer(ctx: Context, s: dict) -> list[Output]:
    candidates = registry.list_models(family="poolformer")
    name = _or(s["model"], "bundled_poolformer" if "bundled_poolformer" in candidates else "poolformer_s12")
    model = ctx.model(name)
    pixels, image, _ = ctx.prepared(model)
    cmap, slot = s["cmap"], s["slot"]
    block = poolformer_view(model, pixels, image, show="block")
    rows = [{ctx.tr(f"pf.col.{k}"): value for k, value in r.items()} for r in block.block.rows]
    diagram = {k: ctx.tr(f"pf.diagram.{k}") for k in pv.DIAGRAM_KEYS}
    svg = pv.block_svg(slot, diagram)
    out = [(f"metaformer_block_{slot}", {"png": pv.block_png(slot, diagram), "svg": svg, "rows": rows})]
    p = poolformer_view(model, pixels, image, show="pool", source="image").pool
    what = ctx.tr("pf.what_image", h=p.x.shape[0], w=p.x.shape[1])
    img, scales = pv.triptych(p.x, p.pooled, p.diff, cmap=cmap)
    out.append(("pool_minus_x_image", {"png": img, "data": {"source": what, "shape": list(p.x.shape),
                                                            "kernel": p.kernel.tolist(), "x_range": scales["x"],
                                                            "diff_range": scales["diff"]}}))
    per = s["per_stage"]
    st_ = poolformer_view(model, pixels, image, show="stages", per_stage=per).stages
    out.append(("poolformer_stage_features", {"png": pv.stage_maps(st_.maps, st_.names, st_.row_labels,
                                                                   per_stage=per, cmap=cmap), "data": st_.rows}))
    method, mixer = s["cam_method"], s["cam_mixer"]
    cam = poolformer_view(model, pixels, image, show="cam", cam_mixer=mixer, cam_method=method).cam
    out.append((f"{method}_{mixer}_{cam.target}",
                {"png": overlay(image, cam.cam, alpha=s["alpha"], cmap=cmap, vmin=0.0, vmax=1.0, smooth=True),
                 "rows": cam.rows, "data": {"class": cam.target_name, "mixer": mixer, "method": method}}))
    return out


def _cmap() -> Option:
    return Option("cmap", "choice", choices=COLORMAPS, default=COLORMAPS[0])


def _model(family: str, key: str = "model") -> Option:
    return Option(key, "choice", choices=_models(family))


def page_renders() -> dict[str, PageRender]:
    """Every page ``render`` knows, by its address (url path), with its options and the pages' defaults."""
    return {
        "attention": PageRender("attention", (
            _model("vit"), Option("layer", "int", 0), Option("head", "head", default="mean"),
            Option("scale", "choice", choices=("map", "layer", "global"), default="map"), _cmap(),
            Option("alpha", "float", 0.0, 1.0, default=0.6),
            Option("fusion", "choice", choices=("mean", "max", "min"), default="mean"),
            Option("discard", "float", 0.0, 0.95, default=0.0), Option("upto", "int", 0),
            Option("ref", "int", 0)), _attention),
        "dynamicvit": PageRender("dynamicvit", (
            _model("dynamicvit"), Option("rho", "float", 0.3, 0.95),
            Option("semantics", "choice", choices=("inference", "training"), default="inference"),
            Option("tau", "float", 0.1, 5.0, default=1.0), Option("seed", "int", 0),
            Option("samples", "choice", choices=(8, 16, 32, 64), default=32)), _dynamicvit),
        "compare": PageRender("compare", (
            Option("backbone", "choice", choices=tuple(compare_views.compare_backbones())),
            Option("rho", "float", KEEP_RATIO.low, KEEP_RATIO.high, default=KEEP_RATIO.default),
            Option("measure", "choice", choices=tuple(MEASURES), default=MEASURES[0])), _compare),
        "t2t": PageRender("t2t", (
            Option("model", "choice", choices=tuple(registry.list_models(family="t2t"))), _cmap(),
            Option("split", "int", 1, 3, default=1),
            Option("where", "choice", choices=("centre", "corner"), default="centre"),
            Option("token", "int", 0)), _t2t),
        "wukong": PageRender("wukong", (
            Option("model", "choice", choices=tuple(registry.list_models(family="wukong"))), _cmap(),
            Option("scale", "choice", choices=("map", "shared"), default="map"), Option("token", "int", 0, default=0),
            Option("alpha", "float", 0.0, 1.0, default=0.6),
            Option("text_tokens", "int", 1, wukong_views.MAX_TEXT_TOKENS, default=32),
            Option("batch", "choice", choices=(1, 8, 32, 128, 256, 1024), default=256)), _wukong),
        "poolformer": PageRender("poolformer", (
            Option("model", "choice", choices=tuple(registry.list_models(family="poolformer"))), _cmap(),
            Option("slot", "choice", choices=MIXERS, default=MIXERS[0]),
            Option("per_stage", "int", 2, 10, default=6),
            Option("cam_method", "choice", choices=tuple(CAM_METHODS), default=tuple(CAM_METHODS)[0]),
            Option("cam_mixer", "choice", choices=MIXERS, default=MIXERS[0]),
            Option("alpha", "float", 0.0, 1.0, default=0.6)), _poolformer),
    }


# ---------------------------------------------------------------------------------------- links and settings
def _same(text: str) -> str:
    return text


#: the pages' widget keys, as a page address may carry them -> (render's option, the value as the option reads it)
WIDGET_KEYS: dict[str, dict[str, tuple[str, Callable[[str], str]]]] = {
    page: {widget: (option, _same) for widget, option in pairs.items()} for page, pairs in {
        "attention": {"attn_model": "model", "attn_layer": "layer", "attn_head": "head", "attn_scale": "scale",
                      "attn_cmap": "cmap", "attn_alpha": "alpha", "roll_fusion": "fusion", "roll_discard": "discard",
                      "roll_upto": "upto", "pos_patch": "ref"},
        "dynamicvit": {"dyn_model": "model", "dyn_rho": "rho", "dyn_semantics": "semantics", "dyn_tau": "tau",
                       "dyn_seed": "seed", "dyn_samples": "samples"},
        "compare": {"cmp_backbone": "backbone", "cmp_rho": "rho", "cmp_measure": "measure"},
        "t2t": {"t2t_model": "model", "t2t_cmap": "cmap", "t2t_where": "where", "t2t_token": "token"},
        "wukong": {"wk_model": "model", "wk_cmap": "cmap", "wk_scale": "scale", "wk_token": "token",
                   "wk_alpha": "alpha", "wk_text_tokens": "text_tokens", "wk_batch": "batch"},
        "poolformer": {"pf_model": "model", "pf_cmap": "cmap", "pf_slot": "slot", "pf_per_stage": "per_stage",
                       "pf_cam_method": "cam_method", "pf_cam_mixer": "cam_mixer", "pf_alpha": "alpha"},
    }.items()}
WIDGET_KEYS["t2t"]["t2t_stage"] = ("split", lambda text: str(int(text) + 1) if text.strip().isdigit() else text)


def image_of_link(state: dict) -> str | None:
    """The image a link's state names (``image=scene:3``, or the sidebar's ``image_mode`` with ``scene_index`` /
    ``sample``), those keys taken out of ``state``; None when it names none (an upload cannot travel in a link)."""
    image = state.pop("image", None)
    mode, index, sample = state.pop("image_mode", None), state.pop("scene_index", None), state.pop("sample", None)
    if image is None and mode == "scene" and index is not None:
        image = f"scene:{index}"
    elif image is None and mode == "gallery" and sample is not None:
        image = f"sample:{sample}"
    return image


def state_from_query(page: str, query_string: str, warn=print) -> dict:
    """The state a page address's query string describes, as ``{key: text}`` pairs read like ``--set
    key=value``. The app's own address parser (:func:`vizcore.views.address.parse_query`) reads the pages'
    widget keys; a value it finds out of range is noted through ``warn`` and left at its default, as the app
    does. Other pairs (render's short names such as ``rho``, ``image=scene:3``) pass as they are, checked later."""
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(query_string.lstrip("?"), keep_blank_values=False):
        query.setdefault(key, []).append(value)
    state, notes = address.parse_query(page, query) if page in address.PAGES else ({}, [])
    bad = {note.key for note in notes if note.reason != "unknown"}
    for note in notes:
        if note.key in bad:
            warn(f"note: {note}")
    passed = {key: values[-1] for key, values in query.items() if key not in state and key not in bad}
    return {**passed, **{key: _text(value) for key, value in state.items()}}


def _text(value) -> str:
    """A parsed address value back as the text ``--set`` reads (booleans and numbers as Python writes them)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def page_of_link(url: str) -> str:
    """The page a copied address points at: the last part of its path (``.../dynamicvit?...`` -> dynamicvit)."""
    path = urlsplit(url).path.strip("/")
    return path.rsplit("/", 1)[-1] if path else ""


def settings_for(page: PageRender, sets: list[str], link_state: dict, warn=print) -> dict:
    """Every option of ``page``: ``--set key=value`` (a bad one is an error), else the link's value (a bad one is
    noted through ``warn`` and left at the default, as the app does), else the page's default."""
    values = {o.name: o.default for o in page.options}
    widgets = WIDGET_KEYS.get(page.name, {})
    for key, text in link_state.items():
        name, convert = widgets.get(key, (key, _same))
        try:
            values[name] = page.option(name).parse(convert(text))
        except (KeyError, ValueError) as err:
            warn(f"note: the link's {key}={text} is ignored ({err.args[0]})")
    for item in sets:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set takes key=value, not {item!r}")
        values[key.strip()] = page.option(key.strip()).parse(text)
    return values


# ---------------------------------------------------------------------------------------- images
def image_inputs(specs: list[str]) -> list[str]:
    """The ``--image`` values with every folder replaced by the images in it (sorted)."""
    out = []
    for spec in specs:
        path = Path(spec).expanduser()
        if not spec.startswith(("scene:", "sample:")) and path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower().lstrip(".") in UPLOAD_TYPES)
            if not found:
                raise FileNotFoundError(f"no images ({', '.join(UPLOAD_TYPES)}) in {spec}")
            out += [str(p) for p in found]
        else:
            out.append(spec)
    return out


def load_input(spec: str) -> tuple[images.LoadedImage, np.ndarray | None, str]:
    """(image, object mask or None, a file-name-safe name) of ``scene:N``, ``sample:NAME`` / a gallery name, or a
    file; ImageError / FileNotFoundError with a one-line message otherwise."""
    if spec.startswith("scene:"):
        try:
            index = int(spec[6:])
        except ValueError:
            raise ValueError(f"scene:N takes a whole number, not {spec!r}") from None
        scenes = scene_set()
        if not 0 <= index < scenes.TEST_SIZE:
            raise ValueError(f"scene index must be in 0..{scenes.TEST_SIZE - 1}, not {index}")
        array, _, mask = scenes.scene(index, split="test")
        return images.image_from_array(array, name=f"scene {index}", format="scene"), mask, f"scene_{index}"
    if spec.startswith("sample:") or spec in images.list_samples():
        name = spec.removeprefix("sample:")
        return images.load_sample(name), None, f"sample_{name}"
    path = Path(spec).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no image {spec} (give a file, a folder, scene:N or sample:NAME)")
    image = images.load_image(path.read_bytes(), path.name)
    return image, None, re.sub(r"[^A-Za-z0-9-]+", "_", path.name).strip("_") or "image"  # photo.jpg -> photo_jpg


# ---------------------------------------------------------------------------------------- the command
def write_outputs(outputs: list[Output], folder: Path) -> list[str]:
    """Write every output's files (the page's download payloads, without interactive HTML); their names."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, kwargs in outputs:
        for item in download_payloads(stem, **kwargs):
            if item.file_name.rsplit(".", 1)[1] not in WRITTEN:
                continue
            payload = item.make()
            (folder / item.file_name).write_bytes(payload.encode("utf-8") if isinstance(payload, str) else payload)
            written.append(item.file_name)
    return written


def render(page: str, image_specs: list[str], out: Path, sets: list[str] = (), lang: str | None = None,
           gif: bool = False,
           link_state: dict | None = None, source: str = "bundled", device: str | None = None,
           progress: bool = True, warn=print) -> list[Path]:
    """Render ``page`` for every image; returns the folders written (one per image). lang None: the link's
    language, else English."""
    renders = page_renders()
    if page not in renders:
        raise ValueError(f"no page {page!r}; pages: {', '.join(renders)}")
    spec = renders[page]
    link_state = dict(link_state or {})
    link_image = image_of_link(link_state)
    link_lang = link_state.pop("lang", None)
    if lang is None:
        if link_lang is not None and link_lang not in LANGUAGES:
            warn(f"note: the link's lang={link_lang} is ignored (languages: {', '.join(LANGUAGES)})")
        lang = link_lang if link_lang in LANGUAGES else "en"
    if lang not in LANGUAGES:
        raise ValueError(f"no language {lang!r}; languages: {', '.join(LANGUAGES)}")
    values = settings_for(spec, list(sets), link_state, warn)
    inputs = image_inputs(list(image_specs) or ([link_image] if link_image else []))
    if not inputs:
        raise ValueError("no image: give --image (a file, a folder, scene:N or sample:NAME)")
    slugs = []
    for s in inputs:  # every image read once before the first is rendered (a bad one is an error up front)
        slug = load_input(s)[2]
        slugs.append(slug if slug not in slugs else f"{slug}_{len(slugs) + 1}")  # photos/a.jpg, more/a.jpg
    dev = str(pick_device(device))
    models: dict = {}
    folders = []
    for s, slug in tqdm(list(zip(inputs, slugs)), desc=f"render {page}", unit="image", disable=not progress,
                        file=sys.stderr):
        image, mask, _ = load_input(s)
        ctx = Context(image, mask, lang, source, dev, gif, models)
        folder = out / slug
        files = write_outputs(spec.outputs(ctx, values), folder)
        (folder / f"{page}.json").write_text(json.dumps(
            {"page": page, "image": image.name, "lang": lang, "source": source, "device": dev,
             "settings": values, "files": files}, indent=1, default=str), encoding="utf-8")
        folders.append(folder)
    return folders


def cmd_render(args) -> int:
    link_state, page = {}, args.page
    if args.from_link:
        link_page = page_of_link(args.from_link)
        page = page or link_page
        if args.page and link_page and link_page != args.page:
            raise ValueError(f"the link is to page {link_page!r}, not {args.page!r}")
        link_state = state_from_query(page, urlsplit(args.from_link).query)
    if not page:
        raise ValueError("no page: give --page, or --from-link with a page's address")
    folders = render(page, args.image or [], Path(args.out), args.set or [], args.lang, args.gif, link_state,
                     args.source, args.device, progress=not args.quiet,
                     warn=lambda text: print(text, file=sys.stderr))
    for folder in folders:
        print(folder)
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("render", help="write a page's figures (PNG, GIF) and numbers (JSON, CSV) for images",
                       description="Write a page's figures and their numbers for each image, as the page's "
                                   "downloads: OUT/<image>/<file>.")
    p.add_argument("--page", default=None, help="attention, wukong, t2t, poolformer, dynamicvit or compare")
    p.add_argument("--image", action="append", metavar="IMAGE",
                   help="scene:N, sample:NAME, an image file or a folder of them (repeatable)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="a control's value (repeatable)")
    p.add_argument("--out", required=True, help="folder to write into")
    p.add_argument("--lang", default=None, help="language of the words in the files: en (default), zh")
    p.add_argument("--gif", action="store_true", help="also write the page's animations as GIF")
    p.add_argument("--from-link", default=None, metavar="URL", help="render the view a copied page address describes")
    p.add_argument("--source", default="bundled", choices=registry.SOURCES[:2] + ("random",),
                   help="model weights (as the sidebar's choice)")
    p.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_render)
