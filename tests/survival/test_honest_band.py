"""Issue 13 item 5 and 8, issue 21: the survival clock states a band, never impossibility."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from carpathia.survival import predict_cold_survival, survivability_prior, time_left
from carpathia.survival.urgency import SEARCH_RULE, _p_core_above


def test_band_ends_are_read_as_10_and_90_percent():
    """At the pessimistic end of the band the core is still above 30 °C with probability 0.90."""
    central, low, high = 10.0, 5.0, 14.0  # the low side is the wider in log terms
    assert _p_core_above(low, central, low, high) == pytest.approx(0.90, abs=1e-9)
    assert _p_core_above(central, central, low, high) == pytest.approx(0.5, abs=1e-12)


def test_adams_prior_counts_hours_of_search_not_since_last_seen():
    """Adams et al. (2007): 99 % of survivors found within 51 h of search time (since the report)."""
    p = predict_cold_survival(-5, 10, clothing="winter")
    left = time_left(p, hours_missing=60, hours_searching=20)
    assert left.p_alive_prior == pytest.approx(survivability_prior(20))
    assert left.hours_searching == 20 and left.hours_missing == 60
    assert time_left(p, 60).p_alive_prior == pytest.approx(survivability_prior(60))  # default: no later report
    assert not any("past 51 h" in h for h in left.hints)


def test_a_hopeless_model_still_states_a_band_and_the_rule():
    p = predict_cold_survival(-30, 80, clothing="light")
    left = time_left(p, hours_missing=48)
    assert left.p_alive_cold < 0.01
    lo, hi = left.p_alive_band
    assert 0.01 <= lo <= hi <= 1 and math.isfinite(lo) and math.isfinite(hi)
    d = left.to_dict()
    assert d["rule"] == SEARCH_RULE and "never justify ending a search" in SEARCH_RULE
    assert "0 %" not in left.p_alive_text and "under 1 %" in left.p_alive_text
    assert any(SEARCH_RULE in h for h in left.hints)


WORDS_OF_IMPOSSIBILITY = ("impossible", "no chance", "not survivable", "unsurvivable", "dead", " 0%", " 0 %")


def test_issue_13_acceptance_command():
    """carpathia survival --temp -10 --wind 40 --clothing winter --activity walking --hours-missing 48 --json."""
    from carpathia.cli._main import app

    args = [
        "survival",
        "--temp",
        "-10",
        "--wind",
        "40",
        "--clothing",
        "winter",
        "--activity",
        "walking",
        "--hours-missing",
        "48",
        "--json",
    ]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    band = d["time_left"]["p_alive_band"]
    assert len(band) == 2 and all(isinstance(x, float) and math.isfinite(x) and 0 < x <= 1 for x in band)
    assert band[0] <= band[1]
    assert d["band_h"][0] is not None and math.isfinite(d["band_h"][0])
    low = r.output.lower()
    assert not any(w in low for w in WORDS_OF_IMPOSSIBILITY)
    assert "never justify ending a search" in low
    text = CliRunner().invoke(app, args[:-1])
    assert text.exit_code == 0 and "P(alive)" in text.output and "0%" not in text.output


def test_beyond_the_horizon_is_not_certainty_when_the_pessimistic_end_is_finite():
    """The central walker outlasts the run; the pessimistic one does not: P is below 1, not 1."""
    from carpathia.survival import survival_clock

    c = survival_clock(air_temp_c=-10, wind_kmh=40, clothing="winter", activity="walking", hours_missing=48)
    assert c.cold.horizon_h >= 72  # the model runs a day past the hours missing
    assert math.isinf(c.cold.hours_to_core_30c) and math.isfinite(c.cold.band_h[0])
    assert 0.01 < c.time_left.p_alive_cold < 0.95
    # the lognormal through (pessimistic end at 10 %, horizon at 50 %)
    low, hz = c.cold.band_h[0], c.cold.horizon_h
    assert _p_core_above(low, math.inf, low, math.inf, hz) == pytest.approx(0.90, abs=1e-9)
