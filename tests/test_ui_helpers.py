"""Small helpers of vizcore.ui that the pages share."""
import math

import numpy as np

from vizcore.ui import number_text


def test_number_text():
    assert number_text(145.0) == "145" and number_text(np.float32(3.0)) == "3"
    assert number_text(np.int64(196)) == "196" and number_text(7) == "7"
    assert number_text(0.9485) == "0.9485" and number_text(93.7) == "93.7" and number_text(0.073214) == "0.07321"
    assert number_text(12345.6) == "12346" and number_text(-0.5) == "-0.5"
    assert number_text(math.nan) == "–" and number_text(None) == "–"
    assert number_text(True) == "True"
