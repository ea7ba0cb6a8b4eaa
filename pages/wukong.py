"""WuKong TokenReduction page: the T learned spatial maps, which token each patch feeds, each map's spread,
the module's steps with the real shapes, and the cost of token-wise late interaction before and after."""

import streamlit as st

from vizcore.models.registry import list_models
from vizcore.models.wukong import WUKONG_CONFIGS
from vizcore.plots import wukong_views as wv
from vizcore.plots.overlay import COLORMAPS, colorbar
from vizcore.ui import downloads, drawn, labeller, load_model, number_table, prepare_image, run_trace, selection, tr

sel = selection()
st.title(tr("wk.title"))
st.markdown(tr("wk.idea"))
with st.expander(tr("wk.more"), icon=":material/school:"):
    st.markdown(tr("wk.explain"))

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
maps = trace.extras["token_maps"][0].numpy()  # (T, h, w), each map sums to 1
T, h, w = maps.shape
N = h * w
C = model.token_reduction.in_channels
shapes = {"image": tuple(pixels.shape), "blocks_out": (1, trace.prefix + N, model.embed_dim),
          "patch_embeddings": tuple(trace.extras["patch_embeddings"].shape),
          "token_maps": tuple(trace.extras["token_maps"].shape),
          "reduced_tokens": tuple(trace.extras["reduced_tokens"].shape), "logits": tuple(logits.shape)}
st.caption(tr("wk.pipeline", image=shapes["image"], blocks=shapes["blocks_out"], grid=(1, h, w, C),
              maps=shapes["token_maps"], reduced=shapes["reduced_tokens"], N=N, T=T))

views = ["grid", "single", "assign", "stats", "steps", "cost"]
choice = st.segmented_control(tr("wk.view"), views, key="wk_view", default="grid",
                              format_func=labeller("wk.view.")) or "grid"


def map_rows():
    return [{"token": t, "row": r, "col": c, "weight": float(maps[t, r, c])}
            for t in range(T) for r in range(h) for c in range(w)]


if choice == "grid":
    scale = st.radio(tr("wk.scale"), ["map", "shared"], key="wk_scale", horizontal=True,
                     format_func=labeller("wk.scale."))
    img, vmin, vmax = drawn(wv.maps_grid, name, [cmap, scale], view, maps, cmap=cmap, scale=scale)
    st.image(img, caption=tr("wk.grid_caption", T=T, h=h, w=w), width="stretch")
    st.image(colorbar(cmap, vmin, vmax, "weight (per map)" if scale == "map" else "weight"), width=420)
    st.markdown(tr("wk.grid_explain"))
    downloads("wukong_maps", png=img, rows=map_rows, data={"shape": [T, h, w], "maps": maps.tolist()})

elif choice == "single":
    a, b = st.columns(2)
    token = a.slider(tr("wk.token"), 0, T - 1, 0, key="wk_token") if T > 1 else 0
    alpha = b.slider(tr("wk.alpha"), 0.0, 1.0, 0.6, 0.05, key="wk_alpha")
    m = maps[token]
    img = drawn(wv.single_map, name, [token, cmap, alpha], view, m, cmap=cmap, alpha=alpha)
    stats = wv.map_stats(maps)[token]
    left, right = st.columns([3, 2])
    left.image(img, caption=tr("wk.single_caption", t=token, h=h, w=w), width="stretch")
    left.image(colorbar(cmap, float(m.min()), float(m.max()), "weight"), width=420)
    right.markdown(tr("wk.single_explain", t=token, peak=stats["peak"], r=stats["peak_row"], c=stats["peak_col"],
                      eff=stats["effective_patches"], N=N, k=stats["patches_for_mass"], cov=stats["coverage"],
                      total=float(m.sum())))
    downloads(f"wukong_map_T{token}", png=img,
              rows=[{"row": r, "col": c, "weight": float(m[r, c])} for r in range(h) for c in range(w)],
              data={"token": token, "stats": stats, "map": m.tolist()})

elif choice == "assign":
    best, share = wv.assignment(maps)
    counts = [int((best == t).sum()) for t in range(T)]
    img = drawn(wv.assignment_image, name, [], view, best, share)
    left, right = st.columns([3, 2])
    left.image(img, caption=tr("wk.assign_caption", h=h, w=w), width="stretch")
    left.image(wv.legend_image(T, counts), width=420)
    right.markdown(tr("wk.assign_explain", unused=sum(c == 0 for c in counts), T=T))
    downloads("wukong_assignment", png=img,
              rows=[{"row": r, "col": c, "token": int(best[r, c]), "share": float(share[r, c])}
                    for r in range(h) for c in range(w)], data={"patches_per_token": counts})

elif choice == "stats":
    rows = wv.map_stats(maps)
    stats_labels = {"x": tr("wk.stats_x"), "y": tr("wk.stats_y"), "entropy": tr("wk.entropy"),
                    "coverage": tr("wk.coverage"), "title": tr("wk.stats_title", N=N)}
    st.vega_lite_chart(drawn(wv.stats_spec, name, [], rows, stats_labels), key="wk_stats_fig")
    st.markdown(tr("wk.stats_explain", N=N))
    table = [{tr("wk.col.token"): f"T{r['token']}", tr("wk.col.entropy"): round(r["entropy"], 3),
              tr("wk.col.entropy_norm"): round(r["entropy_norm"], 3),
              tr("wk.col.effective"): round(r["effective_patches"], 1),
              tr("wk.col.coverage"): f"{r['coverage']:.0%}", tr("wk.col.peak"): f"{r['peak']:.1%}",
              tr("wk.col.peak_at"): f"({r['peak_row']}, {r['peak_col']})"} for r in rows]
    number_table(table)
    downloads("wukong_map_stats", rows=rows, html=lambda: wv.stats_figure(rows, stats_labels))

elif choice == "steps":
    st.markdown(tr("wk.steps_explain"))
    groups = model.token_reduction.num_groups
    rows = wv.reduction_steps(1, h, w, C, T, groups)
    table = [{tr("wk.col.step"): r["step"], tr("wk.col.op"): tr(f"wk.op.{r['step']}", C=C, T=T, g=groups),
              tr("wk.col.shape"): str(r["shape"]), tr("wk.col.params"): r["params"], tr("wk.col.macs"): r["macs"]}
             for r in rows]
    number_table(table)
    sums = maps.reshape(T, -1).sum(1)
    st.caption(tr("wk.steps_check", maps=shapes["token_maps"], reduced=shapes["reduced_tokens"],
                  feats=shapes["patch_embeddings"], lo=float(sums.min()), hi=float(sums.max()),
                  logits=shapes["logits"]))
    downloads("wukong_steps", rows=[{**r, "shape": "x".join(map(str, r["shape"]))} for r in rows],
              data={"steps": rows, "trace_shapes": shapes})

else:  # cost
    st.markdown(tr("wk.cost_explain"))
    a, b = st.columns(2)
    m = a.slider(tr("wk.text_tokens"), 1, 77, 32, key="wk_text_tokens")
    batch = b.select_slider(tr("wk.batch"), [1, 8, 32, 128, 256, 1024], 256, key="wk_batch")
    dim = shapes["reduced_tokens"][-1]
    cost = wv.interaction_cost(N, T, m, dim, pairs=batch * batch)
    k1, k2, k3 = st.columns(3)
    k1.metric(tr("wk.metric_full"), f"{N * m:,}", help=tr("wk.metric_full_help", N=N, M=m))
    k2.metric(tr("wk.metric_reduced"), f"{T * m:,}", delta=f"-{1 - T / N:.0%}", delta_color="inverse",
              help=tr("wk.metric_reduced_help", T=T, M=m))
    k3.metric(tr("wk.metric_batch", B=batch), f"{cost['full_macs'] / 1e9:.2f} → {cost['reduced_macs'] / 1e9:.2f} G",
              help=tr("wk.metric_batch_help", d=dim))
    cost_labels = {"x": tr("wk.cost_x"), "y": tr("wk.cost_y"), "full": tr("wk.cost_full", N=N),
                   "reduced": tr("wk.cost_reduced", T=T), "title": tr("wk.cost_title")}
    left, right = st.columns(2)
    with left:
        st.vega_lite_chart(drawn(wv.cost_spec, None, [N, T, m], N, T, m, cost_labels, m_max=77), key="wk_cost_fig")
    img = drawn(wv.similarity_shapes, None, [N, T, m], N, T, m)
    right.image(img, caption=tr("wk.shapes_caption"), width="stretch")
    published = [{tr("wk.col.model"): k, tr("wk.col.grid"): f"{224 // p}x{224 // p}",
                  "N": (224 // p) ** 2, "T": t, "N x M": (224 // p) ** 2 * m, "T x M": t * m}
                 for k, (p, _w, _d, _h, _o, t) in WUKONG_CONFIGS.items()]
    st.caption(tr("wk.published"))
    number_table(published)
    downloads("wukong_late_interaction", png=img, data=cost,
              html=lambda: wv.cost_figure(N, T, m, cost_labels, m_max=77))
