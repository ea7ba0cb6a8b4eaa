"""The published table's settings and throughputs in the reader's words (the Trade-offs page, 简体中文)."""
from vizcore.analysis import tradeoffs as T
from vizcore.i18n import t
from vizcore.views import tradeoffs as views


def test_published_words_are_replaced_whole_and_only_there():
    zh = {name: t(f"trade.pub.{name}", "zh") for name in views.PUBLISHED_WORDS}
    v = views.tradeoffs_view("bundled", [], "yours", {}, memo=lambda fn, *a: fn(*a), no_setting="完整模型", words=zh)
    settings = [p["setting"] for p in v.published]
    throughputs = [p["throughput"] for p in v.published]
    assert "ρ 0.7" in settings and "保留 0.7, 融合" in settings and "r 0" in settings
    assert any("现成权重" in s for s in settings) and any(s.endswith("图/秒 (V100)") for s in throughputs)
    for word in views.PUBLISHED_WORDS.values():  # nothing of the papers' English vocabulary is left
        assert not any(word in s for s in settings + throughputs), word
    # the model names, hardware and sources stay as the papers write them
    assert [(p["model"], p["source"]) for p in v.published] == [(p.model, p.source) for p in T.published()]
    # without words: the papers' own
    plain = views.tradeoffs_view("bundled", [], "yours", {}, memo=lambda fn, *a: fn(*a))
    assert [p["throughput"] for p in plain.published] == [p.throughput for p in T.published()]
    assert "keep 0.7, fused" in {p["setting"] for p in plain.published}


def test_a_word_inside_another_is_left_alone():
    assert views._reworded("keeper rho 0.7, keep", {"keep": "K", "rho": "ρ"}) == "keeper ρ 0.7, K"


def test_configuration_labels_carry_their_tag_in_the_readers_words():
    import streamlit as st

    from vizcore.ui import configuration_label, method_label
    st.session_state["lang"] = "zh"
    try:
        assert configuration_label("random 0.7", "random_drop") == "随机 0.7"
        assert configuration_label("EViT 0.7", "evit") == "EViT 0.7" and configuration_label("ViT", "plain") == "ViT"
        assert method_label("vit") == "ViT"  # the published table's family
    finally:
        st.session_state["lang"] = "en"
    assert configuration_label("random 0.7", "random_drop") == "random 0.7"
