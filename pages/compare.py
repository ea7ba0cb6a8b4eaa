"""Compare page: every registered token reducer on one image and backbone at a matched budget."""
import streamlit as st

from vizcore.models.reducer_registry import KEEP_RATIO, list_reducers
from vizcore.plots import reduction_views as rv
from vizcore.plots.token_fate import fate_grid
from vizcore.ui import (cached, downloads, draw, load_model, mask_in_view, method_label, note_configuration,
                        number_table, prepare_image, selection, tr)
from vizcore.ui.presenter import page_intro, presenting
from vizcore.views import compare as views

sel = selection()
st.title(tr("cmp.title"))
page_intro(tr("cmp.how"), "\n".join([tr("cmp.explain"), ""] + [f"- **{tr(s.label_key)}**: {tr(s.about_key)}"
                                                            for s in list_reducers()]))

backbones = views.compare_backbones()


@st.fragment
def explore() -> None:
    """The backbone and rho and all they change. A fragment: moving them reruns this part only, and the
    pictures are computed before any of them is drawn (one or two browser redraws per move)."""
    c1, c2 = st.columns(2)
    backbone_name = c1.selectbox(tr("cmp.backbone"), backbones, key="cmp_backbone")
    rho = c2.slider(tr("cmp.rho"), KEEP_RATIO.low, KEEP_RATIO.high, KEEP_RATIO.default, KEEP_RATIO.step, key="cmp_rho")
    backbone = load_model(backbone_name)
    if backbone is None:
        return
    pixels, view, cfg = prepare_image(backbone)
    partners = {name: load_model(name) for name in views.partner_models(backbone_name)}

    # --- compute (the view and each forward pass in it cached by what they are computed from), then draw
    v = cached(views.compare_view, backbone_name, backbone, pixels, rho, mask_in_view(cfg), partners, memo=cached)
    # the Trade-offs page places these on its plot and highlights the last one noted: the registry's first
    for entry in reversed(v.entries):
        note_configuration(entry.method, entry.model, entry.setting, entry.locs)
    grid_img = draw(fate_grid, view, {method_label(m): row for m, row in v.fates.items()}, v.budget.locs,
                    v.num_patches, tr("pic.after_layer"), tile=170 if not presenting() else 140,
                    per_row=2 if presenting() else 1)
    cost_labels = {"titles": (tr("pic.tokens"), tr("pic.gmacs")), "x_title": tr("pic.layer"),
                   "names": {m: method_label(m) for m in v.tokens}}
    cost_img = draw(rv.per_layer_cost_image, v.tokens, v.gmacs, **cost_labels)

    st.caption(tr("cmp.budget", locs=", ".join(map(str, v.budget.locs)), target=v.budget.tokens_target,
                  matched="; ".join(f"{tr(key)}: {setting}" for key, setting in v.matched)))
    if v.missing:
        st.caption(tr("cmp.missing", names=", ".join(tr(key) for key in v.missing)))
    st.subheader(tr("cmp.fates"))
    st.image(grid_img, caption=tr("cmp.legend"))
    downloads("compare_token_fate", png=grid_img)

    st.subheader(tr("cmp.cost"))
    st.image(cost_img)
    downloads("compare_cost", png=cost_img, html=lambda: rv.per_layer_cost_figure(v.tokens, v.gmacs, **cost_labels),
              rows=lambda: views.cost_rows(v))

    st.subheader(tr("cmp.table"))
    number_table([{**r, "method": method_label(r["method"])} for r in v.rows])
    st.caption(tr("cmp.precision", share=v.object_share) if v.object_share is not None else tr("cmp.precision_na"))
    downloads("compare_summary", rows=v.rows, data=lambda: views.summary_data(v))


explore()
