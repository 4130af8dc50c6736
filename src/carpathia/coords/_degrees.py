"""Degrees as people write them: decimal, DMS, DDM, aviation; hemisphere letters in any order."""

from __future__ import annotations

import math
import re

from carpathia.errors import InputError

from ._core import _EXAMPLES, _M_PER_DEG, Position, _check_range, _refuse_ambiguous, _show, format_position

_TOKEN = re.compile(
    r"\s*(?:(?P<num>[+-]?\d+(?:\.\d*)?|[+-]?\.\d+)|(?P<mark>[°'\"])|(?P<word>[A-Za-z]+)|(?P<sep>[,;/])|(?P<bad>\S))"
)


_HEM = {"N": ("lat", 1), "S": ("lat", -1), "E": ("lon", 1), "W": ("lon", -1), "V": ("lon", -1),
        "O": ("lon", 0), "NORTH": ("lat", 1), "SOUTH": ("lat", -1), "EAST": ("lon", 1),
        "WEST": ("lon", -1), "NORD": ("lat", 1), "SUD": ("lat", -1), "EST": ("lon", 1), "VEST": ("lon", -1)}


_DEG_WORDS = {"DEG", "D", "GRAD", "GRADE", "H"}


_MIN_WORDS = {"M", "MIN"}


_SEC_WORDS = {"SEC"}


def _decimal_commas(s: str) -> str:
    """``47,9177 24,32`` and ``47,9177; 24,32`` use the comma as decimal mark; ``47.9,24.1``
    and ``47,24`` use it between numbers. ``47,9177,24,32`` could be either and is refused."""
    if "." in s or "," not in s:
        return s
    inner = re.findall(r"\d,\d", s)
    commas = s.count(",")
    if len(inner) != commas:
        return s  # some comma stands between numbers with a space: separators
    if ";" in s or re.search(r"\d,\d+\s+\S", s):
        return re.sub(r"(?<=\d),(?=\d)", ".", s)
    if commas > 1:
        raise InputError(f"{s!r}: commas are both decimal marks and separators here; write 47.9177, 24.32 "
                         "or 47,9177; 24,32")
    return s


def _parse_angles(s: str) -> Position:
    s2 = _decimal_commas(s)
    toks: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(s2):
        kind = m.lastgroup
        val = m.group(kind)  # type: ignore[arg-type]
        if kind == "bad":
            raise InputError(f"{s!r} is not a position carpathia can read (unexpected {val!r})")
        if kind == "word":
            w = val.upper()
            # letters glued to a number: N47, 47N, 24E, E024
            if w in _HEM or w in _DEG_WORDS or w in _MIN_WORDS or w in _SEC_WORDS:
                toks.append(("hem" if w in _HEM else "mark", w))
                continue
            raise InputError(f"{s!r} is not a position carpathia can read ({val!r}); {_EXAMPLES}")
        toks.append((kind, val))  # type: ignore[arg-type]
    # words as marks
    toks = [("mark", {"D": "°", "DEG": "°", "GRAD": "°", "GRADE": "°", "H": "°", "M": "'", "MIN": "'",
                      "S": '"', "SEC": '"'}[v]) if k == "mark" and v not in "°'\"" else (k, v) for k, v in toks]
    halves = _split_halves(toks, s)
    vals = []
    for half in halves:
        vals.append(_one_angle(half, s))
    (a_ax, a_val, a_step, a_fmt), (b_ax, b_val, b_step, b_fmt) = vals
    fmt = max(a_fmt, b_fmt, key=("decimal", "ddm", "dms").index)
    if "O" in (a_ax, b_ax):
        other = b_val if a_ax == "O" else a_val
        lon = a_val if a_ax == "O" else b_val
        if lon != 0:
            cands = [_angles_position(other, x, a_step, b_step, "decimal") for x in (lon, -lon)]
            _refuse_ambiguous(s, cands, "'O' is east in German (Ost) and west in French, Spanish, Italian (Ouest, "
                              "Oeste, Ovest); write E or W")
        a_ax, b_ax = ("lon", b_ax) if a_ax == "O" else (a_ax, "lon")
    if a_ax and b_ax:
        if a_ax == b_ax:
            raise InputError(f"{s!r} gives two {'latitudes' if a_ax == 'lat' else 'longitudes'}")
        lat, lon = (a_val, b_val) if a_ax == "lat" else (b_val, a_val)
        lat_step, lon_step = (a_step, b_step) if a_ax == "lat" else (b_step, a_step)
    elif a_ax or b_ax:
        ax = a_ax or b_ax
        first_is = ax if a_ax else ("lon" if ax == "lat" else "lat")
        lat, lon = (a_val, b_val) if first_is == "lat" else (b_val, a_val)
        lat_step, lon_step = (a_step, b_step) if first_is == "lat" else (b_step, a_step)
    elif abs(a_val) > 90 >= abs(b_val):
        swapped = _angles_position(b_val, a_val, b_step, a_step, fmt)
        raise InputError(
            f"{s!r} is not LAT,LON: latitude first, and {a_val:g} is beyond 90; if longitude came first, "
            f"write it with letters ({_show(swapped)} is {format_position(swapped.lon, swapped.lat, 'dms')})"
        )
    else:
        lat, lon, lat_step, lon_step = a_val, b_val, a_step, b_step
    _check_range(lat, lon, s)
    return _angles_position(lat, lon, lat_step, lon_step, fmt)


def _angles_position(lat: float, lon: float, lat_step: float, lon_step: float, fmt: str) -> Position:
    """The point with the radius of its rounding: half a step of the last digit on each axis."""
    unc = 0.5 * math.hypot(lat_step * _M_PER_DEG, lon_step * _M_PER_DEG * math.cos(math.radians(lat)))
    return Position(lon, lat, unc, fmt)


def _split_halves(toks: list[tuple[str, str]], s: str) -> list[list[tuple[str, str]]]:
    """Two groups of tokens, one per angle."""
    hems = [i for i, (k, _) in enumerate(toks) if k == "hem"]
    seps = [i for i, (k, _) in enumerate(toks) if k == "sep"]
    nums = [i for i, (k, _) in enumerate(toks) if k == "num"]
    if len(nums) < 2:
        raise InputError(f"{s!r} is not a position carpathia can read: it needs two coordinates; {_EXAMPLES}")
    if len(seps) > 1:
        raise InputError(f"{s!r} has {len(seps)} separators; give two coordinates, e.g. 47.9178, 24.32")
    if len(hems) > 2:
        raise InputError(f"{s!r} has {len(hems)} hemisphere letters; give one per coordinate")
    lead, close = toks[0][0] == "hem", toks[-1][0] == "hem"
    if seps:
        cut = seps[0]
    elif len(hems) == 2 and lead and not close:  # N47 55 E24 19: letters lead
        cut = hems[1]
    elif len(hems) == 2 and not lead:  # 47 55 N 24 19 E (letters close), 47N E24
        cut = hems[0] + 1
    else:
        inner = toks[1:-1] if len(hems) == 2 else toks
        halves = _split_unmarked(inner, s)
        if len(hems) == 2:
            halves = [[toks[0], *halves[0]], [*halves[1], toks[-1]]]
        return halves
    return [toks[:cut], toks[cut + (1 if seps else 0):]]


def _after_first_angle(toks, degs) -> int:
    # the second angle starts at the number before the second degree mark (or its leading letter)
    i = degs[1] - 1
    while i > 0 and toks[i - 1][0] == "hem":
        i -= 1
    return i


def _split_unmarked(toks, s):
    degs = [i for i, (k, v) in enumerate(toks) if k == "mark" and v == "°"]
    nums = [i for i, (k, _) in enumerate(toks) if k == "num"]
    if len(degs) == 2:
        cut = _after_first_angle(toks, degs)
        return [toks[:cut], toks[cut:]]
    if len(nums) in (2, 4, 6) and not any(k == "mark" for k, _ in toks):
        cut = nums[len(nums) // 2]
        return [toks[:cut], toks[cut:]]
    raise InputError(f"{s!r}: cannot tell where the latitude ends; put a comma between the two coordinates")


def _one_angle(half, s) -> tuple[str | None, float, float, str]:
    """(axis or None, signed degrees, step of the last digit in degrees, format)."""
    hem = [v for k, v in half if k == "hem"]
    if len(hem) > 1:
        raise InputError(f"{s!r}: two hemisphere letters in one coordinate")
    parts: list[tuple[str, str | None]] = []  # (number text, mark after it)
    for i, (k, v) in enumerate(half):
        if k == "num":
            mark = half[i + 1][1] if i + 1 < len(half) and half[i + 1][0] == "mark" else None
            parts.append((v, mark))
        elif k == "mark" and (i == 0 or half[i - 1][0] != "num"):
            raise InputError(f"{s!r}: a {v} mark with no number before it")
    if len(parts) > 3:
        raise InputError(f"{s!r}: more than degrees, minutes and seconds in one coordinate")
    nums = [p[0] for p in parts]
    fmt = ("decimal", "ddm", "dms")[len(nums) - 1]
    if len(nums) == 1 and hem and parts[0][1] is None and re.fullmatch(r"[+-]?\d{4,7}(\.\d+)?", nums[0]):
        nums, fmt = _unpack_aviation(nums[0], _HEM[hem[0]][0], s)
    if len(nums) == 1 and parts[0][1] in ("'", '"'):
        raise InputError(f"{s!r}: a coordinate starts with minutes or seconds")
    marks = [p[1] for p in parts]
    expect = ["°", "'", '"']
    for j, mk in enumerate(marks[: len(nums)]):
        if mk is not None and mk != expect[j] and not (j == 0 and mk == "°"):
            raise InputError(f"{s!r}: {nums[j]}{mk} is out of place (degrees ° then minutes ' then seconds \")")
    vals = [float(x) for x in nums]
    neg = nums[0].startswith("-")
    if any(x.startswith(("-", "+")) for x in nums[1:]):
        raise InputError(f"{s!r}: only the degrees may carry a sign")
    if any("." in x for x in nums[:-1]):
        raise InputError(f"{s!r}: only the last of degrees, minutes, seconds may have decimals")
    for j, x in enumerate(vals[1:], 1):
        if x >= 60:
            raise InputError(f"{s!r}: {nums[j]} {'minutes' if j == 1 else 'seconds'} is 60 or more")
    deg = abs(vals[0]) + sum(x / 60**j for j, x in enumerate(vals[1:], 1))
    last = nums[-1]
    decimals = len(last.split(".")[1]) if "." in last else 0
    step = 10.0**-decimals / 60 ** (len(nums) - 1)
    axis = None
    if hem:
        axis, sign = _HEM[hem[0]]
        if neg:
            raise InputError(f"{s!r}: a minus sign and a hemisphere letter together; give one of them")
        if sign == 0:
            return "O", deg, step, fmt  # east or west: decided (refused) with both readings in hand
        deg *= sign
    elif neg:
        deg = -deg
    return axis, deg, step, fmt


def _unpack_aviation(num: str, axis: str, s: str) -> tuple[list[str], str]:
    """``475504`` → 47 55 04 (DDMMSS), ``0241912`` → 024 19 12, ``4755`` → 47 55 (DDMM)."""
    whole, _, frac = num.lstrip("+").partition(".")
    dd = 2 if axis == "lat" else 3
    n = len(whole) - dd
    if n not in (2, 4):
        raise InputError(f"{s!r}: {num} is not packed {'DDMMSS' if axis == 'lat' else 'DDDMMSS'} or "
                         f"{'DDMM' if axis == 'lat' else 'DDDMM'} (aviation form)")
    out = [whole[:dd], whole[dd:dd + 2]] + ([whole[dd + 2:]] if n == 4 else [])
    if frac:
        out[-1] += "." + frac
    return out, ("dms" if n == 4 else "ddm")
