"""The T2T-ViT soft-split page's views: the splits a reader sets (``splits_view``) and, for each of the page's three
views, what it shows (``windows_view``, ``footprint_view``, ``schedule_view``).

``splits_view`` takes the model and the controls (image size, three ``(kernel, stride, padding)`` splits) and
checks them; the three others take its result and their own controls. All return frozen dataclasses of
arrays, tables (lists of dicts with language-neutral keys, the page puts the translated headers on) and the
numbers the page's captions format. Raster tile labels come in the language asked for (the pictures draw them
with the shipped CJK font); the page's captions and charts carry the other translated words.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from vizcore.analysis.t2t import (FootprintStage, Stage, WindowPanel, centre_token, check_stages, coverage_spread,
                                  footprint_chain, formula_text, hard_patch_box, hard_split, model_shapes,
                                  window_panel)
from vizcore.geometry.unfold import soft_split_schedule
from vizcore.i18n import t


def _hw(hw) -> str:
    return f"{hw[0]}×{hw[1]}"


# ---------------------------------------------------------------------------------------- the splits
@dataclass(frozen=True, eq=False)
class SplitsView:
    """The reader's three soft splits on the model's input, checked.

    schedule: per split {stage, kernel, stride, padding, in_hw, out_hw, tokens, token_dim, in_chans}, or None
    when a split cannot run (``errors`` says why); errors / warnings: ``(code, fields)`` for ``t2t.err.*`` /
    ``t2t.warn.*``; formulas: the output-size formula per split; results: per split the fields of
    ``t2t.stage_result``; final_grid and hard: the last grid and ViT's hard split to it (None when invalid);
    custom: the splits differ from the model's own; messages: what to tell the reader, in order, as
    ``(level, catalogue key, fields)`` with level "error", "warning" or "info"."""

    img_hw: tuple[int, int]
    stages: tuple[Stage, ...]
    model_stages: tuple[Stage, ...]
    in_chans: int
    token_dim: int
    schedule: tuple[dict, ...] | None
    errors: tuple[tuple[str, dict], ...]
    warnings: tuple[tuple[str, dict], ...]
    formulas: tuple[str, ...]
    results: tuple[dict, ...]
    final_grid: tuple[int, int] | None
    hard: Stage | None
    custom: bool

    @property
    def n_tokens(self) -> int:
        return self.final_grid[0] * self.final_grid[1]

    @property
    def messages(self) -> list[tuple[str, str, dict]]:
        out = [("error", f"t2t.err.{code}", fields) for code, fields in self.errors]
        out += [("warning", f"t2t.warn.{code}", fields) for code, fields in self.warnings]
        if self.schedule is not None and self.custom:
            out.append(("info", "t2t.custom", {"stages": list(self.model_stages)}))
        return out


def model_stages(model) -> tuple[Stage, ...]:
    """The model's own soft splits as plain ``(kernel, stride, padding)`` tuples."""
    return tuple(tuple(int(v) for v in s) for s in model.soft_split_stages)


def splits_view(model, img_hw, stages: Sequence[Stage]) -> SplitsView:
    """Check the reader's ``stages`` on an ``img_hw`` input of ``model`` (a T2T-ViT: its in_chans, the token
    modules' width and its own splits) and compute every split's output size and token width."""
    img_hw = (int(img_hw[0]), int(img_hw[1]))
    stages = tuple((int(k), int(s), int(p)) for k, s, p in stages)
    token_dim = int(model.tokens_to_token.token_dim)
    schedule, errors, warnings = check_stages(img_hw, stages, model.in_chans, token_dim)
    own = model_stages(model)
    formulas, results, final, hard = (), (), None, None
    if schedule is not None:
        formulas = tuple(formula_text(r["in_hw"], *stage) for r, stage in zip(schedule, stages))
        results = tuple({"n": i + 1, "h": r["out_hw"][0], "w": r["out_hw"][1], "L": r["tokens"], "d": r["token_dim"],
                         "c": r["in_chans"], "k": r["kernel"]} for i, r in enumerate(schedule))
        final = tuple(schedule[-1]["out_hw"])
        hard = hard_split(img_hw, final)
    return SplitsView(img_hw, stages, own, int(model.in_chans), token_dim,
                      None if schedule is None else tuple(schedule), tuple(errors), tuple(warnings), formulas,
                      results, final, hard, stages != own)


# ---------------------------------------------------------------------------------------- windows & overlap
@dataclass(frozen=True, eq=False)
class WindowsView:
    """One soft split's windows beside ViT's hard split, on one colour scale.

    stage: 0-based split; soft / hard: the two panels' geometry; vmax: the shared top of the colour scale;
    spread / mean / ratio: windows per position (``{count: share}``, mean, interior k²/s²); explain: the
    fields of ``t2t.windows_caption`` and ``t2t.windows_explain``; tile_labels: the eight tiles'
    labels in the chosen language; data: the JSON download (``counts_rows()``: the soft counts as CSV rows, made
    when asked for)."""

    stage: int
    soft: WindowPanel
    hard: WindowPanel
    vmax: int
    spread: dict[int, float]
    mean: float
    ratio: float
    explain: dict
    tile_labels: tuple[str, ...]
    data: dict

    def counts_rows(self) -> list[dict]:
        counts = self.soft.counts
        return [{"row": r, **{str(c): int(counts[r, c]) for c in range(counts.shape[1])}}
                for r in range(counts.shape[0])]


def _panel_labels(panel: WindowPanel, name: str, lang: str) -> list[str]:
    (H, W), (oh, ow), b = panel.in_hw, panel.out_hw, panel.block[2]
    return [t("pic.t2t.panel", lang, name=name, H=H, W=W, oh=oh, ow=ow), t("pic.t2t.zoom", lang, b=b),
            t("pic.t2t.per_position", lang), t("pic.t2t.per_position_map", lang, H=H, W=W)]


def windows_view(splits: SplitsView, stage: int, where: str = "centre", lang: str = "en") -> WindowsView:
    """Split ``stage`` (0-based) of ``splits`` and the hard split on the image, zoomed at ``where`` ("centre" or
    "corner": the top-left, where the padding is); tile labels in ``lang``."""
    k, s, p = splits.stages[stage]
    row = splits.schedule[stage]
    soft = window_panel(tuple(row["in_hw"]), (k, s, p), where)
    hard = window_panel(splits.img_hw, splits.hard, where)
    vmax = max(int(soft.counts.max()), 1)
    spread, mean = coverage_spread(soft.histogram)
    labels = (_panel_labels(soft, t("pic.t2t.split", lang, n=stage + 1, k=k, s=s, p=p), lang)
              + _panel_labels(hard, f"ViT k{splits.hard[0]} s{splits.hard[1]} p0", lang))
    data = {"split": stage + 1, "kernel": k, "stride": s, "padding": p, "in_hw": row["in_hw"],
            "out_hw": row["out_hw"], "windows_per_position": soft.histogram,
            "hard_split": {"kernel": splits.hard[0], "stride": splits.hard[1],
                           "windows_per_position": hard.histogram}}
    ratio = k * k / (s * s)
    explain = {"n": stage + 1, "k": k, "s": s, "p": p, "P": splits.hard[0], "mean": mean, "ratio": ratio,
               "spread": ", ".join(f"{c}×: {share:.0%}" for c, share in spread.items())}
    return WindowsView(stage, soft, hard, vmax, spread, mean, ratio, explain, tuple(labels), data)


# ---------------------------------------------------------------------------------------- a token's footprint
@dataclass(frozen=True, eq=False)
class FootprintView:
    """A final token traced back through every soft split, beside the one patch of ViT's hard split.

    token / row / col: the token (index and place on the final grid); stages: per split, last first, its
    path-count map and receptive box; image_box (y0, x0, y1, x1) and image_box_hw: on the image; hard_box: the
    ViT patch; table: rows {map, split, box, positions, paths}; explain: the fields of ``t2t.footprint_explain``
    and ``t2t.footprint_caption``; tile_labels: in the chosen language; data: the JSON download."""

    token: int
    row: int
    col: int
    final_grid: tuple[int, int]
    stages: tuple[FootprintStage, ...]
    image_box: tuple[int, int, int, int]
    image_box_hw: tuple[int, int]
    hard_box: tuple[int, int, int, int]
    table: list[dict]
    explain: dict
    tile_labels: tuple[str, ...]
    data: dict


def footprint_view(splits: SplitsView, token: int, lang: str = "en") -> FootprintView:
    """Final token ``token`` (row-major; one past the grid picks the centre token) of ``splits``; tile labels
    in ``lang``."""
    fh, fw = splits.final_grid
    token = int(token) if 0 <= int(token) < fh * fw else centre_token((fh, fw))
    r, c = divmod(token, fw)
    chain = footprint_chain(splits.img_hw, splits.stages, token)
    hard_box = hard_patch_box(splits.img_hw, splits.hard, (r, c))
    image = chain[-1]
    table = [{"map": _hw(st.map_hw), "split": st.split, "box": _hw(st.box_hw), "positions": st.positions,
              "paths": int(st.max_paths)} for st in chain]
    labels = [t("pic.t2t.token", lang, r=r, c=c, h=fh, w=fw)]
    labels += [t("pic.t2t.image_box", lang, h=st.map_hw[0], w=st.map_hw[1], bh=st.box_hw[0], bw=st.box_hw[1])
               if st.split == 1 else
               t("pic.t2t.grid_box", lang, n=st.split - 1, h=st.map_hw[0], w=st.map_hw[1], bh=st.box_hw[0],
                 bw=st.box_hw[1]) for st in chain]
    labels.append(t("pic.t2t.vit_patch", lang, k=splits.hard[0]))
    data = {"token": (r, c), "final_grid": (fh, fw),
            "stages": [{"split": st.split, "map_hw": st.map_hw, "box": st.box, "box_hw": st.box_hw,
                        "max_paths": st.max_paths, "positions": st.positions} for st in chain],
            "image_box": image.box, "hard_box": hard_box}
    explain = {"r": r, "c": c, "bh": image.box_hw[0], "bw": image.box_hw[1], "P": splits.hard[0]}
    return FootprintView(token, r, c, (fh, fw), chain, image.box, image.box_hw, hard_box, table, explain,
                         tuple(labels), data)


# ---------------------------------------------------------------------------------------- schedule & real shapes
@dataclass(frozen=True, eq=False)
class ScheduleView:
    """Tokens and token widths per split against the hard split, and the model's real tensors on the image.

    soft / hard_row: schedule rows (``soft_split_schedule``'s keys); table: rows {split, ksp, in, out, tokens,
    dim}; explain: the fields of ``t2t.schedule_explain``; shapes: rows {step, shape} of the real tensors
    (shape_table: the same with the shapes as text); norms: each token module's output, the length of every
    token on its grid (h, w), norm_shapes: their tensors' shapes, norm_labels: the tiles' labels in the chosen language
     (the image first); csv_rows, data: the downloads."""

    soft: tuple[dict, ...]
    hard_row: dict
    table: list[dict]
    explain: dict
    shapes: list[dict]
    shape_table: list[dict]
    norms: tuple[np.ndarray, ...]
    norm_shapes: tuple[tuple[int, ...], ...]
    norm_labels: tuple[str, ...]
    csv_rows: list[dict]
    data: dict


def schedule_view(splits: SplitsView, model, pixels_shape, trace, num_classes: int, lang: str = "en") -> ScheduleView:
    """The schedule of ``splits`` beside the hard split, and ``model``'s real shapes and token-module outputs
    from its ``trace`` on an input of ``pixels_shape`` (``num_classes``: the logits' width)."""
    soft = splits.schedule
    (H, W), (fh, fw), hard = splits.img_hw, splits.final_grid, splits.hard
    hard_row = soft_split_schedule(splits.img_hw, [hard], splits.in_chans)[0]
    table = [{"split": str(i + 1), "ksp": f"{r['kernel']}, {r['stride']}, {r['padding']}",
              "in": f"{_hw(r['in_hw'])}×{r['in_chans']}", "out": _hw(r["out_hw"]), "tokens": r["tokens"],
              "dim": r["token_dim"]} for i, r in enumerate(soft)]
    table.append({"split": "ViT", "ksp": f"{hard[0]}, {hard[1]}, 0", "in": f"{H}×{W}×{splits.in_chans}",
                  "out": f"{fh}×{fw}", "tokens": hard_row["tokens"], "dim": hard_row["token_dim"]})
    explain = {"d0": soft[0]["token_dim"], "k0": splits.stages[0][0], "td": splits.token_dim, "P": hard[0],
               "hd": hard_row["token_dim"]}
    shapes = model_shapes(tuple(pixels_shape), trace.extras["soft_split"], splits.token_dim, model.embed_dim,
                          int(num_classes), trace.extras["token_module"])
    norms = tuple(n[0].numpy() for n in trace.extras["t2t_norms"])  # (h, w) per token module
    norm_labels = (t("pic.t2t.input", lang), *(f"T2T {i + 1} {n.shape[0]}×{n.shape[1]}" for i, n in enumerate(norms)))
    csv_rows = [{**r, "in_hw": "x".join(map(str, r["in_hw"])), "out_hw": "x".join(map(str, r["out_hw"]))}
                for r in [*soft, hard_row]]
    data = {"your_splits": list(soft), "hard_split": hard_row, "model_shapes": shapes,
            "model_splits": list(splits.model_stages)}
    return ScheduleView(soft, hard_row, table, explain, shapes,
                        [{"step": r["step"], "shape": str(r["shape"])} for r in shapes], norms,
                        tuple(tuple(n.shape) for n in trace.extras["t2t_norms"]), norm_labels, csv_rows, data)


__all__ = ["SplitsView", "model_stages", "splits_view", "WindowsView", "windows_view", "FootprintView",
           "footprint_view", "ScheduleView", "schedule_view"]
