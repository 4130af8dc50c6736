"""Evaluating probability models on real finds, on the MapScore protocol.

For each case the model's map is built on a square grid centred on the IPP (by default
MapScore's: 5001 × 5001 cells of 5 m, 25 km across) in the local UTM zone, on terrain where a
DEM covers it and flat ground otherwise; the find cell is scored with MapScore's rank score,
the log score (a proper scoring rule that tells distance models apart) and containment.

References
----------
Sava, E., Twardy, C., Koester, R. & Sonwalkar, M. (2016). Evaluating lost person behavior
models. Transactions in GIS 20(1):38–53. doi:10.1111/tgis.12143
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carpathia.errors import CarpathiaError, InputError

from .cases import Case, load_cases
from .models import get_model
from .probmap import CONTAINMENT_LEVELS
from .scoring import containment, log_score, rank_score, summarise

__all__ = ["MAPSCORE_CELLS", "MAPSCORE_CELL_M", "Evaluation", "calibrate", "evaluate", "evaluate_case"]

#: MapScore's grid: 5001 × 5001 cells of 5 m centred on the IPP (Sava et al. 2016).
MAPSCORE_CELLS = 5001
MAPSCORE_CELL_M = 5.0


@dataclass
class Evaluation:
    """Per-case scores, the summary with bootstrap intervals, and the rows skipped."""

    model: str
    cells: int
    cell_m: float
    per_case: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    calibration: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            **self.summary,
            "model": self.model,
            "grid": {"cells": self.cells, "cell_m": self.cell_m},
            "skipped": self.skipped,
        }
        if self.calibration is not None:
            out["calibration"] = self.calibration
        return out


def _terrain_for(case: Case, cells: int, cell_m: float, dem: Sequence[str | os.PathLike] | None):
    from carpathia.terrain import Terrain

    radius = (cells // 2) * cell_m
    if dem:
        try:
            t = Terrain.from_dem(dem, center=(case.ipp_lon, case.ipp_lat), radius_m=radius, resolution=cell_m)
            if t.valid.mean() > 0.99:
                return t
        except CarpathiaError:
            pass
    return Terrain.flat((case.ipp_lon, case.ipp_lat), radius_m=radius, resolution=cell_m)


def evaluate_case(
    case: Case,
    model: str | Callable,
    *,
    cells: int = MAPSCORE_CELLS,
    cell_m: float = MAPSCORE_CELL_M,
    dem=None,
    **model_kwargs,
) -> dict[str, Any]:
    """Build the model's map for one case and score the find."""
    from carpathia.subjects.incident import Incident

    fn = get_model(model) if isinstance(model, str) else model
    terrain = _terrain_for(case, cells, cell_m, dem)
    incident = Incident.create(
        name=case.name,
        ipp_lat=case.ipp_lat,
        ipp_lon=case.ipp_lon,
        category=case.category or "unknown",
        eco_region=case.eco_region,
        terrain_class=case.terrain,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fallback categories are reported per case instead
        pmap = fn(incident, terrain, **model_kwargs)
    rc = pmap.cell_of(case.find_lon, case.find_lat)
    p = pmap.cells
    row = pmap.rest_of_world
    cont = containment(p, rc, CONTAINMENT_LEVELS, rest_of_world=row)
    quantiles = {float(k): float(v) for k, v in pmap.meta["profile"]["quantiles_m"].items()}
    return {
        "find_radius_m": _find_radius(p, rc, quantiles, case.distance_m),
        "quantiles_m": quantiles,
        "case": case.name,
        "category": case.category,
        "profile_category": pmap.meta.get("category"),
        "distance_m": round(case.distance_m, 1),
        "inside": rc is not None,
        "score": rank_score(p, rc, rest_of_world=row),
        "log_score": log_score(p, rc, rest_of_world=row),
        "containment": {str(round(k * 100)): bool(v) for k, v in cont.items()},
        "rest_of_world": row,
        "terrain": "flat" if terrain.meta.get("flat") else "dem",
        "multipliers": pmap.meta.get("multipliers"),  # as the model applied them (None: uncalibrated)
    }


def _find_radius(p, rc, quantiles: dict[float, float], distance_m: float) -> float:
    """The find's effective radius under the model: where the find cell enters the map's rings.

    The mass of the cells more probable than the find (ties counted half) is the containment
    level ``c`` at which the find is reached; the profile's uncalibrated distribution turns it
    into a radius ρ = F⁻¹(c) (for rings, the straight-line distance; for travel time, the
    equal-area radius). A find off the grid keeps its straight-line distance.
    """
    from carpathia.subjects import DistanceDistribution

    if rc is None:
        return float(distance_m)
    v = p[rc]
    level = float(p[p > v].sum() + 0.5 * p[p == v].sum())
    level = min(max(level, 1e-9), 1.0 - 1e-9)
    return float(DistanceDistribution(quantiles).ppf(level))


def calibrate(per_case: Sequence[dict[str, Any]], levels=CONTAINMENT_LEVELS) -> dict[float, float]:
    """Multipliers on Koester's quantiles so each ring holds its stated share of these finds.

    For level q the multiplier is the empirical q-quantile, over the cases, of the find's
    effective radius divided by its profile's q distance (:func:`_find_radius`): rings scaled by
    it contain a fraction q of the finds.
    """
    import numpy as np

    out = {}
    for q in levels:
        ratios = [c["find_radius_m"] / c["quantiles_m"][q] for c in per_case if q in c.get("quantiles_m", {})]
        if not ratios:
            raise InputError(f"no case has a {q:.0%} distance to calibrate on")
        out[float(q)] = round(float(np.quantile(ratios, q)), 4)
    return out


def evaluate(
    cases_csv: str | os.PathLike,
    *,
    model: str = "rings",
    cells: int = MAPSCORE_CELLS,
    cell_m: float = MAPSCORE_CELL_M,
    dem: Sequence[str | os.PathLike] | None = None,
    limit: int | None = None,
    on_case: Callable[[int, int, str], None] | None = None,
    seed: int = 0,
    cross_validate: bool = False,
    **model_kwargs,
) -> Evaluation:
    """Score a model on every usable case of a MapScore-style CSV.

    ``cells`` must be odd (the IPP sits in the middle cell). ``on_case(i, n, name)`` is called
    after each case for progress reporting. Bad rows are skipped and listed with the reason.

    With ``cross_validate`` the model is also calibrated (:func:`calibrate`) by two-fold
    cross-validation: cases are split by position (odd, even), each half is scored with the
    multipliers fitted on the other half, and the summary is of these out-of-sample scores;
    ``calibration`` holds the uncalibrated summary, the fold multipliers and the multipliers
    fitted on all cases (the ones to use in the field). It costs a second pass.
    """
    get_model(model)
    if int(cells) != cells or cells < 3 or cells % 2 == 0:
        raise InputError(f"the grid must be an odd number of cells (MapScore: 5001), not {cells}")
    if not cell_m > 0:
        raise InputError(f"cell size must be positive metres, not {cell_m}")
    cases, skipped = load_cases(Path(cases_csv))
    if limit is not None:
        cases = cases[: max(0, int(limit))]
    ev = Evaluation(model=model, cells=int(cells), cell_m=float(cell_m))
    ev.skipped = [_skip_dict(s) for s in skipped]
    for i, case in enumerate(cases):
        try:
            ev.per_case.append(
                evaluate_case(case, model, cells=int(cells), cell_m=float(cell_m), dem=dem, **model_kwargs)
            )
        except CarpathiaError as exc:
            ev.skipped.append({"row": case.source_row, "name": case.name, "reason": str(exc)})
        if on_case:
            on_case(i + 1, len(cases), case.name)
    if not ev.per_case:
        raise InputError(f"{cases_csv}: no usable case to evaluate ({len(ev.skipped)} skipped)")
    ev.summary = summarise(ev.per_case, seed=seed)
    if cross_validate:
        _cross_validate(ev, cases, model, cells, cell_m, dem, on_case, seed, model_kwargs)
    return ev


def _cross_validate(ev: Evaluation, cases, model, cells, cell_m, dem, on_case, seed, model_kwargs) -> None:
    if model_kwargs.get("multipliers"):
        raise InputError("give either multipliers or cross-validation, not both")
    scored = {r["case"]: r for r in ev.per_case}
    usable = [c for c in cases if c.name in scored]
    if len(usable) < 4:
        raise InputError("cross-validation needs at least 4 usable cases")
    folds = [usable[0::2], usable[1::2]]
    fold_mult = [calibrate([scored[c.name] for c in folds[1 - k]]) for k in (0, 1)]
    out = []
    n = len(usable)
    for k in (0, 1):
        for case in folds[k]:
            out.append(
                evaluate_case(
                    case, model, cells=cells, cell_m=cell_m, dem=dem, multipliers=fold_mult[k], **model_kwargs
                )
            )
            if on_case:
                on_case(len(out), n, f"{case.name} (calibrated)")
    ev.calibration = {
        "method": "two-fold cross-validation (cases alternately assigned); multipliers on Koester quantiles",
        "uncalibrated": ev.summary,
        "fold_multipliers": [{str(k): v for k, v in m.items()} for m in fold_mult],
        "multipliers": {str(k): v for k, v in calibrate(list(scored.values())).items()},
    }
    ev.per_case = out
    ev.summary = summarise(out, seed=seed)


def _skip_dict(s) -> dict[str, Any]:
    if isinstance(s, dict):
        return s
    return {k: getattr(s, k) for k in ("row", "name", "reason") if hasattr(s, k)}
