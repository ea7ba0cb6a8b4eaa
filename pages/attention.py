"""Attention page: CLS attention per layer and head, a layer x head grid, click a patch, rollout,
tensor shapes and position-embedding similarity."""
import json

import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from vizcore.analysis.attention import attention_shapes, pos_embed_similarity
from vizcore.models.registry import list_models
from vizcore.plots import attention_views as av
from vizcore.plots.overlay import COLORMAPS, colorbar, draw_grid, enlarge, overlay
from vizcore.ui import downloads, labeller, load_model, number_table, prepare_image, run_trace, selection, tr

sel = selection()
st.title(tr("attn.title"))
with st.expander(tr("attn.how"), icon=":material/school:", expanded=False):
    st.markdown(tr("attn.explain"))

candidates = sorted(list_models(family="vit"), key=lambda n: not n.startswith("bundled"))  # bundled first
name = st.selectbox(tr("attn.model"), candidates, key="attn_model")
model = load_model(name)
if model is None:
    st.stop()
pixels, view, cfg = prepare_image(model)
logits, trace = run_trace(name, model, pixels, attn=True)
n_layers = len(trace.attn)
heads = trace.attn[0].shape[1]
h, w = trace.grid

c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
layer = c1.slider(tr("attn.layer"), 0, n_layers - 1, n_layers - 1, key="attn_layer")
head_options = ["mean", "max", *range(heads)]
head_word, head_fused = tr("attn.head"), labeller("attn.head_")
head = c2.selectbox(head_word, head_options, key="attn_head",
                    format_func=lambda x: head_fused(x) if isinstance(x, str) else f"{head_word} {x}")
scale = c3.radio(tr("attn.scale"), ["map", "layer", "global"], key="attn_scale", horizontal=True,
                 format_func=labeller("attn.scale."))
cmap = c4.selectbox(tr("attn.cmap"), COLORMAPS, key="attn_cmap")
views = ["cls", "grid", "patch", "rollout", "shapes"]
view_choice = st.segmented_control(tr("attn.view"), views, key="attn_view", default="cls",
                                   format_func=labeller("attn.view.")) or "cls"
head_label = tr(f"attn.head_{head}") if isinstance(head, str) else f"{tr('attn.head')} {head}"
st.caption(tr("common.input_view", h=view.shape[0], w=view.shape[1], gh=h, gw=w))


if view_choice == "cls":
    alpha = st.slider(tr("attn.alpha"), 0.0, 1.0, 0.6, 0.05, key="attn_alpha")
    mv = av.single_map(view, trace, layer, head, query=0, scale=scale, cmap=cmap, alpha=alpha)
    share = float(av.prefix_shares(trace)[layer].mean() if isinstance(head, str) else av.prefix_shares(trace)[layer, head])
    left, right = st.columns(2)
    left.image(view, caption=name, width="stretch")
    right.image(mv.image, caption=tr("attn.cls_caption", layer=layer, head=head_label, share=share), width="stretch")
    right.image(colorbar(cmap, mv.vmin, mv.vmax, "attention"), width="stretch")
    downloads(f"cls_attention_L{layer}_{head}", png=mv.image, rows=mv.values)

elif view_choice == "grid":
    img = av.layer_head_grid(view, trace, query=0, scale=scale, cmap=cmap)
    st.image(img, caption=tr("attn.grid_caption", last=n_layers - 1, scale=tr(f"attn.scale.{scale}")))
    downloads("cls_attention_grid", png=img)

elif view_choice == "patch":
    st.caption(tr("attn.patch_help", layer=layer))
    display = max(1, 448 // view.shape[1])  # enlarge small views so a patch is easy to hit

    def on_patch_click():
        click = st.session_state.get("attn_click")
        if click:
            col = min(w - 1, int(click["x"] * w / click.get("width", view.shape[1] * display)))
            row = min(h - 1, int(click["y"] * h / click.get("height", view.shape[0] * display)))
            st.session_state["attn_patch"] = row * w + col

    patch = st.number_input(tr("attn.patch_index"), 0, h * w - 1, (h // 2) * w + w // 2, key="attn_patch")
    left, right = st.columns(2)
    with left:
        big = enlarge(view, display)
        shown = draw_grid(big, trace.grid, color=(230, 230, 230), highlight=int(patch))
        streamlit_image_coordinates(shown, key="attn_click", width=shown.shape[1], on_click=on_patch_click)
    mv = av.single_map(big, trace, layer, head, query=trace.prefix + int(patch), scale=scale, cmap=cmap,
                       highlight=int(patch))
    r, c = divmod(int(patch), w)
    right.image(mv.image, caption=tr("attn.patch_caption", index=int(patch), row=r, col=c, layer=layer,
                                     head=head_label), width="stretch")
    right.image(colorbar(cmap, mv.vmin, mv.vmax, "attention"), width="stretch")
    downloads(f"patch{int(patch)}_L{layer}_{head}", png=mv.image, rows=mv.values)

elif view_choice == "rollout":
    st.markdown(tr("attn.rollout_explain"))
    r1, r2, r3 = st.columns(3)
    fusion = r1.selectbox(tr("attn.rollout_fusion"), ["mean", "max", "min"], key="roll_fusion")
    discard = r2.slider(tr("attn.rollout_discard"), 0.0, 0.95, 0.0, 0.05, key="roll_discard")
    upto = r3.slider(tr("attn.rollout_upto"), 0, n_layers - 1, n_layers - 1, key="roll_upto")
    if len(set(trace.tokens_per_layer)) > 1:
        st.info(tr("attn.rollout_na"))
    else:
        values = av.rollout_map(trace, fusion, discard, upto=upto)
        img = overlay(view, values, alpha=0.6, cmap=cmap, vmin=float(values.min()), vmax=float(values.max()))
        left, right = st.columns(2)
        left.image(view, width="stretch")
        right.image(img, caption=f"rollout 0–{upto}, {fusion}, discard {discard:.2f}", width="stretch")
        right.image(colorbar(cmap, float(values.min()), float(values.max()), "rollout"), width="stretch")
        downloads(f"rollout_{fusion}_{discard:.2f}_L{upto}", png=img, rows=values)

else:
    st.subheader(tr("attn.shapes_title", model=name))
    rows = attention_shapes(model, trace.tokens_per_layer)
    table = [{"layer": r["layer"], "x": str(r["x"]), "Q": str(r["q"]), "K": str(r["k"]), "V": str(r["v"]),
              "softmax(QKᵀ/√d)": str(r["attn"]), "out": str(r["out"])} for r in rows]
    number_table(table)
    st.download_button(tr("common.download_json"), json.dumps(rows, indent=1), "attention_shapes.json",
                       "application/json", key="dl_shapes")
    pos = getattr(model, "pos_embed", None)
    if pos is not None:
        st.subheader(tr("attn.pos_title"))
        st.markdown(tr("attn.pos_explain"))
        sim = pos_embed_similarity(pos.detach().cpu(), trace.prefix, trace.grid).numpy()
        ref = st.number_input(tr("attn.pos_patch"), 0, h * w - 1, (h // 2) * w + w // 2, key="pos_patch")
        left, right = st.columns(2)
        left.image(av.similarity_image(sim, divmod(int(ref), w), view, cmap), width="stretch",
                   caption=f"cos(pos[{int(ref)}], pos[·])")
        atlas = av.similarity_atlas(sim, cmap)
        right.image(atlas, width="stretch", caption=f"{h}×{w}")
        right.image(colorbar(cmap, -1.0, 1.0, "cosine"), width="stretch")
        downloads("pos_embed_similarity", png=atlas)
