"""Behavioural responsive share of a subject category: will a conscious subject answer searchers?

Sweep widths for a responsive subject (one who answers calls or calls out) are ten times those
for an unresponsive one (330 m against 33 m for a hasty team in forest), so the share of
responsive subjects sets much of a search's POD. Responsiveness is mostly behavioural: subjects
with dementia answer shouts about 1 % of the time (dbS Productions' Alzheimer's profile); young
children, autistic and despondent subjects often do not answer either. The table
(``data/responsiveness.toml``) gives each category of Koester's distance table a share with its
source, or marks it as carpathia's assumption with the reason. Where nothing is known the share
is 0: plan for an unresponsive subject.

:mod:`carpathia.motion` multiplies the share by the share of simulated subjects still conscious
(not incapacitated by cold or the river) for the agents map's ``meta["p_responsive"]``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from carpathia.errors import DataFileError, InputError

from . import _names

__all__ = ["ResponsiveShare", "responsive_share", "responsive_table"]

_TABLE = "responsiveness.toml"


@dataclass(frozen=True)
class ResponsiveShare:
    """The behavioural responsive share of a category.

    Attributes
    ----------
    category
        The category it belongs to (the table's spelling), or ``"*"`` for the default.
    share
        Probability in [0, 1] that a conscious subject of the category answers calls.
    source
        Where the number comes from, or ``"carpathia assumption: …"`` with the reason.
    assumption
        True where no published figure exists.
    """

    category: str
    share: float
    source: str
    assumption: bool


@cache
def responsive_table() -> dict[str, ResponsiveShare]:
    """Every category's share, plus the default under the key ``"*"`` (package data, read once)."""
    text = resources.files("carpathia.subjects").joinpath("data", _TABLE).read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - the shipped file is tested
        raise DataFileError(f"{_TABLE} is not valid TOML ({exc})") from exc
    out = {}
    for name, row in [("*", raw["default"]), *raw["categories"].items()]:
        share = float(row["share"])
        if not 0.0 <= share <= 1.0:
            raise DataFileError(f"{_TABLE}: the responsive share of {name!r} is {share}, not in [0, 1]")
        src = str(row["source"])
        out[name] = ResponsiveShare(name, share, src, bool(row.get("assumption", True)))
    return out


def responsive_share(category: str | None) -> ResponsiveShare:
    """The behavioural responsive share of ``category`` (matched as :func:`~carpathia.subjects.profile`
    matches names: aliases, child ages, case and spelling); an unknown category, a user category
    or None gets the default, 0 (unresponsive).

    Examples
    --------
    >>> responsive_share("alzheimer's").share
    0.01
    """
    table = responsive_table()
    if category is None:
        return table["*"]
    if not isinstance(category, str):
        raise InputError(f"subject category must be a string, not {type(category).__name__}")
    from .statistics import _resolve

    key = _resolve(_names.name_key(category), ())
    for name, row in table.items():
        if name != "*" and _names.name_key(name) == key:
            return row
    return table["*"]
