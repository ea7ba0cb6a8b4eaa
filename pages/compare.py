"""Compare page: every registered token reducer on one image and backbone at a matched budget."""
import streamlit as st

from vizcore.models.reducer_registry import KEEP_RATIO, MEASURES, list_reducers
from vizcore.plots import reduction_views as rv
from vizcore.plots.token_fate import fate_grid
from vizcore.ui import (animation, cached, class_name, downloads, draw, fragment, labeller, load_model, mask_in_view,
                        method_label, note_configuration, number_table, prepare_image, selection, tr)
from vizcore.ui.presenter import page_intro, presenting
from vizcore.views import animations as anim
from vizcore.views import compare as views

sel = selection()
st.title(tr("cmp.title"))
page_intro(tr("cmp.how"), "\n".join([tr("cmp.explain"), ""] + [f"- **{tr(s.label_key)}**: {tr(s.about_key)}"
                                                            for s in list_reducers()]))

backbones = views.compare_backbones()


def headed(v: views.CompareView) -> list[dict]:
    """The summary rows with translated headers and method names."""
    measure = tr(f"cmp.measure.{v.budget.measure}")
    shown = {"method": lambda value: tr(v.label_keys[value]), "prediction": class_name}
    return [{tr(f"cmp.col.{key}", measure=measure): shown.get(key, lambda value: value)(value)
             for key, value in row.items()} for row in v.rows]


@fragment
def explore() -> None:
    """The backbone and rho and all they change. A fragment: moving them reruns this part only, and the
    pictures are computed before any of them is drawn (one or two browser redraws per move)."""
    c1, c2, c3 = st.columns([2, 2, 3])
    backbone_name = c1.selectbox(tr("cmp.backbone"), backbones, key="cmp_backbone")
    rho = c2.slider(tr("cmp.rho"), KEEP_RATIO.low, KEEP_RATIO.high, KEEP_RATIO.default, KEEP_RATIO.step, key="cmp_rho")
    measure = c3.radio(tr("cmp.measure"), MEASURES, key="cmp_measure", horizontal=True,
                       format_func=labeller("cmp.measure."))
    backbone = load_model(backbone_name)
    if backbone is None:
        return
    pixels, view, cfg = prepare_image(backbone)
    partners = {name: load_model(name) for name in views.partner_models(backbone_name)}

    # --- compute (the view and each forward pass in it cached by what they are computed from), then draw
    v = cached(views.compare_view, backbone_name, backbone, pixels, rho, mask_in_view(cfg), partners, memo=cached,
               measure=measure)
    # the Trade-offs page places these on its plot and highlights the last one noted: the registry's first
    for entry in reversed(v.entries):
        note_configuration(entry.method, entry.model, entry.setting, entry.locs)
    grid_img = draw(fate_grid, view, {method_label(m): row for m, row in v.fates.items()}, v.budget.locs,
                    v.num_patches, tr("pic.after_layer"), tile=170 if not presenting() else 140,
                    per_row=2 if presenting() else 1)
    cost_labels = {"titles": (tr("cmp.axis.patch_tokens"), tr("pic.gmacs")), "x_title": tr("pic.layer"),
                   "names": {m: method_label(m) for m in v.tokens}}
    cost_img = draw(rv.per_layer_cost_image, v.tokens, v.gmacs, **cost_labels)

    b = v.budget
    # the budget and the notes that come and go with rho share one caption, so the elements below keep their
    # places (a shifted element is rebuilt by the browser, not updated)
    lines = [tr("cmp.budget", n0=v.num_patches, locs=", ".join(map(str, b.locs)), rho=b.rho,
                target=f"{b.target:.1f}" if b.measure == "tokens" else f"{b.target:.4f}",
                measure=tr(f"cmp.measure.{b.measure}"))]
    if v.off_target:
        lines.append(tr("cmp.off_target", items=", ".join(f"{tr(v.label_keys[m])} {pct:+.1f} %"
                                                          for m, pct in v.off_target)))
    if v.missing:
        lines.append(tr("cmp.missing", names=", ".join(tr(key) for key in v.missing)))
    st.caption("  \n".join(lines))
    st.subheader(tr("cmp.fates"))
    st.image(grid_img, caption=tr("cmp.legend"))
    downloads("compare_token_fate", png=grid_img)
    if v.traces and st.toggle(tr("anim.fate_toggle"), key="cmp_fate_anim"):
        fate_anim = draw(anim.compare_through_layers, view, v.traces)
        animation("compare_fate_layers", fate_anim, tr("anim.fate_caption", n=len(fate_anim.frames)))

    st.subheader(tr("cmp.cost"))
    st.image(cost_img)
    downloads("compare_cost", png=cost_img, html=lambda: rv.per_layer_cost_figure(v.tokens, v.gmacs, **cost_labels),
              rows=lambda: views.cost_rows(v))

    st.subheader(tr("cmp.table"))
    number_table(headed(v))
    notes = [tr("cmp.precision", share=v.object_share) if v.object_share is not None else tr("cmp.precision_na")]
    if v.under_budget:  # beside the numbers it explains, below the pictures
        notes.append(tr("cmp.adaptive", items=", ".join(f"{tr(v.label_keys[m])} {pct:+.1f} %"
                                                        for m, pct in v.under_budget)))
    st.caption("  \n".join(notes))
    downloads("compare_summary", rows=v.rows, data=lambda: views.summary_data(v))


explore()
