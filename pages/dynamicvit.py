"""DynamicViT page: kept tokens per stage and their lineage, rho and the counts it implies, inference
(top-k) vs training (Gumbel-softmax) semantics, the predictor's score maps, a Gumbel explainer."""
import streamlit as st

from vizcore.models.registry import list_models
from vizcore.plots import reduction_views as rv
from vizcore.plots.token_fate import lineage_strip
from vizcore.ui import (animation, cached, class_label, downloads, draw, fragment, labeller, load_model, method_label,
                        note_configuration, prepare_image, selection, tr)
from vizcore.ui.presenter import page_intro
from vizcore.views import animations as anim
from vizcore.views.dynamicvit import cost_rows, dynamicvit_view, token_fate_data

sel = selection()
st.title(tr("dyn.title"))
page_intro(tr("dyn.how"), tr("dyn.explain"))

candidates = sorted(list_models(family="dynamicvit"), key=lambda n: (not n.startswith("bundled"), n))
name = st.selectbox(tr("dyn.model"), candidates, key="dyn_model")
model = load_model(name)
if model is None:
    st.stop()
pixels, view, cfg = prepare_image(model)


@fragment
def explore() -> None:
    """Everything the rho / semantics / tau controls change. A fragment: moving them reruns this part only
    (not the sidebar and the header), and the pictures are computed before any of them is drawn, so the
    browser redraws the page once or twice per move, not once per element."""
    c1, c2 = st.columns([2, 3])
    rho = c1.slider(tr("dyn.rho"), 0.3, 0.95, float(model.keep_ratio), 0.05, key="dyn_rho")
    semantics = c2.radio(tr("dyn.semantics"), ["inference", "training"], key="dyn_semantics", horizontal=True,
                         format_func=labeller("dyn.sem."))
    note_configuration("dynamicvit", name, rho, model.pruning_loc)  # the Trade-offs page places it on its plot
    training = semantics == "training"
    seed, tau, samples = None, 1.0, 32
    if training:
        t1, t2, t3 = st.columns([3, 1, 2])
        tau = t1.slider(tr("dyn.tau"), 0.1, 5.0, 1.0, 0.1, key="dyn_tau")
        if t2.button(tr("dyn.resample"), key="dyn_resample", icon=":material/casino:"):
            st.session_state["dyn_seed"] = st.session_state.get("dyn_seed", 0) + 1
        seed = st.session_state.get("dyn_seed", 0)
        t3.caption(tr("dyn.sample_no", n=seed))
        samples = st.select_slider(tr("dyn.samples"), [8, 16, 32, 64], 32, key="dyn_samples")

    # --- compute (cached by the model, the pixels and the control values), then draw
    v = cached(dynamicvit_view, model, pixels, rho, semantics, tau, seed, samples)
    fate_labels = [tr("pic.input_tokens", n=v.num_patches)] + [
        tr("pic.stage_merged" if f.kind == "merge" else "pic.stage_kept", layer=f.layer, tokens=f.tokens)
        for f in v.fates]
    strip = draw(lineage_strip, view, v.fates, v.num_patches, fate_labels, tile=200)
    scores = draw(rv.score_maps, view, v.trace, {"tile": tr("pic.keep_prob_tile"), "bar": tr("pic.keep_prob")},
                  tile=200, colour_bar=True)
    if training:
        freq_img = draw(rv.frequency_vs_probability, view, v.keep_frequency, v.expected_keep, v.trace.grid,
                        list(v.pruning_loc),
                        {"sampled": tr("pic.sampled"), "predicted": tr("pic.predicted"),
                         "bar": tr("pic.share_probability")}, colour_bar=True)
    cost_labels = {"titles": (tr("dyn.axis.patch_tokens"), tr("pic.gmacs")), "x_title": tr("pic.layer"),
                   "names": {m: method_label(m) for m in v.cost_tokens}}
    cost_img = draw(rv.per_layer_cost_image, v.cost_tokens, v.cost_gmacs, **cost_labels)

    arrows = dict(n0=v.num_patches, counts=" → ".join(map(str, v.counts)), locs=", ".join(map(str, v.pruning_loc)))
    counts = (tr("dyn.counts_training", kept=" → ".join(map(str, v.kept)),
                 expected=" → ".join(f"{e:.1f}" for e in v.expected), **arrows) if training
              else tr("dyn.counts", **arrows))
    st.caption(counts + "  \n" + tr("dyn.prediction", cls=class_label(name, v.predicted), p=v.confidence))
    if training:
        st.info(tr("dyn.training_note", n=v.final_tokens))
    st.subheader(tr("dyn.fate"))
    st.image(strip, caption=tr("dyn.fate_caption"))
    downloads("dynamicvit_token_fate", png=strip,
              data=lambda: token_fate_data(v, name, rho, semantics, tau, seed))
    if st.toggle(tr("anim.fate_toggle"), key="dyn_fate_anim"):
        fate_anim = draw(anim.fate_through_layers, view, v.trace)
        animation("dynamicvit_fate_layers", fate_anim, tr("anim.fate_caption", n=len(fate_anim.frames)))
    st.subheader(tr("dyn.scores"))
    st.image(scores)
    downloads("dynamicvit_keep_prob", png=scores)

    if training:
        st.subheader(tr("dyn.freq", n=samples))
        st.markdown(tr("dyn.freq_explain"))
        st.image(freq_img)
        if st.toggle(tr("anim.gumbel_toggle"), key="dyn_gumbel_anim"):
            animation("dynamicvit_gumbel_draws", cached(anim.gumbel_draws, model, pixels, view, rho, tau, seed),
                      tr("anim.gumbel_caption", tau=tau, seed=seed))

    # drawn only while open (its picture costs about as much as all the others together on a new photo)
    gumbel_box = st.expander(tr("dyn.gumbel"), icon=":material/functions:", key="dyn_gumbel_open", on_change="rerun")
    if gumbel_box.open:
        with gumbel_box:
            st.markdown(tr("dyn.gumbel_explain"))
            gumbel_labels = {"prob": tr("pic.gumbel_prob"), "soft": tr("pic.gumbel_soft"),
                             "hard": tr("pic.gumbel_hard"), "x": tr("pic.token"), "y": tr("pic.keep_axis")}
            gumbel_img = draw(rv.gumbel_image, *v.gumbel, gumbel_labels, title=f"τ = {tau:.1f}")
            st.image(gumbel_img)
            keep_p, soft, hard = v.gumbel
            downloads("gumbel_softmax_samples", png=gumbel_img,
                      html=lambda: rv.gumbel_figure(keep_p, soft, hard, gumbel_labels, title=f"τ = {tau:.1f}"),
                      data={"keep_prob": keep_p.tolist(), "soft": soft.tolist(), "hard": hard.tolist(), "tau": tau})

    st.subheader(tr("dyn.cost"))
    st.caption(tr("dyn.cost_caption", name=name, g=v.gmacs, rho=rho, g0=v.plain_gmacs, pct=v.gmacs / v.plain_gmacs))
    st.image(cost_img)
    downloads("dynamicvit_cost", png=cost_img,
              html=lambda: rv.per_layer_cost_figure(v.cost_tokens, v.cost_gmacs, **cost_labels),
              rows=lambda: cost_rows(v))


explore()
