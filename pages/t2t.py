"""T2T-ViT soft split page: kernel/stride/padding per split with the output-size formula, the windows on the
image and how many cover each pixel, a final token's footprint through every split, tokens and token widths
per stage — each beside ViT's hard split (kernel = stride). The sliders drive pure geometry; the model is
run once (cached) for its real tensor shapes."""

import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from vizcore.geometry.unfold import soft_split_schedule
from vizcore.models.registry import list_models
from vizcore.plots import t2t_views as tv
from vizcore.plots.overlay import COLORMAPS, colorbar
from vizcore.ui import downloads, labeller, load_model, number_table, prepare_image, run_trace, selection, tr

sel = selection()
st.title(tr("t2t.title"))
st.markdown(tr("t2t.idea"))
with st.expander(tr("t2t.more"), icon=":material/school:"):
    st.markdown(tr("t2t.explain"))

candidates = list_models(family="t2t")
default = "bundled_t2t" if "bundled_t2t" in candidates else "t2t_vit_7"
c1, c2 = st.columns([3, 2])
name = c1.selectbox(tr("t2t.model"), candidates, index=candidates.index(default), key="t2t_model")
cmap = c2.selectbox(tr("t2t.cmap"), COLORMAPS, key="t2t_cmap")
model = load_model(name)
if model is None:
    st.stop()
pixels, view, cfg = prepare_image(model)
img_hw = tuple(int(v) for v in pixels.shape[-2:])
model_stages = [tuple(int(v) for v in s) for s in model.soft_split_stages]
ss = st.session_state


def reset_sliders(stages=tuple(model_stages)):
    for i, (k, s, p) in enumerate(stages):
        ss[f"t2t_k{i}"], ss[f"t2t_s{i}"], ss[f"t2t_p{i}"] = k, s, p


SLIDERS = [f"t2t_{a}{i}" for i in range(3) for a in "ksp"]
if ss.get("_t2t_sliders_for") != name:  # a new model: start from its own splits
    reset_sliders()
    ss["_t2t_sliders_for"] = name
elif any(key not in ss for key in SLIDERS):  # back from another page: Streamlit dropped the widgets' state
    for key in SLIDERS:
        ss[key] = ss.get(f"_pref_{key}", ss.get(key))
    if any(ss.get(key) is None for key in SLIDERS):
        reset_sliders()

@st.cache_data(max_entries=32, show_spinner=False)
def windows_cached(key, stages, stage, hard, where, cmap, _view):
    return tv.windows_figure(_view, img_hw, stages, stage, hard, where=where, cmap=cmap)


@st.cache_data(max_entries=32, show_spinner=False)
def footprint_cached(key, stages, token, hard, cmap, _view):
    return tv.footprint_figure(_view, img_hw, stages, token, hard, cmap=cmap)


@st.fragment
def explore() -> None:
    """The sliders and every view they drive: a fragment, so moving one reruns this part only (not the
    sidebar, the header and the model), and the messages that come and go sit in one container."""
    st.subheader(tr("t2t.sliders", h=img_hw[0], w=img_hw[1]))
    cols = st.columns(3)
    stages = []
    for i, col in enumerate(cols):
        with col:
            st.markdown(f"**{tr('t2t.split', n=i + 1)}**")
            k = st.slider(tr("t2t.kernel"), 1, 15, key=f"t2t_k{i}")
            s = st.slider(tr("t2t.stride"), 1, 8, key=f"t2t_s{i}")
            p = st.slider(tr("t2t.padding"), 0, 7, key=f"t2t_p{i}")
            stages.append((k, s, p))
    for key in SLIDERS:
        ss[f"_pref_{key}"] = ss[key]
    st.button(tr("t2t.reset", stages=model_stages), key="t2t_reset", on_click=reset_sliders, icon=":material/restart_alt:")

    token_dim = model.tokens_to_token.token_dim
    schedule, errors, warnings = tv.check_stages(img_hw, stages, model.in_chans, token_dim)
    if schedule is not None:
        for i, col in enumerate(cols):
            row = schedule[i]
            col.markdown(f"**{tv.formula_text(row['in_hw'], *stages[i])}**")
            col.caption(tr("t2t.stage_result", n=i + 1, h=row["out_hw"][0], w=row["out_hw"][1], L=row["tokens"],
                           d=row["token_dim"], c=row["in_chans"], k=row["kernel"]))
    # the messages that come and go with the sliders live in one container, so the elements below keep their
    # places (a shifted element is rebuilt by the browser, not updated)
    messages = st.container()
    for code, fields in errors:
        messages.error(tr(f"t2t.err.{code}", **fields), icon=":material/error:")
    for code, fields in warnings:
        messages.warning(tr(f"t2t.warn.{code}", **fields))
    if schedule is None:
        return

    final = schedule[-1]["out_hw"]
    hard = tv.hard_split(img_hw, final)
    if tuple(stages) != tuple(model_stages):
        messages.info(tr("t2t.custom", stages=model_stages), icon=":material/tune:")

    views = ["windows", "footprint", "schedule"]
    choice = st.segmented_control(tr("t2t.view"), views, key="t2t_view", default="windows",
                                  format_func=labeller("t2t.view.")) or "windows"
    view_key = f"{sel.image_key}|{name}|{img_hw}"

    if choice == "windows":
        a, b = st.columns(2)
        stage = a.radio(tr("t2t.which_split"), [0, 1, 2], key="t2t_stage", horizontal=True,
                        format_func=lambda i, word=tr("t2t.split_short"): f"{word} {i + 1}")
        where = b.radio(tr("t2t.where"), ["centre", "corner"], key="t2t_where", horizontal=True,
                        format_func=labeller("t2t.where."))
        with st.spinner(tr("t2t.drawing")):
            img, info = windows_cached(view_key, tuple(stages), stage, hard, where, cmap, view)
        st.image(img, caption=tr("t2t.windows_caption", n=stage + 1, P=hard[0]), width="stretch")
        st.image(colorbar(cmap, 0, info["vmax"], "windows per position"), width=420)
        k, s, p = stages[stage]
        hist = info["soft"]["histogram"]
        total = sum(hist.values())
        spread = ", ".join(f"{c}×: {n / total:.0%}" for c, n in sorted(hist.items()))
        st.markdown(tr("t2t.windows_explain", n=stage + 1, k=k, s=s, p=p, spread=spread, P=hard[0],
                       mean=sum(c * n for c, n in hist.items()) / total, ratio=k * k / (s * s)))
        counts = info["soft"]["counts"]
        downloads(f"t2t_windows_split{stage + 1}", png=img,
                  rows=lambda counts=counts: [{"row": r, **{str(c): int(counts[r, c]) for c in range(counts.shape[1])}}
                                              for r in range(counts.shape[0])],
                  data={"split": stage + 1, "kernel": k, "stride": s, "padding": p, "in_hw": schedule[stage]["in_hw"],
                        "out_hw": schedule[stage]["out_hw"], "windows_per_position": hist,
                        "hard_split": {"kernel": hard[0], "stride": hard[1],
                                       "windows_per_position": info["hard"]["histogram"]}})

    elif choice == "footprint":
        fh, fw = final
        n_tokens = fh * fw
        if ss.get("t2t_token", n_tokens) >= n_tokens:  # first visit, or the grid shrank under the sliders
            ss["t2t_token"] = (fh // 2) * fw + fw // 2
        left, right = st.columns([2, 3])
        with left:
            st.caption(tr("t2t.click_help", h=fh, w=fw))
            token = st.number_input(tr("t2t.token_index"), 0, n_tokens - 1, key="t2t_token")
            picker = tv.token_picker(view, final, int(token))

            def picked(fh=fh, fw=fw, shape=picker.shape):
                """A click on the picture picks the token under it (runs before the next script run)."""
                c = ss.get("t2t_click")
                if c:
                    row = min(fh - 1, int(c["y"] * fh / (c.get("height") or shape[0])))
                    col = min(fw - 1, int(c["x"] * fw / (c.get("width") or shape[1])))
                    ss["t2t_token"] = row * fw + col

            streamlit_image_coordinates(picker, key="t2t_click", width=min(picker.shape[1], 448), on_click=picked)
        with st.spinner(tr("t2t.drawing")):
            img, info = footprint_cached(view_key, tuple(stages), int(token), hard, cmap, view)
        r, c = info["token"]
        box = info["image_box"]
        with right:
            rows = [{tr("t2t.col.map"): f"{s['map_hw'][0]}×{s['map_hw'][1]}", tr("t2t.col.split"): s["split"],
                     tr("t2t.col.box"): f"{s['box_hw'][0]}×{s['box_hw'][1]}", tr("t2t.col.positions"): s["positions"],
                     tr("t2t.col.paths"): int(s["max_paths"])} for s in info["stages"]]
            number_table(rows)
            st.markdown(tr("t2t.footprint_explain", r=r, c=c, bh=box[2] - box[0], bw=box[3] - box[1], P=hard[0]))
        st.image(img, caption=tr("t2t.footprint_caption", r=r, c=c), width="stretch")
        st.image(colorbar(cmap, 0, 1, "paths / max"), width=420)
        downloads(f"t2t_footprint_{r}_{c}", png=img, data=info)

    else:  # schedule and real shapes
        soft = schedule
        hard_row = soft_split_schedule(img_hw, [hard], model.in_chans)[0]
        fig_labels = {"tokens": tr("t2t.fig_tokens"), "dims": tr("t2t.fig_dims"), "stage": tr("t2t.fig_stage"),
                      "soft": tr("t2t.fig_soft"), "hard": tr("t2t.fig_hard"),
                      "title": tr("t2t.fig_title", h=img_hw[0], w=img_hw[1])}
        st.vega_lite_chart(tv.schedule_spec(soft, hard_row, fig_labels), key="t2t_schedule_fig")
        st.markdown(tr("t2t.schedule_explain", d0=soft[0]["token_dim"], k0=stages[0][0],
                       td=token_dim, P=hard[0], hd=hard_row["token_dim"]))
        table = [{tr("t2t.col.split"): str(i + 1), "k, s, p": f"{r['kernel']}, {r['stride']}, {r['padding']}",
                  tr("t2t.col.in"): f"{r['in_hw'][0]}×{r['in_hw'][1]}×{r['in_chans']}",
                  tr("t2t.col.out"): f"{r['out_hw'][0]}×{r['out_hw'][1]}", tr("t2t.col.tokens"): r["tokens"],
                  tr("t2t.col.dim"): r["token_dim"]} for i, r in enumerate(soft)]
        table.append({tr("t2t.col.split"): "ViT", "k, s, p": f"{hard[0]}, {hard[1]}, 0",
                      tr("t2t.col.in"): f"{img_hw[0]}×{img_hw[1]}×3", tr("t2t.col.out"): f"{final[0]}×{final[1]}",
                      tr("t2t.col.tokens"): hard_row["tokens"], tr("t2t.col.dim"): hard_row["token_dim"]})
        number_table(table)

        st.subheader(tr("t2t.real_title", model=name))
        logits, trace = run_trace(name, model, pixels)
        info = trace.extras["soft_split"]
        shapes = tv.model_shapes(tuple(pixels.shape), info, token_dim, model.embed_dim,
                                 int(logits.shape[-1]), trace.extras["token_module"])
        number_table([{tr("t2t.col.step"): r["step"], tr("t2t.col.shape"): str(r["shape"])} for r in shapes])
        norms = [n[0].numpy() for n in trace.extras["t2t_norms"]]
        img = tv.norm_maps(view, norms, ["T2T 1", "T2T 2"], cmap=cmap)
        st.image(img, caption=tr("t2t.norms_caption", s1=tuple(trace.extras["t2t_norms"][0].shape),
                                 s2=tuple(trace.extras["t2t_norms"][1].shape)), width="stretch")
        st.image(colorbar(cmap, 0, 1, "||token|| (min-max per map)"), width=420)
        downloads("t2t_schedule", png=img, rows=[{**r, "in_hw": "x".join(map(str, r["in_hw"])),
                                                  "out_hw": "x".join(map(str, r["out_hw"]))} for r in soft + [hard_row]],
                  data={"your_splits": soft, "hard_split": hard_row, "model_shapes": shapes,
                        "model_splits": model_stages}, html=lambda: tv.schedule_figure(soft, hard_row, fig_labels))


explore()
