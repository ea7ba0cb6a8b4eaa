"""The load generator's protocol client (``python -m vizcore load --client protocol``): it keeps the app's
widgets and sends what Streamlit's frontend sends (every widget state, a fragment's id, a page switch with the
sidebar's states only), its leak check can fail, and against a real server (marked ``server``: it starts one)
two sessions finish with no error and no leak, each shown its own upload, in both languages."""
import asyncio
import json
import time

import pytest
from streamlit.proto.ButtonGroup_pb2 import ButtonGroup
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Radio_pb2 import Radio
from streamlit.proto.Slider_pb2 import Slider

from vizcore import load_common, load_protocol
from vizcore.bench_ui import ROOT, _serve
from vizcore.cli import main
from vizcore.load_protocol import AppView, ProtocolSession, drawn_state

MAIN, PAGE_A, PAGE_B = "main-hash", "page-a-hash", "page-b-hash"


# ------------------------------------------------------------------------ messages as the server sends them
def new_session(run: str, fragments=()) -> ForwardMsg:
    msg = ForwardMsg()
    msg.new_session.main_script_hash = MAIN
    msg.new_session.initialize.session_id = "session-1"
    msg.metadata.run.script_run_id = run
    msg.metadata.run.fragment_ids.extend(fragments)
    return msg


def navigation(page: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.navigation.page_script_hash = page
    for url, page_hash in (("", PAGE_A), ("b", PAGE_B)):
        msg.navigation.app_pages.add(url_pathname=url, page_script_hash=page_hash)
    return msg


def element(path, kind: str, proto, script: str = MAIN, fragment: str = "") -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.metadata.active_script_hash = script
    msg.delta.fragment_id = fragment
    getattr(msg.delta.new_element, kind).CopyFrom(proto)
    return msg


def finished(run: str, fragments=()) -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = (ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY if fragments
                           else ForwardMsg.FINISHED_SUCCESSFULLY)
    msg.metadata.run.script_run_id = run
    msg.metadata.run.fragment_ids.extend(fragments)
    return msg


LANG = Radio(id="$$ID-1-lang", label="Language", options=["English", "简体中文"], default=0)
MODE = Radio(id="$$ID-2-image_mode", label="Image source", options=["Gallery", "Scene", "Upload"],
             set_value=True, raw_value="Scene")
KERNEL = Slider(id="$$ID-3-t2t_k0", label="kernel k", default=[7], min=1, max=9, step=1)
VIEW = Radio(id="$$ID-4-wk_scale", label="Scale", options=["per map", "shared"], default=0)


def states(msg) -> dict:
    """{user key: value} of a rerun BackMsg's widget states."""
    out = {}
    for s in msg.rerun_script.widget_states.widgets:
        value = getattr(s, s.WhichOneof("value"))
        out[load_protocol.widget_key(s.id)] = list(value.data) if hasattr(value, "data") else value
    return out


def drawn_app() -> AppView:
    """Home's first run: the sidebar (language, image source) and, in a fragment of the page, a slider."""
    view = AppView()
    for msg in (new_session("r1"), navigation(PAGE_A),
                element((1, 0), "radio", LANG), element((1, 1), "radio", MODE),
                element((0, 0), "slider", KERNEL, script=PAGE_A, fragment="frag-1"),
                element((0, 1), "radio", VIEW, script=PAGE_A)):
        assert view.apply(msg) == []
    page_info = ForwardMsg()
    page_info.page_info_changed.query_string = "lang=en&image_mode=scene"
    view.apply(page_info)
    view.apply(finished("r1"))
    return view


# ------------------------------------------------------------------------ the frontend's behaviour
def test_widgets_hold_the_value_they_were_drawn_with():
    assert drawn_state("radio", LANG).string_value == "English"  # the default option's label
    assert drawn_state("radio", MODE).string_value == "Scene"  # the value the server set
    assert list(drawn_state("slider", KERNEL).double_array_value.data) == [7]
    select = Slider(id="s", options=["8", "16", "32"], default=[2], type=Slider.SELECT_SLIDER)
    assert list(drawn_state("slider", select).string_array_value.data) == ["32"]
    group = ButtonGroup(id="g", default=[1])
    group.options.add(content="Grid")
    group.options.add(content="Windows", content_icon=":material/grid_view:")
    assert list(drawn_state("button_group", group).string_array_value.data) == [":material/grid_view: Windows"]
    count = NumberInput(id="n", data_type=NumberInput.INT, default=3)
    assert drawn_state("number_input", count).WhichOneof("value") == "int_value"
    assert drawn_state("radio", Radio(id="r", options=["a"])) is None  # no option chosen: no state


def test_a_control_in_a_fragment_sends_every_state_and_the_fragment():
    view = drawn_app()
    kernel = view.find("slider", 0)[0][1]
    moved = load_protocol.next_slider_state(kernel, view.widgets[KERNEL.id])
    msg = view.change(kernel, moved)
    assert msg.rerun_script.fragment_id == "frag-1" and msg.rerun_script.page_script_hash == PAGE_A
    assert msg.rerun_script.query_string == "lang=en&image_mode=scene"
    assert states(msg) == {"lang": "English", "image_mode": "Scene", "t2t_k0": [6], "wk_scale": "per map"}
    # the fragment's run draws the slider again without set_value: the client keeps its own state; the
    # fragment's nodes not drawn again go, the rest of the page stays
    view.apply(new_session("r2", ["frag-1"]))
    view.apply(element((0, 0), "slider", KERNEL, script=PAGE_A, fragment="frag-1"))
    view.apply(finished("r2", ["frag-1"]))
    assert states(view.rerun()) == {"lang": "English", "image_mode": "Scene", "t2t_k0": [6], "wk_scale": "per map"}
    # a control outside any fragment reruns the whole script; a radio group goes to its next option
    scale = view.find("radio", 0)[0][1]
    msg = view.change(scale, load_protocol.next_radio_state(scale, view.widgets[VIEW.id]))
    assert not msg.rerun_script.fragment_id and states(msg)["wk_scale"] == "shared"


def test_a_page_switch_sends_the_sidebar_only_and_stale_widgets_go():
    view = drawn_app()
    msg = view.switch_page("b")
    assert msg.rerun_script.page_script_hash == PAGE_B and msg.rerun_script.query_string == ""
    assert states(msg) == {"lang": "English", "image_mode": "Scene"}
    assert view.find("slider", 0) == []  # the page's elements were dropped
    # the new page's run draws the language but no image source: that widget's state goes
    for m in (new_session("r3"), navigation(PAGE_B), element((1, 0), "radio", LANG), finished("r3")):
        view.apply(m)
    assert states(view.rerun()) == {"lang": "English"}
    with pytest.raises(LookupError):
        view.switch_page("nowhere")


def test_cached_messages_are_referred_to_by_hash_and_problems_are_reported():
    view = drawn_app()
    big = element((0, 2), "markdown", type(ForwardMsg().delta.new_element.markdown)(body="a long text"),
                  script=PAGE_A)
    big.hash, big.metadata.cacheable = "h1", True
    view.apply(new_session("r4"))
    view.apply(big)
    assert "h1" in view.rerun().rerun_script.cached_message_hashes
    ref = ForwardMsg(ref_hash="h1")
    ref.metadata.delta_path.extend((0, 3))
    assert view.apply(ref) == [] and [n.proto.body for _, n in view.find("markdown", 0)] == ["a long text"] * 2
    assert view.apply(ForwardMsg(ref_hash="unknown"))  # a reference the client cannot resolve: a problem
    shown = element((0, 4), "exception", type(ForwardMsg().delta.new_element.exception)(type="ValueError",
                                                                                    message="bad"))
    assert view.apply(shown) == ["an exception shown: ValueError: bad"]


def test_the_leak_check_can_fail():
    sessions = 4
    visitor = load_common.Visitor(1, sessions)  # session 1: Chinese
    visitor.check("own", load_common.session_colour(1, sessions), "图像来源")
    assert (visitor.leaks, visitor.errors) == ([], [])
    visitor.check("other's photo", load_common.session_colour(2, sessions), "图像来源")
    visitor.check("other's language", load_common.session_colour(1, sessions), "Image source")
    assert len(visitor.leaks) == 2 and "sees session 2's photo" in visitor.leaks[0]
    assert "not in its language zh" in visitor.leaks[1]
    visitor.check("no upload", (128, 128, 128), "图像来源")  # no session's colour: its upload was not shown
    visitor.check("no picture", None, "图像来源")
    assert len(visitor.errors) == 2 and len(visitor.leaks) == 2


# ------------------------------------------------------------------------ against a real server
@pytest.fixture(scope="module")
def server():
    proc, url = _serve(ROOT / "app.py", ROOT)
    try:
        yield proc, url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except Exception:  # it did not stop in time
            proc.kill()


@pytest.mark.server
def test_two_protocol_sessions_see_no_error_and_no_leak(server, capsys):
    proc, url = server
    code = main(["load", "--client", "protocol", "--url", url, "--server-pid", str(proc.pid), "--sessions", "2",
                 "--seconds", "6", "--timeout", "150", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert (result["errors"], result["leaks"]) == (0, 0), result["error_samples"] + result["leak_samples"]
    assert code == 0 and result["client"] == "protocol" and result["server_up"]
    assert result["answered"] == 2 and result["uploads_shown"] == 2 and result["languages"] == ["en", "zh"]
    assert result["by_kind"]["open"]["n"] >= 2 and result["by_kind"]["setup"]["n"] >= 7  # 3 each, a language
    assert 200 < result["rss_peak_mb"] < 4000


@pytest.mark.server
def test_a_fragment_control_runs_the_fragment_and_a_shared_photo_is_a_leak(server):
    _, url = server

    async def visit():
        # session 2 of 3 (English), given session 0's photo: what a session shown another's upload looks like
        impostor = ProtocolSession(2, 3, url, 150)
        await impostor.connect()
        try:
            assert await impostor.open_home() and await impostor.choose("mode", "radio", "image_mode", "Upload")
            assert await impostor.upload(load_common.session_photo(0, 3))
            await impostor.check_sidebar("home")
            assert await impostor.open_page("t2t") and await impostor.move_control("t2t")
            query, frontend_copy = impostor.view.location, impostor.view.query
        finally:
            await impostor.close()
        return impostor, query, frontend_copy
    t0 = time.monotonic()
    impostor, query, frontend_copy = asyncio.run(visit())
    assert impostor.leaks and "sees session 0's photo" in impostor.leaks[0]
    assert impostor.errors == [], impostor.errors
    assert impostor.last_run_fragments  # the slider sits in st.fragment: the fragment ran alone
    assert "t2t_k0=6" in query, query  # the kernel moved one step down from 7 (the page wrote it to the address)
    assert "t2t_k0=7" in frontend_copy, frontend_copy  # in the browser: Streamlit's copy still has the first run's
    assert time.monotonic() - t0 < 300


def test_a_visitor_reads_between_interactions_for_about_its_think_time():
    import asyncio
    import time

    from vizcore.load_common import Visitor
    v = Visitor(1, 4)
    t0 = time.monotonic()
    asyncio.run(v.read())
    assert time.monotonic() - t0 < 0.05  # think 0: back to back
    v.think = 0.2
    waits = []
    for _ in range(4):
        t0 = time.monotonic()
        asyncio.run(v.read())
        waits.append(time.monotonic() - t0)
    assert all(0.1 <= w <= 0.4 for w in waits), waits
    assert len({round(w, 2) for w in waits}) > 1  # drawn, not fixed
    again = Visitor(1, 4)
    assert again._reading.random() == Visitor(1, 4)._reading.random()  # seeded per session
