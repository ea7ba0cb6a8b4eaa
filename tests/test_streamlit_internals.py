"""What vizcore.ui.streamlit_internals hooks in Streamlit is still there and still used. A failure here
after a Streamlit upgrade names the hook to revisit (the app would otherwise just get slower, or a deep
link would lose its sidebar, without an error)."""
import inspect
import tomllib

import numpy as np
import streamlit
from streamlit import config
from streamlit.elements.lib import image_utils
from streamlit.runtime.pages_manager import PagesManager

from conftest import ROOT
from vizcore.ui import streamlit_internals

UPGRADE = f"(Streamlit {streamlit.__version__}: revisit vizcore/ui/streamlit_internals.py)"


def _encoder():
    encode = getattr(image_utils, streamlit_internals.IMAGE_ENCODER, None)
    assert encode is not None, (f"streamlit.elements.lib.image_utils.{streamlit_internals.IMAGE_ENCODER} is gone: "
                                f"memoise_image_encoding hooks it {UPGRADE}")
    return encode


def test_the_image_encoder_is_there_with_its_signature_and_memoised():
    encode = _encoder()
    assert getattr(encode, "memoised", False), f"importing vizcore.ui did not install the encoder memo {UPGRADE}"
    params = list(inspect.signature(encode.original).parameters)
    assert params[:2] == ["array", "output_format"], (
        f"image_utils.{streamlit_internals.IMAGE_ENCODER} now takes {params}; the memo passes "
        f"(array, output_format) {UPGRADE}")


def test_st_image_still_encodes_numpy_pictures_through_the_hooked_function(monkeypatch):
    from streamlit.testing.v1 import AppTest
    calls = []
    encode = _encoder()

    def counting(array, output_format="JPEG"):
        calls.append(array.shape)
        return encode(array, output_format)

    monkeypatch.setattr(image_utils, streamlit_internals.IMAGE_ENCODER, counting)
    at = AppTest.from_string("import numpy as np, streamlit as st\n"
                             "st.image(np.full((8, 8, 3), 200, np.uint8))\n")
    at.run()
    assert not at.exception
    assert calls == [(8, 8, 3)], (f"st.image no longer encodes numpy arrays through image_utils."
                                  f"{streamlit_internals.IMAGE_ENCODER}: the memo does nothing {UPGRADE}")


def test_the_memo_encodes_each_picture_from_its_own_pixels():
    encode = _encoder()
    a = np.zeros((4, 4, 3), np.uint8)
    b = np.full((4, 4, 3), 255, np.uint8)
    assert encode(a, "PNG") == encode.original(a, "PNG") != encode(b, "PNG") == encode.original(b, "PNG")


def test_the_pages_directory_switch_is_still_a_class_attribute():
    assert "uses_pages_directory" in vars(PagesManager), (
        f"PagesManager.uses_pages_directory is gone: ensure_navigation switches the old folder-based "
        f"multipage mode off through it {UPGRADE}")
    source = inspect.getsource(streamlit.commands.navigation)
    assert "uses_pages_directory = False" in source, (
        f"st.navigation no longer switches PagesManager.uses_pages_directory off itself; ensure_navigation "
        f"mirrors what it did {UPGRADE}")


def test_the_runner_gc_setting_that_gc_freezing_pairs_with_exists_and_is_off():
    try:
        config.get_option("runner.postScriptGC")
    except RuntimeError:
        raise AssertionError(f"the runner.postScriptGC option is gone: .streamlit/config.toml switches it off "
                             f"and freeze_long_lived_objects assumes so {UPGRADE}") from None
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["runner"]["postScriptGC"] is False
