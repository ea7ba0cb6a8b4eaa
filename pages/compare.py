"""Compare page: DynamicViT, EViT, ToMe and random drop on one image and backbone at a matched budget."""
import streamlit as st

from vizcore.analysis import reduction as red
from vizcore.models.registry import list_models
from vizcore.plots import reduction_views as rv
from vizcore.plots.token_fate import fate_grid
from vizcore.ui import (downloads, drawn, load_model, mask_in_view, note_configuration, number_table, prepare_image,
                        run_trace, selection, tr)

sel = selection()
st.title(tr("cmp.title"))
with st.expander(tr("cmp.how"), icon=":material/school:"):
    st.markdown(tr("cmp.explain"))

# a backbone and the DynamicViT model built on the same configuration
PAIRS = {"bundled_vit": "bundled_dynamicvit", "deit_small_patch16_224": "dynamicvit_deit_small",
         "deit_base_patch16_224": "dynamicvit_deit_base", "deit_tiny_patch16_224": None}
known = set(list_models())
backbones = [b for b in PAIRS if b in known]


@st.fragment
def explore() -> None:
    """The backbone and rho and all they change. A fragment: moving them reruns this part only, and the
    pictures are computed before any of them is drawn (one or two browser redraws per move)."""
    c1, c2 = st.columns(2)
    backbone_name = c1.selectbox(tr("cmp.backbone"), backbones, key="cmp_backbone")
    rho = c2.slider(tr("cmp.rho"), 0.3, 0.95, 0.7, 0.05, key="cmp_rho")
    backbone = load_model(backbone_name)
    if backbone is None:
        return
    pixels, view, cfg = prepare_image(backbone)
    dyn_name = PAIRS.get(backbone_name)
    dyn = load_model(dyn_name) if dyn_name in known else None
    depth = len(backbone.blocks)
    locs = tuple(dyn.pruning_loc) if dyn is not None else (depth // 4, depth // 2, 3 * depth // 4)
    budget = red.match_budget(backbone, rho, locs)
    # the Trade-offs page places these on its plot (the last one noted is highlighted there)
    note_configuration("tome", backbone_name, budget.tome_r)
    for method in ("random_drop", "evit"):
        note_configuration(method, backbone_name, rho, budget.locs)
    if dyn is not None:
        note_configuration("dynamicvit", dyn_name, rho, budget.locs)

    # --- compute (cached per model, image and rho)
    traces, logits = {}, {}
    plain_logits, plain_trace = run_trace(backbone_name, backbone, pixels)
    if dyn is not None:
        logits["dynamicvit"], traces["dynamicvit"] = run_trace(dyn_name, dyn, pixels,
                                                               reducer=red.dynamicvit_reducer(dyn, rho))
    for method, reducer in red.compare_reducers(budget).items():
        logits[method], traces[method] = run_trace(backbone_name, backbone, pixels, reducer=reducer)
    models = [backbone_name] + ([dyn_name] if dyn is not None else [])
    grid_img = drawn(fate_grid, models, [rho], view, traces, budget.locs, tile=170)
    tokens = {"plain": plain_trace.tokens_per_layer, **{m: t.tokens_per_layer for m, t in traces.items()}}
    macs = {"plain": [m / 1e9 for m in plain_trace.macs_per_layer],
            **{m: [v / 1e9 for v in t.macs_per_layer] for m, t in traces.items()}}
    cost_img = drawn(rv.per_layer_cost_image, models, [rho], tokens, macs)
    mask = mask_in_view(cfg)
    rows = red.summary_rows({"plain": (plain_logits, plain_trace), **{m: (logits[m], traces[m]) for m in traces}},
                            mask=mask)

    # --- draw
    st.caption(tr("cmp.budget", locs=", ".join(map(str, budget.locs)), r=budget.tome_r, target=budget.tokens_target))
    if dyn is None:
        st.caption(tr("cmp.no_dynamicvit"))
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
    downloads("compare_summary", rows=rows, data={"backbone": backbone_name, "rho": rho, "tome_r": budget.tome_r,
                                                  "rows": rows})


explore()
