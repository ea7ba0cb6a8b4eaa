"""PoolFormer / MetaFormer page: the block with its token-mixer slot, what pool(x) − x does to a map, feature
maps per stage, the mixer swapped (pooling / identity / attention) with the prediction change, and the class
map (Grad-CAM) where a ViT would show attention."""

import streamlit as st

from vizcore.models.poolformer import class_map
from vizcore.models.registry import list_models
from vizcore.plots import poolformer_views as pv
from vizcore.plots.overlay import COLORMAPS, colorbar, overlay
from vizcore.ui import (downloads, drawn, labeller, load_model, model_key, number_table, prepare_image, run_trace,
                        selection, tr)

sel = selection()
st.title(tr("pf.title"))
st.markdown(tr("pf.idea"))
with st.expander(tr("pf.more"), icon=":material/school:"):
    st.markdown(tr("pf.explain"))

candidates = list_models(family="poolformer")
default = "bundled_poolformer" if "bundled_poolformer" in candidates else "poolformer_s12"
c1, c2 = st.columns([3, 2])
name = c1.selectbox(tr("pf.model"), candidates, index=candidates.index(default), key="pf_model")
cmap = c2.selectbox(tr("pf.cmap"), COLORMAPS, key="pf_cmap")
model = load_model(name)
if model is None:
    st.stop()
pixels, view, cfg = prepare_image(model)
logits, trace = run_trace(name, model, pixels)
feats = trace.extras["stage_features"]
names = pv.class_names(int(logits.shape[-1]))
stage_shapes = [tuple(f.shape) for f in feats]
st.caption(tr("pf.pipeline", image=tuple(pixels.shape), stages=" → ".join(str(s) for s in stage_shapes),
              logits=tuple(logits.shape), top=names[int(logits[0].argmax())]))

views = ["block", "pool", "stages", "mixers", "cam"]
choice = st.segmented_control(tr("pf.view"), views, key="pf_view", default="block",
                              format_func=labeller("pf.view.")) or "block"
mixer_label = labeller("pf.mixer.")


@st.cache_data(max_entries=32, show_spinner=False)
def cam_cached(key, image_key, target, mixer, _model, _pixels):
    return class_map(_model, _pixels, target=target, mixer=mixer, upsample=False)[0].numpy()


if choice == "block":
    slot = st.radio(tr("pf.slot"), list(pv.MIXERS), key="pf_slot", horizontal=True, format_func=mixer_label)
    labels = {k: tr(f"pf.diagram.{k}") for k in pv.DEFAULT_LABELS}
    svg = drawn(pv.block_svg, None, [slot], slot, labels)
    st.image(svg, caption=tr("pf.block_caption"), width="stretch")
    st.markdown(tr(f"pf.slot_explain.{slot}"))
    rows = []
    for i, (depth, dim, shape) in enumerate(zip(model.depths, model.dims, stage_shapes)):
        blk = model.stages[i].blocks[0]
        mixer_params = sum(p.numel() for p in blk.token_mixer.parameters())
        mlp_params = sum(p.numel() for p in blk.mlp.parameters())
        first = sum(model.depths[:i])
        rows.append({tr("pf.col.stage"): i, tr("pf.col.blocks"): depth, tr("pf.col.shape"): str(shape),
                     tr("pf.col.tokens"): shape[-2] * shape[-1], tr("pf.col.mixer_params"): mixer_params,
                     tr("pf.col.mlp_params"): mlp_params,
                     tr("pf.col.block_mmacs"): round(trace.macs_per_layer[first] / 1e6, 2)})
    number_table(rows)
    downloads(f"metaformer_block_{slot}", png=lambda slot=slot: pv.block_png(slot), svg=svg, rows=rows)

elif choice == "pool":
    st.markdown(tr("pf.pool_explain"))
    a, b, c = st.columns(3)
    source = a.radio(tr("pf.source"), ["image", "feature"], key="pf_source", horizontal=True,
                     format_func=labeller("pf.source."))
    if source == "feature":
        stage = b.selectbox(tr("pf.stage"), list(range(len(feats))), key="pf_stage",
                            format_func=lambda i, shapes=stage_shapes: f"{i}: {shapes[i]}")
        f = feats[stage][0].numpy()
        order = [int(ch) for ch in pv.channel_order(f)]
        channel = c.selectbox(tr("pf.channel"), order, key=f"pf_channel_{name}_{stage}",
                              format_func=lambda ch, word=tr("pf.channel_word"): f"{word} {ch}")
        x = f[channel]
        what = tr("pf.what_feature", stage=stage, channel=channel, shape=stage_shapes[stage])
    else:
        x = pv.to_gray(view)
        what = tr("pf.what_image", h=x.shape[0], w=x.shape[1])
    pooled, diff = pv.pool_minus_identity(x)
    img, scales = drawn(pv.triptych, name, [source, what, cmap], x, pooled, diff, cmap=cmap)
    st.image(img, caption=what, width="stretch")
    l, r = st.columns(2)
    l.image(colorbar(cmap, *scales["x"], "x, pool(x)"), width=380)
    r.image(colorbar("cividis", *scales["diff"], "pool(x) - x"), width=380)
    left, right = st.columns([2, 3])
    with left:
        st.markdown(tr("pf.kernel_title"))
        k = pv.pool_kernel()
        st.table([{f"x{j - 1:+d}": f"{k[i, j]:+.3f}" for j in range(3)} for i in range(3)], hide_index=True,
                 width="content")
        st.caption(tr("pf.kernel_caption"))
    freq_labels = {"x": tr("pf.freq_x"), "y": tr("pf.freq_y"), "pool": "pool(x)", "diff": "pool(x) − x",
                   "row": tr("pf.freq_row"), "diag": tr("pf.freq_diag"), "title": tr("pf.freq_title")}
    with right:
        st.vega_lite_chart(drawn(pv.frequency_spec, None, [], freq_labels), key="pf_freq_fig")
    downloads(f"pool_minus_x_{source}", png=img, html=lambda: pv.frequency_figure(freq_labels),
              data={"source": what, "shape": list(x.shape), "kernel": k.tolist(),
                    "x_range": scales["x"], "diff_range": scales["diff"]})

elif choice == "stages":
    per = st.slider(tr("pf.per_stage"), 2, 10, 6, key="pf_per_stage")
    img, rows = drawn(pv.stage_maps, name, [per, cmap], [f_[0].numpy() for f_ in feats], per_stage=per, cmap=cmap)
    st.image(img, caption=tr("pf.stages_caption", n=per - 1), width="stretch")
    st.image(colorbar(cmap, 0, 1, "min-max per map"), width=380)
    st.markdown(tr("pf.stages_explain"))
    downloads("poolformer_stage_features", png=img, data=rows)

elif choice == "mixers":
    st.markdown(tr("pf.mixers_explain"))
    results = {"pooling": (logits, trace)}
    for m in ("identity", "attention"):
        results[m] = run_trace(name, model, pixels, mixer=m)
    lg = {m: r[0][0].numpy() for m, r in results.items()}
    macs = {m: sum(r[1].macs_per_layer) + r[1].macs_other for m, r in results.items()}
    mix_labels = {"x": tr("pf.mix_x"), "y": tr("pf.mix_y"), "title": tr("pf.mix_title"),
                  **{m: mixer_label(m) for m in pv.MIXERS}}
    st.vega_lite_chart(drawn(pv.mixer_spec, name, [], lg, names, mix_labels), key="pf_mixer_fig")
    rows = pv.mixer_rows(lg, macs, names)
    number_table([{tr("pf.col.mixer"): mixer_label(r["mixer"]), tr("pf.col.top1"): r["top1"],
                   tr("pf.col.prob"): f"{r['top1_prob']:.1%}", tr("pf.col.ref_prob"): f"{r['ref_class_prob']:.1%}",
                   tr("pf.col.dlogit"): round(r["mean_abs_logit_change"], 3), "GMACs": round(r["gmacs"], 3)}
                  for r in rows])
    last = {m: r[1].extras["stage_features"][-1][0].norm(dim=0).numpy() for m, r in results.items()}
    img = drawn(pv.norm_overlays, name, [cmap], view, last, cmap=cmap)
    st.image(img, caption=tr("pf.mix_maps_caption", shape=stage_shapes[-1]), width="stretch")
    st.image(colorbar(cmap, 0, 1, "||x|| (min-max per map)"), width=380)
    downloads("poolformer_mixer_swap", png=img, rows=rows, html=lambda: pv.mixer_figure(lg, names, mix_labels),
              data={"logits": {m: v.tolist() for m, v in lg.items()}, "rows": rows})

else:  # cam
    st.markdown(tr("pf.cam_explain"))
    a, b, c = st.columns(3)
    mixer = a.radio(tr("pf.cam_mixer"), list(pv.MIXERS), key="pf_cam_mixer", horizontal=True, format_func=mixer_label)
    lg = logits if mixer == "pooling" else run_trace(name, model, pixels, mixer=mixer)[0]
    top = pv.top_classes(lg[0].numpy(), 5)
    probs = pv.softmax(lg[0].numpy())
    target = b.selectbox(tr("pf.cam_target"), top, key=f"pf_cam_target_{mixer}",
                         format_func=lambda i, n=names, p=probs: f"{n[i]} ({p[i]:.1%})")
    alpha = c.slider(tr("pf.alpha"), 0.0, 1.0, 0.6, 0.05, key="pf_alpha")
    with st.spinner(tr("pf.cam_running")):
        cam = cam_cached(model_key(name), sel.image_key, int(target), mixer, model, pixels)
    img = drawn(overlay, name, [mixer, int(target), alpha, cmap], view, cam, alpha=alpha, cmap=cmap, vmin=0.0,
                vmax=1.0, smooth=True)
    left, right = st.columns(2)
    left.image(view, caption=tr("pf.cam_input", h=view.shape[0], w=view.shape[1]), width="stretch")
    right.image(img, caption=tr("pf.cam_caption", cls=names[int(target)], h=cam.shape[0], w=cam.shape[1],
                                mixer=mixer_label(mixer)), width="stretch")
    right.image(colorbar(cmap, 0.0, 1.0, "Grad-CAM"), width=380)
    downloads(f"gradcam_{mixer}_{int(target)}", png=img,
              rows=lambda cam=cam: [{"row": i, "col": j, "cam": float(cam[i, j])} for i in range(cam.shape[0])
                                    for j in range(cam.shape[1])], data={"class": names[int(target)], "mixer": mixer})
