"""A page's state in its address: fields, parse / encode, bad values and links (no Streamlit)."""
import pytest

from vizcore.views import address as A


def example(f: A.Field):
    """A valid value of field ``f`` other than its default where there is one."""
    if f.kind == "choice":
        options = f.choices()
        return options[-1] if options[-1] != f.default else options[0]
    if f.kind == "bool":
        return not f.default
    if f.kind == "head":
        return 1
    if f.kind == "text":
        return "some text"
    high = f.high if isinstance(f.high, (int, float)) else (f.low or 0) + 3
    return (f.low + high) / 2 if f.kind == "float" else int(high)


@pytest.mark.parametrize("page", list(A.PAGES))
def test_every_field_survives_encode_and_parse(page):
    state = {f.key: example(f) for f in A.fields(page)}
    query = A.encode_state(page, state)
    back, notes = A.parse_query(page, query)
    assert not notes
    for f in A.fields(page):
        if f.kind == "float":
            assert back[f.key] == pytest.approx(state[f.key])
        else:
            assert back[f.key] == state[f.key], f.key
        assert type(back[f.key]) is type(state[f.key]), f.key


def test_defaults_are_left_out_but_language_always_written():
    query = A.encode_state("dynamicvit", {"lang": "en", "dyn_tau": 1.0, "dyn_semantics": "inference", "dyn_rho": 0.7})
    assert query == {"lang": "en", "dyn_rho": "0.7"}


def test_values_are_language_independent():
    query = A.encode_state("home", {"image_mode": "scene", "scene_index": 7})
    assert query == {"image_mode": "scene", "scene_index": "7"}


@pytest.mark.parametrize("key, text", [("dyn_rho", "2"), ("dyn_rho", "abc"), ("dyn_rho", "nan"), ("scene_index", "-1"),
                                       ("scene_index", "1.5"), ("image_mode", "Scene"), ("dyn_samples", "7"),
                                       ("show_mask", "maybe"), ("lang", "fr")])
def test_a_bad_value_is_left_out_with_a_note(key, text):
    state, notes = A.parse_query("dynamicvit", {key: text, "dyn_tau": "2.5"})
    assert key not in state and state["dyn_tau"] == 2.5
    assert [(n.key, n.value, n.reason) for n in notes] == [(key, text, "bad")]
    assert "expected" in str(notes[0]) or "does not fit" in str(notes[0])


def test_unknown_keys_get_a_note_other_pages_keys_are_dropped_quietly():
    state, notes = A.parse_query("attention", {"dyn_rho": "0.5", "zzz": "1", "present": "1", "attn_view": "grid"})
    assert state == {"attn_view": "grid"}
    assert [(n.key, n.reason) for n in notes] == [("zzz", "unknown")]


def test_model_dependent_range_checked_only_when_known():
    f = A.field_of("attn_layer")
    assert f.parse("40") == 40                         # no model: its type only
    assert f.parse("5", {"layers": 5}) == 5
    with pytest.raises(A.AddressError, match="from 0 to 5"):
        f.parse("6", {"layers": 5})
    head = A.field_of("attn_head")
    assert head.parse("max") == "max" and head.parse("1", {"heads": 1}) == 1
    with pytest.raises(A.AddressError):
        head.parse("2", {"heads": 1})


def test_link_round_trip():
    state = {"lang": "zh", "image_mode": "scene", "scene_index": 3, "dyn_rho": 0.55, "dyn_semantics": "training",
             "dyn_seed": 4, "lesson": "dynamicvit_in_5_steps", "step": 2}
    url = A.make_link("http://localhost:8501/", "dynamicvit", state)
    assert url.startswith("http://localhost:8501/dynamicvit?lang=zh&image_mode=scene&scene_index=3")
    page, back, notes = A.parse_link(url)
    assert page == "dynamicvit" and back == state and not notes
    assert A.parse_link("http://h:1/?lang=zh")[:2] == ("home", {"lang": "zh"})
    assert A.parse_link("http://h:1/app/compare?cmp_rho=0.5")[:2] == ("compare", {"cmp_rho": 0.5})


def test_a_path_naming_no_page_is_a_clear_error():
    with pytest.raises(KeyError, match="opens no page"):
        A.parse_link("http://h:1/nowhere?x=1")
    with pytest.raises(KeyError, match="no page"):
        A.fields("nowhere")


def test_which_addresses_a_run_takes_from_outside():
    """A run takes the address's values only when this session did not write it: the front end's older copy
    (a fragment wrote the newer one in the browser) is not a link, unless the run is back / forward to it."""
    first, moved_on = {"lang": "en", "dyn_rho": "0.6"}, {"lang": "en", "dyn_rho": "0.5"}
    assert A.from_outside(first, None, None, moved=False, history=False)            # a new session: a link
    assert not A.from_outside(moved_on, moved_on, first, moved=False, history=False)  # what it wrote last
    assert not A.from_outside(first, moved_on, first, moved=False, history=False)     # the front end's copy
    assert A.from_outside(first, moved_on, first, moved=False, history=True)          # back to that address
    assert A.from_outside({"lang": "en", "dyn_rho": "0.55"}, moved_on, first, moved=False, history=True)
    assert A.from_outside({"lang": "en", "dyn_rho": "0.7"}, moved_on, first, moved=False, history=False)  # by hand
    # a page switch keeps a part of the last page's address (or none of it): not a link; something else is
    assert not A.from_outside({"lang": "en"}, moved_on, first, moved=True, history=False)
    assert A.from_outside({"lang": "zh"}, moved_on, first, moved=True, history=False)
