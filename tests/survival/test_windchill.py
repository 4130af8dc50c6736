"""Wind chill (JAG/TI 2001) and Environment Canada's frostbite classes."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carpathia.errors import InputError
from carpathia.survival import FROSTBITE_CLASSES, frostbite_risk, wind_chill, wind_chill_index


def test_published_example():
    wc = wind_chill(-20, 30)
    assert wc.valid and wc.reason is None
    assert round(wc.value_c, 1) == -32.6
    assert wc.frostbite.minutes == (10, 30)
    assert wc.to_dict()["wind_chill_c"] == -32.6 and wc.to_dict()["frostbite_minutes"] == [10, 30]


@pytest.mark.parametrize(
    ("t", "v", "table"),
    [  # Environment Canada's wind chill table (whole degrees)
        (-10, 20, -18),
        (-30, 50, -49),
        (0, 10, -3),
    ],
)
def test_environment_canada_table(t, v, table):
    assert round(wind_chill(t, v).value_c) == table


@pytest.mark.parametrize(
    ("wci", "minutes"),
    [
        (-27.4, None),
        (-27.49, None),
        (-27.5, (10, 30)),
        (-28.0, (10, 30)),
        (-39.0, (10, 30)),
        (-39.49, (10, 30)),
        (-39.5, (5, 10)),
        (-40.0, (5, 10)),
        (-47.0, (5, 10)),
        (-47.5, (2, 5)),
        (-48.0, (2, 5)),
        (-54.0, (2, 5)),
        (-54.5, (0, 2)),
        (-55.0, (0, 2)),
        (-80.0, (0, 2)),
        (5.0, None),
    ],
)
def test_frostbite_class_boundaries(wci, minutes):
    risk = frostbite_risk(wci)
    assert (risk.minutes if risk else None) == minutes


def test_classes_are_ordered_and_contiguous():
    warm = [c.wci_range[0] for c in FROSTBITE_CLASSES]
    assert warm == [-28, -40, -48, -55]
    for a, b in itertools.pairwise(FROSTBITE_CLASSES):
        assert a.wci_range[1] == b.wci_range[0] + 1
        assert a.minutes[0] == b.minutes[1]


def test_outside_validity_says_so_instead_of_extrapolating():
    warm = wind_chill(10.5, 30)
    assert not warm.valid and warm.value_c is None and "10" in warm.reason and warm.frostbite is None
    assert wind_chill(10.0, 30).valid
    assert wind_chill(-5, 4.8).valid
    calm = wind_chill(-45, 2)
    assert not calm.valid and calm.value_c is None and "4.8" in calm.reason
    # the class at 4.8 km/h bounds the risk from above (the index falls with wind)
    assert calm.frostbite == frostbite_risk(wind_chill_index(-45, 4.8)) and calm.frostbite.minutes == (2, 5)
    assert wind_chill(-5, 0).frostbite is None
    assert calm.to_dict()["wind_chill_c"] is None


@pytest.mark.parametrize(("t", "v", "field"), [(-10, -5, "wind"), (90, 10, "air temperature"), (math.nan, 10, "air")])
def test_bad_inputs(t, v, field):
    with pytest.raises(InputError, match=field):
        wind_chill(t, v)
    with pytest.raises(ValueError):  # also a built-in
        wind_chill(t, v)


def test_raw_formula_is_vectorised():
    t = np.array([-20.0, -10.0])
    v = np.array([30.0, 20.0])
    out = wind_chill_index(t, v)
    assert out.shape == (2,) and np.allclose(out, [wind_chill(-20, 30).value_c, wind_chill(-10, 20).value_c])


@given(
    st.floats(-60, 10, allow_nan=False),
    st.floats(4.8, 150, allow_nan=False),
    st.floats(0, 50, allow_nan=False),
)
def test_colder_and_windier_never_warmer(t, v, dv):
    base = wind_chill_index(t, v)
    assert wind_chill_index(t, v + dv) <= base + 1e-9
    assert wind_chill_index(t - dv / 5, v) <= base + 1e-9
    assert base <= t + 1e-9  # in its domain the index is never above the air temperature
