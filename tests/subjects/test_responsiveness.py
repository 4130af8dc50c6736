"""Behavioural responsive share per subject category (issue 13 item 2)."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from carpathia.errors import InputError
from carpathia.subjects import categories, responsive_share, responsive_table


def test_dementia_answers_one_percent_of_the_time():
    """dbS Productions' Alzheimer's profile: 'respond to shouts (only 1% response rate)'."""
    for name in ("Dementia", "alzheimer's", "dementia"):
        r = responsive_share(name)
        assert r.category == "Dementia" and r.share == 0.01
        assert not r.assumption and "dbS" in r.source and "1%" in r.source


def test_every_category_has_a_sourced_share_and_unknown_is_unresponsive():
    table = responsive_table()
    shipped = resources.files("carpathia.subjects").joinpath("data", "koester_distance_rings_miles.csv")
    rows = {r["category"] for r in csv.DictReader(shipped.read_text(encoding="utf-8").splitlines())} - {"*"}
    assert set(table) - {"*"} == rows
    for name, r in table.items():
        assert 0.0 <= r.share <= 1.0
        assert r.source
        # only a published figure may drop the label
        assert r.assumption == r.source.startswith("carpathia assumption"), name
    published = [n for n, r in table.items() if not r.assumption]
    assert published == ["Dementia"]
    for unknown in ("yeti hunter", None):
        assert responsive_share(unknown).share == 0.0 and responsive_share(unknown).category == "*"
    assert responsive_share("child 2").category == "Child (1-3)"
    assert responsive_share("fisherman").category == "Angler"
    with pytest.raises(InputError):
        responsive_share(3)


def test_groups_that_do_not_answer_are_below_those_that_want_to_be_found():
    """The behavioural ordering the issue names: dementia, young children, despondent and autistic
    subjects answer less often than lost hikers (each at most half of the hiker's share)."""
    hiker = responsive_share("hiker").share
    for cat in ("Dementia", "Child (1-3)", "Despondent", "Autistic", "Mental Retardation"):
        assert responsive_share(cat).share <= hiker / 2, cat
    assert all(c in categories() for c in responsive_table() if c != "*")
