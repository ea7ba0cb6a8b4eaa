"""T2T-ViT soft split page: the splits' output sizes, their windows and overlap, a final token's footprint, tokens
and token widths per split — each beside ViT's hard split. The sliders drive pure geometry (``vizcore.views.t2t``);
the model is run once (cached) for its real tensor shapes."""

import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from vizcore.analysis.t2t import centre_token, token_at
from vizcore.models.registry import list_models
from vizcore.plots import t2t_views as tv
from vizcore.plots.overlay import COLORMAPS, colorbar
from vizcore.ui import (animation, downloads, draw, fragment, labeller, load_model, number_table, prepare_image,
                        run_trace, selection, tr)
from vizcore.ui.presenter import page_intro, presenting
from vizcore.views import animations as anim
from vizcore.views import t2t as views

selection()  # the shared sidebar (drawn here when the page runs on its own)
st.title(tr("t2t.title"))
page_intro(tr("t2t.more"), tr("t2t.explain"), idea=tr("t2t.idea"))

candidates = list_models(family="t2t")
default = "bundled_t2t" if "bundled_t2t" in candidates else "t2t_vit_7"
c1, c2 = st.columns([3, 2])
name = c1.selectbox(tr("t2t.model"), candidates, index=candidates.index(default), key="t2t_model")
cmap = c2.selectbox(tr("t2t.cmap"), COLORMAPS, key="t2t_cmap")
model = load_model(name)
if model is None:
    st.stop()
pixels, view, _ = prepare_image(model)
img_hw = tuple(int(v) for v in pixels.shape[-2:])
own = views.model_stages(model)
ss = st.session_state
ICONS = {"error": ":material/error:", "info": ":material/tune:"}


def reset_sliders() -> None:
    ss.update({f"t2t_{a}{i}": value for i, stage in enumerate(own) for a, value in zip("ksp", stage)})


# the sliders keep their values across pages (persist_state); a new model starts from its own splits
if ss.get("_t2t_sliders_for", name) != name or any(f"t2t_{a}{i}" not in ss for i in range(3) for a in "ksp"):
    reset_sliders()
    ss["_t2t_sliders_for"] = name


def headed(rows: list[dict]) -> list[dict]:
    """A view's table with its column keys translated (``t2t.col.<key>``)."""
    return [{tr(f"t2t.col.{key}"): value for key, value in row.items()} for row in rows]


@fragment
def explore() -> None:
    """The sliders and every view they drive: a fragment, so moving one reruns this part only (not the
    sidebar, the header and the model), and the messages that come and go sit in one container. The view and
    its picture come first (on the first screen of a projector), the sliders that shape it below."""
    view_area = st.container()
    st.subheader(tr("t2t.sliders", h=img_hw[0], w=img_hw[1]))
    cols = st.columns(3)
    stages = []
    for i, col in enumerate(cols):
        col.markdown(f"**{tr('t2t.split', n=i + 1)}**")
        stages.append(tuple(col.slider(tr(f"t2t.{what}"), lo, hi, key=f"t2t_{what[0]}{i}", persist_state="session")
                            for what, lo, hi in (("kernel", 1, 15), ("stride", 1, 8), ("padding", 0, 7))))
    st.button(tr("t2t.reset", stages=list(own)), key="t2t_reset", on_click=reset_sliders, icon=":material/restart_alt:")
    v = views.splits_view(model, img_hw, stages)
    for col, formula, result in zip(cols, v.formulas, v.results):
        col.markdown(f"**{formula}**")
        col.caption(tr("t2t.stage_result", **result))
    # the messages that come and go with the sliders live in one container, so the elements below keep their
    # places (a shifted element is rebuilt by the browser, not updated)
    messages = st.container()
    for level, key, fields in v.messages:
        getattr(messages, level)(tr(key, **fields), icon=ICONS.get(level))
    if v.schedule is None:
        return
    with view_area:
        choice = st.segmented_control(tr("t2t.view"), ["windows", "footprint", "schedule"], key="t2t_view",
                                      default="windows", format_func=labeller("t2t.view.")) or "windows"
        {"windows": windows, "footprint": footprint, "schedule": schedule}[choice](v)


def windows(v: views.SplitsView) -> None:
    a, b = st.columns(2)
    stage = a.radio(tr("t2t.which_split"), [0, 1, 2], key="t2t_stage", horizontal=True,
                    format_func=lambda i, word=tr("t2t.split_short"): f"{word} {i + 1}")
    where = b.radio(tr("t2t.where"), ["centre", "corner"], key="t2t_where", horizontal=True,
                    format_func=labeller("t2t.where."))
    w = views.windows_view(v, stage, where, lang=ss.get("lang", "en"))
    with st.spinner(tr("t2t.drawing")):
        img = draw(tv.windows_figure, view, w.soft, w.hard, w.vmax, w.tile_labels, cmap=cmap,
                   side=150 if presenting() else 200)  # presenter mode: short enough for the first screen
    st.image(img, caption=tr("t2t.windows_caption", **w.explain), width="stretch")
    st.image(colorbar(cmap, 0, w.vmax, tr("pic.windows_per_position")))
    st.markdown(tr("t2t.windows_explain", **w.explain))
    downloads(f"t2t_windows_split{stage + 1}", png=img, rows=w.counts_rows, data=w.data)
    if st.toggle(tr("anim.slide_toggle"), key="t2t_slide_anim"):
        k, s, p = v.stages[stage]
        animation(f"t2t_window_slide_split{stage + 1}", draw(anim.window_slide, view, v, stage),
                  tr("anim.slide_caption", n=stage + 1, k=k, s=s, p=p, o=max(k - s, 0)))


def footprint(v: views.SplitsView) -> None:
    if ss.get("t2t_token", v.n_tokens) >= v.n_tokens:  # first visit, or the grid shrank under the sliders
        ss["t2t_token"] = centre_token(v.final_grid)
    left, right = st.columns([2, 3])
    left.caption(tr("t2t.click_help", h=v.final_grid[0], w=v.final_grid[1]))
    f = views.footprint_view(v, left.number_input(tr("t2t.token_index"), 0, v.n_tokens - 1, key="t2t_token"),
                             lang=ss.get("lang", "en"))
    picker = draw(tv.token_picker, view, v.final_grid, f.token)

    def picked(grid=v.final_grid, shape=picker.shape[:2]) -> None:
        """A click on the picture picks the token under it (runs before the next script run)."""
        if click := ss.get("t2t_click"):
            ss["t2t_token"] = token_at(click, grid, shape)

    with left:
        streamlit_image_coordinates(picker, key="t2t_click", width=min(picker.shape[1], 448), on_click=picked)
    with st.spinner(tr("t2t.drawing")):
        img = draw(tv.footprint_figure, view, f.stages, f.final_grid,
                   (f.row, f.col), f.hard_box, f.tile_labels, cmap=cmap)
    with right:
        number_table(headed(f.table))
        st.markdown(tr("t2t.footprint_explain", **f.explain))
    st.image(img, caption=tr("t2t.footprint_caption", **f.explain), width="stretch")
    st.image(colorbar(cmap, 0, 1, tr("pic.paths_max")))
    downloads(f"t2t_footprint_{f.row}_{f.col}", png=img, data=f.data)


def schedule(v: views.SplitsView) -> None:
    logits, trace = run_trace(name, model, pixels)
    s = views.schedule_view(v, model, pixels.shape, trace, logits.shape[-1], lang=ss.get("lang", "en"))
    labels = {key: tr(f"t2t.fig_{key}") for key in ("tokens", "dims", "stage", "soft", "hard")}
    labels["title"] = tr("t2t.fig_title", h=img_hw[0], w=img_hw[1])
    st.vega_lite_chart(draw(tv.schedule_spec, s.soft, s.hard_row, labels), key="t2t_schedule_fig")
    st.markdown(tr("t2t.schedule_explain", **s.explain))
    number_table(headed(s.table))
    st.subheader(tr("t2t.real_title", model=name))
    number_table(headed(s.shape_table))
    img = draw(tv.norm_maps, view, s.norms, s.norm_labels, cmap=cmap)
    st.image(img, caption=tr("t2t.norms_caption", s1=s.norm_shapes[0], s2=s.norm_shapes[1]), width="stretch")
    st.image(colorbar(cmap, 0, 1, tr("pic.norm_minmax", sym="‖token‖")))
    downloads("t2t_schedule", png=img, rows=s.csv_rows, data=s.data,
              html=lambda: tv.schedule_figure(s.soft, s.hard_row, labels))


explore()
