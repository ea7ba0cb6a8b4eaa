"""DynamicViT page: kept tokens per stage and their lineage, rho and the counts it implies, inference
(top-k) vs training (Gumbel-softmax) semantics, the predictor's score maps, a Gumbel explainer."""
import streamlit as st

from vizcore.analysis import reduction as red
from vizcore.models.registry import list_models
from vizcore.models.vit import TokenReducer
from vizcore.plots import reduction_views as rv
from vizcore.plots.token_fate import lineage_strip
from vizcore.ui import (class_label, downloads, drawn, labeller, load_model, note_configuration, prepare_image, run_cached,
                        run_trace, selection, tr)

sel = selection()
st.title(tr("dyn.title"))
with st.expander(tr("dyn.how"), icon=":material/school:"):
    st.markdown(tr("dyn.explain"))

candidates = list_models(family="dynamicvit")
candidates = sorted(candidates, key=lambda n: (not n.startswith("bundled"), n))
name = st.selectbox(tr("dyn.model"), candidates, key="dyn_model")
model = load_model(name)
if model is None:
    st.stop()
pixels, view, cfg = prepare_image(model)
n0 = model.patch_embed.num_patches
locs = list(model.pruning_loc)


@st.fragment
def explore() -> None:
    """Everything the rho / semantics / tau controls change. A fragment: moving them reruns this part only
    (not the sidebar and the header), and the pictures are computed before any of them is drawn, so the
    browser redraws the page once or twice per move, not once per element."""
    c1, c2 = st.columns([2, 3])
    rho = c1.slider(tr("dyn.rho"), 0.3, 0.95, float(model.keep_ratio), 0.05, key="dyn_rho")
    semantics = c2.radio(tr("dyn.semantics"), ["inference", "training"], key="dyn_semantics", horizontal=True,
                         format_func=labeller("dyn.sem."))
    counts = red.implied_counts(n0, rho, len(locs))
    note_configuration("dynamicvit", name, rho, locs)  # the Trade-offs page places it on its plot

    seed = None
    tau = 1.0
    samples = 32
    if semantics == "training":
        t1, t2, t3 = st.columns([3, 1, 2])
        tau = t1.slider(tr("dyn.tau"), 0.1, 5.0, 1.0, 0.1, key="dyn_tau")
        if t2.button(tr("dyn.resample"), key="dyn_resample", icon=":material/casino:"):
            st.session_state["dyn_seed"] = st.session_state.get("dyn_seed", 0) + 1
        seed = st.session_state.get("dyn_seed", 0)
        t3.caption(tr("dyn.sample_no", n=seed))
        samples = st.select_slider(tr("dyn.samples"), [8, 16, 32, 64], 32, key="dyn_samples")

    # --- compute (cached per model, image and control values)
    reducer = red.dynamicvit_reducer(model, rho, semantics, tau)
    state = [rho, semantics, tau, seed]  # what the pictures below depend on, beside the model and the image
    logits, trace = run_trace(name, model, pixels, seed=seed, reducer=reducer)
    probs = logits.softmax(-1)[0]
    strip = drawn(lineage_strip, name, state, view, trace, tile=200)
    scores = drawn(rv.score_maps, name, state, view, trace, tile=200, colour_bar=True)
    if semantics == "training":
        freq = run_cached(red.keep_frequency, name, model, pixels, samples=samples, tau=tau, seed=seed, rho=rho)
        freq_img = drawn(rv.frequency_vs_probability, name, [*state, samples], view, freq, red.expected_keep(trace),
                         trace.grid, locs, colour_bar=True)
    # the first stage's keep probabilities do not depend on rho (its predictor sees every token)
    keep_p, soft, hard = red.gumbel_demo(trace.stages[0].keep_prob[0][:12], tau=tau, samples=6, seed=seed or 0)
    gumbel_img = drawn(rv.gumbel_image, name, [semantics, tau, seed], keep_p, soft, hard, title=f"τ = {tau:.1f}")
    plain_tokens, plain_macs, plain_other = model.analytic_macs(reducer=TokenReducer())
    tokens, macs, other = model.analytic_macs(reducer=reducer)
    cost_tokens = {"dynamicvit": tokens, "plain": plain_tokens}
    cost_gmacs = {"dynamicvit": [m / 1e9 for m in macs], "plain": [m / 1e9 for m in plain_macs]}
    cost_img = drawn(rv.per_layer_cost_image, name, [rho], cost_tokens, cost_gmacs)

    # --- draw
    st.caption(tr("dyn.counts", n0=n0, counts=" → ".join(map(str, counts)), locs=", ".join(map(str, locs)))
               + "  \n" + tr("dyn.prediction", cls=class_label(name, int(probs.argmax())), p=float(probs.max())))
    if semantics == "training":
        st.info(tr("dyn.training_note", n=trace.tokens_per_layer[-1]))
    st.subheader(tr("dyn.fate"))
    st.image(strip, caption=tr("dyn.fate_caption"))

    def fate_data(trace=trace, rho=rho, semantics=semantics, tau=tau, seed=seed) -> dict:
        """The token-fate numbers, made only when the JSON button is clicked."""
        stages = [{"layer": s.layer, "kept": s.kept_mask(trace.num_patches)[0].nonzero().flatten().tolist(),
                   "keep_prob": [round(float(v), 5) for v in s.keep_prob[0]]} for s in trace.stages]
        return {"model": name, "rho": rho, "semantics": semantics, "tau": tau, "seed": seed, "grid": trace.grid,
                "stages": stages}

    downloads("dynamicvit_token_fate", png=strip, data=fate_data)
    st.subheader(tr("dyn.scores"))
    st.image(scores)
    downloads("dynamicvit_keep_prob", png=scores)

    if semantics == "training":
        st.subheader(tr("dyn.freq", n=samples))
        st.markdown(tr("dyn.freq_explain"))
        st.image(freq_img)

    with st.expander(tr("dyn.gumbel"), icon=":material/functions:"):
        st.markdown(tr("dyn.gumbel_explain"))
        st.image(gumbel_img)
        downloads("gumbel_softmax_samples", png=gumbel_img,
                  html=lambda: rv.gumbel_figure(keep_p, soft, hard, title=f"τ = {tau:.1f}"),
                  data={"keep_prob": keep_p.tolist(), "soft": soft.tolist(), "hard": hard.tolist(), "tau": tau})

    st.subheader(tr("dyn.cost"))
    g, g0 = (sum(macs) + other) / 1e9, (sum(plain_macs) + plain_other) / 1e9
    st.caption(tr("dyn.cost_caption", name=name, g=g, rho=rho, g0=g0, pct=g / g0))
    st.image(cost_img)
    downloads("dynamicvit_cost", png=cost_img, html=lambda: rv.per_layer_cost_figure(cost_tokens, cost_gmacs),
              rows=[{"layer": i, "tokens": t, "gmacs": m / 1e9} for i, (t, m) in enumerate(zip(tokens, macs))])


explore()
