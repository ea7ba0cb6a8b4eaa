"""Compare page: every registered token reducer on one image and backbone at a matched budget."""
import streamlit as st

from vizcore.analysis import reduction as red
from vizcore.models.reducer_registry import KEEP_RATIO, list_reducers, pruning_locations
from vizcore.plots import reduction_views as rv
from vizcore.plots.token_fate import fate_grid
from vizcore.ui import (downloads, drawn, load_model, mask_in_view, note_configuration, number_table, prepare_image,
                        run_trace, selection, tr)

sel = selection()
st.title(tr("cmp.title"))
with st.expander(tr("cmp.how"), icon=":material/school:"):
    st.markdown("\n".join([tr("cmp.explain"), ""] + [f"- **{tr(s.label_key)}**: {tr(s.about_key)}"
                                                     for s in list_reducers()]))

backbones = red.compare_backbones()


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
    budget = red.match_budget(backbone, rho, pruning_locations(backbone_name))
    entries = red.compare_entries(backbone_name, budget)
    # the Trade-offs page places these on its plot and highlights the last one noted: the registry's first
    for entry in reversed(entries):
        note_configuration(entry.method, entry.model, entry.setting, entry.locs)

    # --- compute (cached per model, image and setting)
    traces, logits, models = {}, {}, [backbone_name]
    plain_logits, plain_trace = run_trace(backbone_name, backbone, pixels)
    for entry in entries:
        model = backbone if entry.model == backbone_name else load_model(entry.model)
        if model is not None:
            logits[entry.method], traces[entry.method] = run_trace(entry.model, model, pixels,
                                                                   reducer=red.entry_reducer(entry, model))
            models += [entry.model] if entry.model not in models else []
    grid_img = drawn(fate_grid, models, [rho], view, traces, budget.locs, tile=170)
    tokens = {"plain": plain_trace.tokens_per_layer, **{m: t.tokens_per_layer for m, t in traces.items()}}
    macs = {"plain": [m / 1e9 for m in plain_trace.macs_per_layer],
            **{m: [v / 1e9 for v in t.macs_per_layer] for m, t in traces.items()}}
    cost_img = drawn(rv.per_layer_cost_image, models, [rho], tokens, macs)
    mask = mask_in_view(cfg)
    rows = red.summary_rows({"plain": (plain_logits, plain_trace), **{m: (logits[m], traces[m]) for m in traces}},
                            mask=mask)

    # --- draw
    st.caption(tr("cmp.budget", locs=", ".join(map(str, budget.locs)), target=budget.tokens_target,
                  matched=red.matched_settings(budget, tr)))
    missing = red.missing_reducers(backbone_name)
    if missing:
        st.caption(tr("cmp.missing", names=", ".join(tr(key) for key in missing)))
    st.subheader(tr("cmp.fates"))
    st.image(grid_img, caption=tr("cmp.legend"))
    downloads("compare_token_fate", png=grid_img)

    st.subheader(tr("cmp.cost"))
    st.image(cost_img)
    downloads("compare_cost", png=cost_img, html=lambda: rv.per_layer_cost_figure(tokens, macs),
              rows=[{"method": m, "layer": i, "tokens": t, "gmacs": g}
                    for m in tokens for i, (t, g) in enumerate(zip(tokens[m], macs[m]))])

    st.subheader(tr("cmp.table"))
    number_table(rows)
    if mask is not None:
        st.caption(tr("cmp.precision", share=rows[0]["object share"]))
    else:
        st.caption(tr("cmp.precision_na"))
    downloads("compare_summary", rows=rows, data={"backbone": backbone_name, "rho": rho, "settings": budget.settings,
                                                  "rows": rows})


explore()
