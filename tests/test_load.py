"""The load generator (``python -m vizcore load``): its photos tell sessions apart, and a short run with one
session against a real server completes with no error and no leak (browser)."""
import io
import json

import numpy as np
import pytest
from PIL import Image

from vizcore import load
from vizcore.cli import main


def test_every_session_has_a_photo_the_leak_check_tells_apart():
    sessions = 30
    colours = [load.session_colour(i, sessions) for i in range(sessions)]
    assert len(set(colours)) == sessions
    for i in range(sessions):
        photo = np.asarray(Image.open(io.BytesIO(load.session_photo(i, sessions))))
        h, w, _ = photo.shape
        centre = photo[h // 2 - 8:h // 2 + 8, w // 2 - 8:w // 2 + 8].reshape(-1, 3).mean(0)
        assert load.nearest_session(centre, sessions) == i
        # a JPEG-like error of a few levels does not make it another session's
        assert load.nearest_session(centre + np.array([6, -6, 6]), sessions) == i
    assert load.session_photo(0, sessions) != load.session_photo(1, sessions)


def test_percentile_is_the_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert load.percentile(values, 95) == 19.0 and load.percentile(values, 50) == 10.0
    assert load.percentile([3.0], 95) == 3.0 and load.percentile([], 95) is None


def test_the_command_refuses_zero_sessions(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["load", "--sessions", "0"])
    assert exit_.value.code == 2 and "at least 1" in capsys.readouterr().err


@pytest.mark.browser
def test_a_short_run_sees_no_error_and_no_leak(capsys):
    code = main(["load", "--sessions", "2", "--seconds", "8", "--json", "--timeout", "150"])
    result = json.loads(capsys.readouterr().out)
    assert (result["errors"], result["leaks"]) == (0, 0), result["error_samples"] + result["leak_samples"]
    assert code == 0 and result["answered"] == 2 and result["server_up"]
    assert result["by_kind"]["open"]["n"] >= 2 and result["p95_s"] > 0
    assert 200 < result["rss_peak_mb"] < 4000
