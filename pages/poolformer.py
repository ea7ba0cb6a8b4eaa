"""PoolFormer / MetaFormer page: the block and its token-mixer slot, pool(x) − x, feature maps per stage, the mixer
swapped, and class maps (Grad-CAM & co.) where a ViT would show attention; all from one ``poolformer_view`` call."""

import streamlit as st

from vizcore.models.registry import list_models
from vizcore.plots import poolformer_views as pv
from vizcore.plots.overlay import COLORMAPS, colorbar, overlay
from vizcore.ui import (cached, class_name, downloads, draw, labeller, load_model, number_table, prepare_image,
                        selection, tr)
from vizcore.ui.presenter import page_intro
from vizcore.views.poolformer import CAM_METHODS, MIXERS, SHOWS, SOURCES, poolformer_view

selection()
st.title(tr("pf.title"))
page_intro(tr("pf.more"), tr("pf.explain"), idea=tr("pf.idea"))

candidates = list_models(family="poolformer")
default = "bundled_poolformer" if "bundled_poolformer" in candidates else "poolformer_s12"
c1, c2 = st.columns([3, 2])
name = c1.selectbox(tr("pf.model"), candidates, index=candidates.index(default), key="pf_model")
cmap = c2.selectbox(tr("pf.cmap"), COLORMAPS, key="pf_cmap")
model = load_model(name)
if model is None:
    st.stop()
pixels, image, _ = prepare_image(model)
pipeline = st.empty()
choice = st.segmented_control(tr("pf.view"), SHOWS, key="pf_view", default="block",
                              format_func=labeller("pf.view.")) or "block"
mixer_label = labeller("pf.mixer.")
state = st.session_state  # widgets listing this image's options follow the view, which takes their last values


def view(**controls):
    """The page's one computation, cached per model, image and control values; fills the pipeline caption."""
    v = cached(poolformer_view, model, pixels, image, show=choice, **controls)
    pipeline.caption(tr("pf.pipeline", image=v.image_shape, stages=" → ".join(str(s) for s in v.stage_shapes),
                        logits=v.logits_shape, top=class_name(v.top_class)))
    return v


if choice == "block":
    slot = st.radio(tr("pf.slot"), MIXERS, key="pf_slot", horizontal=True, format_func=mixer_label)
    rows = [{tr(f"pf.col.{k}"): value for k, value in r.items()} for r in view().block.rows]
    diagram = {k: tr(f"pf.diagram.{k}") for k in pv.DIAGRAM_KEYS}
    svg = draw(pv.block_svg, slot, diagram)
    st.image(svg, caption=tr("pf.block_caption"), width="stretch")
    st.markdown(tr(f"pf.slot_explain.{slot}"))
    number_table(rows)
    downloads(f"metaformer_block_{slot}", png=lambda slot=slot: pv.block_png(slot, diagram), svg=svg, rows=rows)

elif choice == "pool":
    st.markdown(tr("pf.pool_explain"))
    a, b, c = st.columns(3)
    source = a.radio(tr("pf.source"), SOURCES, key="pf_source", horizontal=True, format_func=labeller("pf.source."))
    stage = state.get("pf_stage", 0)
    feature = {"stage": stage, "channel": state.get(f"pf_channel_{name}_{stage}")} if source == "feature" else {}
    p = (v := view(source=source, **feature)).pool
    if source == "feature":
        b.selectbox(tr("pf.stage"), list(range(len(v.stage_shapes))), key="pf_stage",
                    format_func=lambda i, shapes=v.stage_shapes: f"{i}: {shapes[i]}")
        c.selectbox(tr("pf.channel"), p.channel_order, key=f"pf_channel_{name}_{p.stage}",
                    format_func=lambda ch, word=tr("pf.channel_word"): f"{word} {ch}")
        what = tr("pf.what_feature", stage=p.stage, channel=p.channel, shape=p.shape)
    else:
        what = tr("pf.what_image", h=p.x.shape[0], w=p.x.shape[1])
    img, scales = draw(pv.triptych, p.x, p.pooled, p.diff, cmap=cmap)
    st.image(img, caption=what, width="stretch")
    l, r = st.columns(2)
    l.image(colorbar(cmap, *scales["x"], "x, pool(x)"))
    r.image(colorbar("cividis", *scales["diff"], "pool(x) − x"))
    left, right = st.columns([2, 3])
    left.markdown(tr("pf.kernel_title"))
    left.table([{f"x{j - 1:+d}": f"{k:+.3f}" for j, k in enumerate(row)} for row in p.kernel], hide_index=True,
               width="content")
    left.caption(tr("pf.kernel_caption"))
    freq_labels = {"x": tr("pf.freq_x"), "y": tr("pf.freq_y"), "pool": "pool(x)", "diff": "pool(x) − x",
                   "row": tr("pf.freq_row"), "diag": tr("pf.freq_diag"), "title": tr("pf.freq_title")}
    right.vega_lite_chart(draw(pv.frequency_spec, p.response, freq_labels), key="pf_freq_fig")
    downloads(f"pool_minus_x_{source}", png=img, html=lambda: pv.frequency_figure(p.response, freq_labels),
              data={"source": what, "shape": list(p.x.shape), "kernel": p.kernel.tolist(),
                    "x_range": scales["x"], "diff_range": scales["diff"]})

elif choice == "stages":
    per = st.slider(tr("pf.per_stage"), 2, 10, 6, key="pf_per_stage")
    s = view(per_stage=per).stages
    img = draw(pv.stage_maps, s.maps, s.names, s.row_labels, per_stage=per, cmap=cmap)
    st.image(img, caption=tr("pf.stages_caption", n=per - 1), width="stretch")
    st.image(colorbar(cmap, 0, 1, tr("pic.minmax")))
    st.markdown(tr("pf.stages_explain"))
    downloads("poolformer_stage_features", png=img, data=s.rows)

elif choice == "mixers":
    st.markdown(tr("pf.mixers_explain"))
    m = (v := view()).mixers
    mix_labels = {"x": tr("pf.mix_x"), "y": tr("pf.mix_y"), "title": tr("pf.mix_title"),
                  **{k: mixer_label(k) for k in MIXERS}}
    st.vega_lite_chart(draw(pv.mixer_spec, m.probabilities, mix_labels), key="pf_mixer_fig")
    number_table([{tr("pf.col.mixer"): mixer_label(r["mixer"]), tr("pf.col.top1"): class_name(r["top1"]),
                   tr("pf.col.prob"): f"{r['top1_prob']:.1%}", tr("pf.col.ref_prob"): f"{r['ref_class_prob']:.1%}",
                   tr("pf.col.dlogit"): round(r["mean_abs_logit_change"], 3), "GMACs": round(r["gmacs"], 3)}
                  for r in m.rows])
    img = draw(pv.norm_overlays, image, {mixer_label(k): n for k, n in m.norms.items()}, cmap=cmap)
    st.image(img, caption=tr("pf.mix_maps_caption", shape=v.stage_shapes[-1]), width="stretch")
    st.image(colorbar(cmap, 0, 1, tr("pic.norm_minmax", sym="‖x‖")))
    downloads("poolformer_mixer_swap", png=img, rows=m.rows,
              html=lambda: pv.mixer_figure(m.probabilities, mix_labels),
              data={"logits": {k: lg.tolist() for k, lg in m.logits.items()}, "rows": m.rows})

else:  # cam
    st.markdown(tr("pf.cam_explain"))
    method = st.radio(tr("pf.cam_method"), list(CAM_METHODS), key="pf_cam_method", horizontal=True,
                      format_func=labeller("pf.cam_method."))
    a, b, c = st.columns(3)
    mixer = a.radio(tr("pf.cam_mixer"), MIXERS, key="pf_cam_mixer", horizontal=True, format_func=mixer_label)
    cam = view(cam_mixer=mixer, cam_method=method, cam_target=state.get(f"pf_cam_target_{mixer}")).cam
    b.selectbox(tr("pf.cam_target"), cam.targets, key=f"pf_cam_target_{mixer}", disabled=not cam.class_specific,
                format_func={i: f"{n} ({p:.1%})"
                             for i, n, p in zip(cam.targets, map(class_name, cam.target_names),
                                                cam.target_probs)}.__getitem__)
    alpha = c.slider(tr("pf.alpha"), 0.0, 1.0, 0.6, 0.05, key="pf_alpha")
    img = draw(overlay, image, cam.cam, alpha=alpha, cmap=cmap, vmin=0.0, vmax=1.0, smooth=True)
    left, right = st.columns(2)
    left.image(image, caption=tr("pf.cam_input", h=image.shape[0], w=image.shape[1]), width="stretch")
    (h, w), label = cam.cam.shape, tr(f"pf.cam_method.{method}")
    right.image(img, caption=tr("pf.cam_caption" if cam.class_specific else "pf.cam_caption_any", method=label,
                                cls=class_name(cam.target_name), h=h, w=w, mixer=mixer_label(mixer)), width="stretch")
    right.image(colorbar(cmap, 0.0, 1.0, label))
    downloads(f"{method}_{mixer}_{cam.target}", png=img, rows=cam.rows,
              data={"class": cam.target_name, "mixer": mixer, "method": method})
