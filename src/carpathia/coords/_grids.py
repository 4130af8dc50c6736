"""Grid references: UTM with its zone, MGRS/UTMREF, Stereo 70 and any EPSG code with axis labels."""

from __future__ import annotations

import math
import re
import warnings

from carpathia.errors import InputError

from ._core import (
    _BANDS,
    _M_PER_DEG,
    Position,
    _band_limits,
    _check_range,
    _crs_info,
    _refuse_ambiguous,
    _same,
    _transformer,
    _utm_epsg,
)


def _utm_to_lonlat(zone: int, north: bool, e: float, n: float) -> tuple[float, float]:
    lat, lon = _transformer(_utm_epsg(zone, north), "EPSG:4326").transform(e, n)
    return lon, lat


def _numbers_labelled(rest: str, labels: set[str], s: str) -> list[tuple[str | None, str]]:
    """Two numbers with optional labels, before (``E=299773 N=5310629``, ``X: 713418``) or after
    them (``299773mE 5310629mN``, ``713418 N 449294 E``)."""
    raw = re.findall(r"[A-Z]+|[+-]?\d+(?:\.\d+)?|\S", rest.upper())
    toks: list[tuple[str, str]] = []
    for t in raw:
        if t in (",", ";", ":", "=", "/", "M"):
            continue
        if re.fullmatch(r"[+-]?\d+(?:\.\d+)?", t):
            toks.append(("num", t))
            continue
        lab = t[1:] if t in ("ME", "MN") else t
        if lab not in labels:
            raise InputError(f"{s!r}: {t!r} is not a coordinate label ({', '.join(sorted(labels))})")
        toks.append(("lab", lab))
    out: list[tuple[str | None, str]] = []
    prefix = bool(toks) and toks[0][0] == "lab"
    i = 0
    while i < len(toks):
        kind, val = toks[i]
        if prefix and kind == "lab":
            if i + 1 >= len(toks) or toks[i + 1][0] != "num":
                raise InputError(f"{s!r}: label {val} with no number after it")
            out.append((val, toks[i + 1][1]))
            i += 2
        elif kind == "num":
            lab = toks[i + 1][1] if not prefix and i + 1 < len(toks) and toks[i + 1][0] == "lab" else None
            out.append((lab, val))
            i += 2 if lab else 1
        else:
            raise InputError(f"{s!r}: label {val} out of place; put labels all before or all after the numbers")
    if len(out) != 2:
        raise InputError(f"{s!r}: give two numbers (easting and northing), found {len(out)}")
    return out


def _metric_step(txt: str) -> float:
    return 10.0 ** -(len(txt.split(".")[1])) if "." in txt else 1.0


def _parse_utm(up: str, s: str, *, required: bool) -> Position | None:
    m = re.match(r"^(\d{1,2})\s*([C-HJ-NP-X])?(?=[\s,;:]|$)[\s,;:]*(.+)$", up)
    if not m:
        if required:
            raise InputError(f"{s!r}: UTM needs the zone, e.g. 35T 299773 5310629")
        return None
    zone = int(m.group(1))
    letter = m.group(2)
    rest = m.group(3)
    if not required and (letter is None or not re.search(r"\d{6}", rest)):
        return None  # no band and no 6-digit easting: degrees, not UTM
    if not 1 <= zone <= 60:
        raise InputError(f"{s!r}: UTM zone {zone} does not exist (1-60)")
    pairs = _numbers_labelled(rest, {"E", "N"}, s)
    (la, a), (lb, b) = pairs
    if la == "N" or lb == "E":
        a, b = b, a
    e, n = float(a), float(b)
    if la is None and lb is None and e >= 1_000_000 > n:
        e, n = n, e  # northing written first: the 7-digit one can only be a northing
    if not 100_000 <= e <= 900_000 or not 0 <= n <= 10_000_000:
        raise InputError(f"{s!r}: easting {e:g} or northing {n:g} is outside a UTM zone "
                         "(easting 100000-900000 m, northing 0-10000000 m)")
    unc = 0.5 * math.hypot(_metric_step(a), _metric_step(b))
    readings: list[tuple[bool, str]] = []
    if letter is None:
        raise InputError(f"{s!r}: give the latitude band or hemisphere after the zone (35T, 35N or 35S)")
    if letter in ("N", "S"):
        readings.append((letter == "N", "hemisphere"))
    readings.append((_BANDS.index(letter) >= _BANDS.index("N"), "band"))
    cands = []
    for north, kind in readings:
        lon, lat = _utm_to_lonlat(zone, north, e, n)
        if kind == "band":
            lo, hi = _band_limits(letter)
            if not lo - 0.5 <= lat <= hi + 0.5:
                continue
        p = Position(lon, lat, unc, "utm")
        if not any(_same(p, q) for q in cands):
            cands.append(p)
    if not cands:
        lon, lat = _utm_to_lonlat(zone, _BANDS.index(letter) >= _BANDS.index("N"), e, n)
        raise InputError(f"{s!r}: northing {n:g} lies at latitude {lat:.2f}, outside band {letter} "
                         f"({_band_limits(letter)[0]:g} to {_band_limits(letter)[1]:g} deg)")
    if len(cands) > 1:
        _refuse_ambiguous(s, cands, f"'{letter}' is latitude band {letter} and the "
                          f"{'northern' if letter == 'N' else 'southern'} hemisphere")
    return cands[0]


def _parse_mgrs(up: str, s: str, *, required: bool) -> Position | None:
    compact = re.sub(r"[\s,;:]", "", up)
    m = re.fullmatch(r"(\d{1,2})([C-HJ-NP-X])([A-HJ-NP-Z])([A-HJ-NP-V])(\d*)", compact) or \
        re.fullmatch(r"()([ABYZ])([A-HJ-NP-Z])([A-HJ-NP-Z])(\d*)", compact)
    if not m:
        if required:
            raise InputError(f"{s!r} is not an MGRS reference like 35T KP 99773 10629")
        return None
    zone, band, c1, c2, digits = m.groups()
    groups = re.findall(r"\d+", up[up.find(c2, len(zone) + 2) + 1:] if zone else up)
    if len(groups) == 2 and len(groups[0]) != len(groups[1]):
        raise InputError(f"{s!r}: MGRS easting and northing need the same number of digits")
    if len(digits) % 2 or len(digits) > 10:
        raise InputError(f"{s!r}: an MGRS reference has an even number of digits, 0-10 ({len(digits)} here)")
    k = len(digits) // 2
    size = 10.0 ** (5 - k)  # metres: 100 km ... 1 m
    centre = f"{zone}{band}{c1}{c2}{digits}"
    unc = size / math.sqrt(2)  # the mgrs library returns the square's centre; its corners lie s/sqrt(2) away
    import mgrs

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            lat, lon = mgrs.MGRS().toLatLon(centre)
        except Exception as e:  # mgrs raises a bare MGRSError(Exception)
            if type(e).__name__ != "MGRSError":
                raise
            raise InputError(f"{s!r} is not a valid MGRS reference (square {c1}{c2} does not exist "
                             f"in zone {zone}{band})") from None
    if zone and any("Latitude" in str(w.message) for w in caught):
        lo, hi = _band_limits(band)
        slack = size / _M_PER_DEG + 0.01
        if not lo - slack <= lat <= hi + slack:
            raise InputError(f"{s!r}: this reference lies at latitude {lat:.2f}, outside band {band} "
                             f"({lo:g} to {hi:g}); check the band letter and the square")
    _check_range(lat, lon, s)
    return Position(float(lon), float(lat), unc, "mgrs")


def _parse_projected(code: str, rest: str, s: str, fmt: str) -> Position:
    crs = _crs_info(code)
    axes = crs.axis_info[:2]
    labels = {a.abbrev.upper() for a in axes} | {"E", "N", "X", "Y"}

    def axis_of(label: str) -> int:
        for i, a in enumerate(axes):
            if a.abbrev.upper() == label:
                return i
        for i, a in enumerate(axes):
            if (label, a.direction) in (("E", "east"), ("N", "north")):
                return i
        raise InputError(f"{s!r}: {label} is not an axis of {code} (axes: "
                         f"{', '.join(f'{a.abbrev} {a.direction}' for a in axes)})")

    pairs = _numbers_labelled(rest, labels, s)
    (la, a), (lb, b) = pairs
    orders: list[tuple[str, str]]
    if la and lb:
        ia, ib = axis_of(la), axis_of(lb)
        if ia == ib:
            raise InputError(f"{s!r}: both numbers are labelled for the {axes[ia].direction} axis")
        orders = [(a, b) if ia == 0 else (b, a)]
    elif la or lb:
        ia = axis_of(la) if la else 1 - axis_of(lb)  # type: ignore[arg-type]
        orders = [(a, b) if ia == 0 else (b, a)]
    else:
        orders = [(a, b), (b, a)]
    tr = _transformer(crs.to_string(), "EPSG:4326")
    aou = crs.area_of_use
    rounding = 0.5 * math.hypot(_metric_step(a), _metric_step(b))
    acc = tr.accuracy if tr.accuracy and tr.accuracy > 0 else 0.0  # metres, PROJ's figure for the datum path
    cands: list[Position] = []
    for u, v in orders:
        lat, lon = tr.transform(float(u), float(v))
        unc = math.hypot(rounding, acc)
        if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
            continue
        if aou is not None and not (aou.west - 0.5 <= lon <= aou.east + 0.5
                                                          and aou.south - 0.5 <= lat <= aou.north + 0.5):
            continue
        cands.append(Position(float(lon), float(lat), unc, fmt))
    if not cands:
        where = f" ({aou.name})" if aou is not None else ""
        raise InputError(f"{s!r} lies outside the area where {code} is used{where}")
    if len(cands) > 1:
        names = "/".join(a.abbrev for a in axes)
        _refuse_ambiguous(s, cands, f"both orders of the unlabelled numbers fall inside {aou.name if aou else code}; "
                          f"label them {axes[0].abbrev}= ({axes[0].direction}) and {axes[1].abbrev}= "
                          f"({axes[1].direction}), axes {names}")
    return cands[0]
