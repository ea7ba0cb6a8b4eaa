"""WuKong TokenReduction page: the T learned spatial maps, which token each patch feeds, each map's spread,
the module's steps with the real shapes, and the cost of token-wise late interaction before and after."""

import streamlit as st

from vizcore.models.registry import list_models
from vizcore.plots import wukong_views as wv
from vizcore.plots.overlay import COLORMAPS, colorbar
from vizcore.ui import (cached, downloads, draw, fragment, labeller, limits, load_model, number_table,
                        prepare_image, run_trace, selection, tr)
from vizcore.ui.presenter import page_intro, presenting
from vizcore.views import wukong as views

sel = selection()
st.title(tr("wk.title"))
page_intro(tr("wk.more"), tr("wk.explain"), idea=tr("wk.idea"))

candidates = list_models(family="wukong")
default = "bundled_wukong" if "bundled_wukong" in candidates else "wukong_vit_b32"
c1, c2 = st.columns([3, 2])
name = c1.selectbox(tr("wk.model"), candidates, index=candidates.index(default), key="wk_model")
cmap = c2.selectbox(tr("wk.cmap"), COLORMAPS, key="wk_cmap")
model = load_model(name)
if model is None:
    st.stop()
pixels, view, cfg = prepare_image(model)
logits, trace = run_trace(name, model, pixels)
traced = (model, pixels, logits, trace)
limits(tokens=model.num_tokens - 1)  # a link's token checked against this model's


@fragment
def explore() -> None:
    """The view picker and every view: a fragment, so a control of a view reruns this part only (not the
    sidebar, the header and the model: the pictures are cached, the browser updates a few elements)."""
    pipeline_caption = st.empty()  # the real shapes, filled in from the view below
    choice = st.segmented_control(tr("wk.view"), ["grid", "single", "assign", "differ", "stats", "steps", "cost"],
                                  key="wk_view", default="grid", format_func=labeller("wk.view.")) or "grid"
    col = labeller("wk.col.")

    if choice == "grid":
        scale = st.radio(tr("wk.scale"), ["map", "shared"], key="wk_scale", horizontal=True,
                         format_func=labeller("wk.scale."))
        v = cached(views.maps_view, *traced, scale=scale)
        labels = [tr("wk.tile", t=t, peak=peak) for t, peak in enumerate(v.peaks)]
        # presenter mode: all maps in one row (a wide, short picture that fits under the controls)
        img = draw(wv.maps_grid, view, v.maps, v.vmin, v.vmax, labels, cmap=cmap,
                   ncols=min(v.pipeline.T, 12) if presenting() else None)
        st.image(img, caption=tr("wk.grid_caption", T=v.pipeline.T, h=v.pipeline.h, w=v.pipeline.w), width="stretch")
        st.image(colorbar(cmap, *v.bar), caption=tr(f"wk.bar.{scale}"))
        st.markdown(tr("wk.grid_explain"))
        downloads("wukong_maps", png=img, rows=v.rows, data=v.data)

    elif choice == "single":
        a, b = st.columns(2)
        token = a.slider(tr("wk.token"), 0, model.num_tokens - 1, 0, key="wk_token") if model.num_tokens > 1 else 0
        alpha = b.slider(tr("wk.alpha"), 0.0, 1.0, 0.6, 0.05, key="wk_alpha")
        v = cached(views.token_view, *traced, token=token)
        img = draw(wv.single_map, view, v.map, cmap=cmap, alpha=alpha, vmin=v.vmin, vmax=v.vmax)
        s, p = v.stats, v.pipeline
        left, right = st.columns([3, 2])
        left.image(img, caption=tr("wk.single_caption", t=token, h=p.h, w=p.w), width="stretch")
        left.image(colorbar(cmap, v.vmin, v.vmax), caption=tr("wk.bar.single"))
        right.markdown(tr("wk.single_explain", t=token, peak=s["peak"], r=s["peak_row"], c=s["peak_col"],
                          eff=s["effective_patches"], N=p.N, k=s["patches_for_mass"], cov=s["coverage"], total=v.total))
        downloads(f"wukong_map_T{token}", png=img, rows=v.rows, data=v.data)

    elif choice == "assign":
        v = cached(views.assignment_view, *traced)
        img = draw(wv.assignment_image, view, v.best, v.share)
        left, right = st.columns([3, 2])
        left.image(img, caption=tr("wk.assign_caption", h=v.pipeline.h, w=v.pipeline.w), width="stretch")
        left.image(draw(wv.legend_image, v.pipeline.T, v.counts))
        right.markdown(tr("wk.assign_explain", unused=v.unused, T=v.pipeline.T))
        downloads("wukong_assignment", png=img, rows=v.rows, data=v.data)

    elif choice == "differ":
        v = cached(views.differ_view, *traced)
        labels = [tr("wk.differ_tile", t=t, r=r, c=c) for t, (r, c) in enumerate(v.peaks)]
        img = draw(wv.difference_grid, view, v.contrast, v.bound, v.best, v.peaks, labels)
        st.image(img, caption=tr("wk.differ_caption", bound=v.bound), width="stretch")
        st.image(colorbar("RdBu_r", -v.bound, v.bound), caption=tr("wk.bar.differ"), width=420)
        (lo, hi), (clo, chi) = v.off_diagonal(v.cosine), v.off_diagonal(v.correlation)
        st.markdown(tr("wk.differ_explain", T=v.pipeline.T, peaks=v.distinct_peaks, lo=lo, hi=hi, clo=clo, chi=chi))
        sim_labels = {"x": tr("wk.sim_x"), "y": tr("wk.sim_y"), "value": tr("wk.sim_value"),
                      "title": tr("wk.sim_title")}
        st.vega_lite_chart(draw(wv.similarity_spec, v.correlation, sim_labels), key="wk_similarity_fig")
        downloads("wukong_map_differences", png=img, rows=v.rows, data=v.data)

    elif choice == "stats":
        v = cached(views.stats_view, *traced)
        stats_labels = {"x": tr("wk.stats_x"), "y": tr("wk.stats_y"), "entropy": tr("wk.entropy"),
                        "coverage": tr("wk.coverage"), "title": tr("wk.stats_title", N=v.pipeline.N)}
        st.vega_lite_chart(draw(wv.stats_spec, v.rows, stats_labels), key="wk_stats_fig")
        st.markdown(tr("wk.stats_explain", N=v.pipeline.N))
        number_table([{col(k): value for k, value in r.items()} for r in v.table])
        downloads("wukong_map_stats", rows=v.rows, html=lambda: wv.stats_figure(v.rows, stats_labels))

    elif choice == "steps":
        st.markdown(tr("wk.steps_explain"))
        v = cached(views.steps_view, *traced)
        p = v.pipeline
        number_table([{col("step"): r["step"], col("op"): tr(f"wk.op.{r['step']}", C=p.C, T=p.T, g=p.groups),
                       col("shape"): str(r["shape"]), col("params"): r["params"], col("macs"): r["macs"]}
                      for r in v.rows])
        st.caption(tr("wk.steps_check", maps=p.token_maps, reduced=p.reduced_tokens, feats=p.patch_embeddings,
                      lo=v.sums[0], hi=v.sums[1], logits=p.logits))
        downloads("wukong_steps", rows=v.csv_rows, data=v.data)

    else:  # cost
        st.markdown(tr("wk.cost_explain"))
        a, b = st.columns(2)
        m = a.slider(tr("wk.text_tokens"), 1, views.MAX_TEXT_TOKENS, 32, key="wk_text_tokens")
        batch = b.select_slider(tr("wk.batch"), [1, 8, 32, 128, 256, 1024], 256, key="wk_batch")
        v = cached(views.cost_view, *traced, text_tokens=m, batch=batch)
        one, p = v.per_pair, v.pipeline
        k1, k2, k3 = st.columns(3)
        k1.metric(tr("wk.metric_full"), f"{one['full_similarities']:,}", help=tr("wk.metric_full_help", N=p.N, M=m))
        k2.metric(tr("wk.metric_reduced"), f"{one['reduced_similarities']:,}", delta=f"-{v.saving:.0%}",
                  delta_color="inverse", help=tr("wk.metric_reduced_help", T=p.T, M=m))
        gmacs = f"{v.batch['full_macs'] / 1e9:.2f} → {v.batch['reduced_macs'] / 1e9:.2f} G"
        k3.metric(tr("wk.metric_batch", B=batch), gmacs, help=tr("wk.metric_batch_help", d=one["dim"]))
        cost_labels = {"x": tr("wk.cost_x"), "y": tr("wk.cost_y"), "full": tr("wk.cost_full", N=p.N),
                       "reduced": tr("wk.cost_reduced", T=p.T), "title": tr("wk.cost_title")}
        left, right = st.columns(2)
        with left:
            st.vega_lite_chart(draw(wv.cost_spec, v.curve, v.chosen, cost_labels), key="wk_cost_fig")
        titles = (tr("wk.shapes_full", N=p.N, M=m, NM=one["full_similarities"]),
                  tr("wk.shapes_reduced", T=p.T, M=m, TM=one["reduced_similarities"]))
        img = draw(wv.similarity_shapes, p.N, p.T, m, titles)
        right.image(img, caption=tr("wk.shapes_caption"), width="stretch")
        st.caption(tr("wk.published"))
        number_table([{col(k) if k in ("model", "grid") else k: value for k, value in r.items()} for r in v.published])
        downloads("wukong_late_interaction", png=img, data=v.batch,
                  html=lambda: wv.cost_figure(v.curve, v.chosen, cost_labels))

    p = v.pipeline
    pipeline_caption.caption(tr("wk.pipeline", image=p.image, blocks=p.blocks_out, grid=p.grid, maps=p.token_maps,
                                reduced=p.reduced_tokens, N=p.N, T=p.T))


explore()
