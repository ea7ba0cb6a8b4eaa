"""Attention page: CLS attention per layer and head, a layer x head grid, click a patch, rollout,
tensor shapes and position-embedding similarity."""
import json

import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from vizcore.models.registry import list_models
from vizcore.plots import attention_views as av
from vizcore.plots.overlay import COLORMAPS, colorbar
from vizcore.ui import (animation, cached, downloads, draw, fragment, labeller, limits, load_model, number_table,
                        prepare_image, run_trace, selection, tr)
from vizcore.ui.presenter import page_intro
from vizcore.views import animations as anim
from vizcore.views import attention as views

sel = selection()
st.title(tr("attn.title"))
page_intro(tr("attn.how"), tr("attn.explain"))

candidates = sorted(list_models(family="vit"), key=lambda n: not n.startswith("bundled"))  # bundled first
name = st.selectbox(tr("attn.model"), candidates, key="attn_model")
model = load_model(name)
if model is None:
    st.stop()
pixels, view, cfg = prepare_image(model)
logits, trace = run_trace(name, model, pixels, attn=True)
n_layers, heads, (h, w) = len(trace.attn), trace.attn[0].shape[1], trace.grid
limits(layers=n_layers - 1, heads=heads - 1, patches=h * w - 1)  # a link's layer, head, patch checked here


@fragment
def explore() -> None:
    """The controls and the view they drive: a fragment, so moving one reruns this part only (not the
    sidebar, the header, the model and its trace)."""
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    every = st.session_state.get("attn_view") == "grid"  # the grid shows every layer and head: those controls rest
    layer = c1.slider(tr("attn.layer"), 0, n_layers - 1, n_layers - 1, key="attn_layer", disabled=every,
                      help=tr("attn.grid_every") if every else None)
    head_word, head_fused = tr("attn.head"), labeller("attn.head_")
    head = c2.selectbox(head_word, ["mean", "max", *range(heads)], key="attn_head", disabled=every,
                        help=tr("attn.grid_every") if every else None,
                        format_func=lambda x: head_fused(x) if isinstance(x, str) else f"{head_word} {x}")
    scale = c3.radio(tr("attn.scale"), ["map", "layer", "global"], key="attn_scale", horizontal=True,
                     format_func=labeller("attn.scale."))
    cmap = c4.selectbox(tr("attn.cmap"), COLORMAPS, key="attn_cmap")
    view_choice = st.segmented_control(tr("attn.view"), ["cls", "grid", "patch", "rollout", "shapes"], key="attn_view",
                                       default="cls", format_func=labeller("attn.view.")) or "cls"
    head_label = head_fused(head) if isinstance(head, str) else f"{head_word} {head}"
    st.caption(tr("common.input_view", h=view.shape[0], w=view.shape[1], gh=h, gw=w))

    if view_choice == "cls":
        alpha = st.slider(tr("attn.alpha"), 0.0, 1.0, 0.6, 0.05, key="attn_alpha")
        v = cached(views.map_view, trace, layer=layer, head=head, scale=scale)
        img = draw(av.map_overlay, view, v.values, v.vmin, v.vmax, cmap=cmap, alpha=alpha)
        left, right = st.columns(2)
        left.image(view, caption=name, width="stretch")
        right.image(img, tr("attn.cls_caption", layer=layer, head=head_label, share=v.prefix_share), width="stretch")
        right.image(colorbar(cmap, v.vmin, v.vmax), caption=tr("attn.bar.attention"), width="stretch")
        downloads(f"cls_attention_L{layer}_{head}", png=img, rows=v.values)
        if st.toggle(tr("anim.cls_toggle"), key="attn_cls_anim"):
            frames = draw(anim.cls_through_layers, view, trace, head, scale, cmap, alpha)
            animation(f"cls_attention_layers_{head}", frames,
                      tr("anim.cls_caption", head=head_label, scale=tr(f"attn.scale.{scale}")))

    elif view_choice == "grid":
        v = cached(views.grid_view, trace, scale=scale)
        rows = [tr("attn.grid_row", layer=i) for i in range(n_layers)]
        cols = [tr("attn.grid_col", head=i) for i in range(heads)]
        img = draw(av.layer_head_grid, view, v.maps, rows, cols, cmap=cmap, tile=views.grid_tile(heads))
        st.image(img, caption=tr("attn.grid_caption", last=n_layers - 1, scale=tr(f"attn.scale.{scale}")),
                 width="stretch")
        downloads("cls_attention_grid", png=img)

    elif view_choice == "patch":
        st.caption(tr("attn.patch_help", layer=layer))
        zoom = views.click_zoom(view.shape[1])  # small views are enlarged so a patch is easy to hit

        def on_patch_click(size=(view.shape[0] * zoom, view.shape[1] * zoom)):
            if click := st.session_state.get("attn_click"):
                st.session_state["attn_patch"] = views.patch_at(click, (h, w), size)

        # the click callback sets "attn_patch": the widget takes its value from session state only (a default as
        # well makes Streamlit log a warning with a stack trace)
        if not 0 <= st.session_state.get("attn_patch", -1) < h * w:
            st.session_state["attn_patch"] = (h // 2) * w + w // 2
        patch = int(st.number_input(tr("attn.patch_index"), 0, h * w - 1, key="attn_patch"))
        v = cached(views.map_view, trace, layer=layer, head=head, scale=scale, patch=patch)
        left, right = st.columns(2)
        with left:
            shown = draw(av.click_picture, view, (h, w), zoom, patch)
            streamlit_image_coordinates(shown, key="attn_click", width=shown.shape[1], on_click=on_patch_click)
        img = draw(av.map_overlay, view, v.values, v.vmin, v.vmax, cmap=cmap, zoom=zoom, highlight=patch)
        right.image(img, caption=tr("attn.patch_caption", index=patch, row=v.row, col=v.col, layer=layer,
                                    head=head_label), width="stretch")
        right.image(colorbar(cmap, v.vmin, v.vmax), caption=tr("attn.bar.attention"), width="stretch")
        downloads(f"patch{patch}_L{layer}_{head}", png=img, rows=v.values)

    elif view_choice == "rollout":
        st.markdown(tr("attn.rollout_explain"))
        r1, r2, r3 = st.columns(3)
        fusion = r1.selectbox(tr("attn.rollout_fusion"), ["mean", "max", "min"], key="roll_fusion")
        discard = r2.slider(tr("attn.rollout_discard"), 0.0, 0.95, 0.0, 0.05, key="roll_discard")
        upto = r3.slider(tr("attn.rollout_upto"), 0, n_layers - 1, n_layers - 1, key="roll_upto")
        v = cached(views.rollout_view, trace, fusion=fusion, discard=discard, upto=upto)
        if not v.available:
            st.info(tr("attn.rollout_na"))
        else:
            img = draw(av.map_overlay, view, v.values, v.vmin, v.vmax, cmap=cmap)
            left, right = st.columns(2)
            left.image(view, width="stretch")
            right.image(img, caption=tr("attn.rollout_caption", upto=upto, fusion=fusion, discard=discard),
                        width="stretch")
            right.image(colorbar(cmap, v.vmin, v.vmax), caption=tr("attn.bar.rollout"), width="stretch")
            downloads(f"rollout_{fusion}_{discard:.2f}_L{upto}", png=img, rows=v.values)

    else:
        st.subheader(tr("attn.shapes_title", model=name))
        shapes_box = st.container()  # filled below, once the reference patch is read
        ref = None
        if getattr(model, "pos_embed", None) is not None:
            st.subheader(tr("attn.pos_title"))
            st.markdown(tr("attn.pos_explain"))
            ref = int(st.number_input(tr("attn.pos_patch"), 0, h * w - 1, (h // 2) * w + w // 2, key="pos_patch"))
        v = cached(views.shapes_view, model, trace, ref=ref)
        with shapes_box:
            number_table(v.table)
            st.download_button(tr("common.download_json"), json.dumps(v.rows, indent=1), "attention_shapes.json",
                               "application/json", key="dl_shapes")
        if v.similarity is not None:
            left, right = st.columns(2)
            left.image(draw(av.similarity_image, view, v.ref_values, v.ref, cmap), width="stretch",
                       caption=tr("attn.pos_caption", index=v.ref))
            atlas = draw(av.similarity_atlas, v.similarity, cmap)
            right.image(atlas, width="stretch", caption=tr("attn.atlas_caption", h=h, w=w))
            right.image(colorbar(cmap, -1.0, 1.0), caption=tr("attn.bar.cosine"), width="stretch")
            downloads("pos_embed_similarity", png=atlas)


explore()
