"""What the workspace tells the planning section: status, replay check, layers and exports.

- :func:`incident_status`: POA and cumulative POD by segment, POS so far, time missing, the
  survival clock when the weather is known.
- :func:`replay_incident`: rebuild every stored map version from the incident, the model run
  and the stored tracks and clues, and compare the grids by hash: the store and its log agree.
- :func:`incident_layers` and :func:`export_incident`: the incident as GeoJSON layers in lon/lat
  (IPP, segments with POA, assignments, clues, tracks, landing zones) and files for the field.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from carpathia.errors import InputError

from . import _rasters
from ._common import _resource_fields, parse_time
from ._debrief import track_from_row

if TYPE_CHECKING:
    from .workspace import Workspace

__all__ = ["EXPORT_FORMATS", "IncidentStatus", "ReplayReport", "export_incident", "incident_layers"]

#: Formats of ``carpathia incident export``.
EXPORT_FORMATS = ("geojson", "kml", "gpx", "gpkg", "geotiff", "pdf", "png", "mbtiles")


# ---------------------------------------------------------------------- status
@dataclass(frozen=True)
class IncidentStatus:
    """Where the search stands: per-segment POA and cumulative POD, POS so far, clocks."""

    name: str
    category: str
    status: str
    at: str
    hours_missing: float
    map_version: int | None
    rest_of_world: float | None
    segments: list[dict[str, Any]] = field(default_factory=list)
    pos_so_far: float = 0.0
    debriefs: int = 0
    periods: int = 0
    survival: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def to_text(self, top: int | None = 25) -> str:
        """The status as text: segments by POA, most probable first (``top`` of them; None: all)."""
        lines = [
            f"incident {self.name!r} ({self.category}, {self.status}): missing {self.hours_missing:.1f} h at {self.at}",
            f"map version {self.map_version}, rest of world {_pct(self.rest_of_world)}; "
            f"{self.periods} period(s), {self.debriefs} debrief(s); POS so far {self.pos_so_far:.1%}",
        ]
        if self.segments:
            ranked = sorted(self.segments, key=lambda s: -s["poa"])
            shown = ranked if top is None else ranked[:top]
            lines.append(f"  {'segment':<10} {'km²':>7} {'POA':>7} {'cum POD':>8} {'searches':>8}")
            for s in shown:
                lines.append(
                    f"  {s['label']:<10.10} {s['area_km2']:7.2f} {s['poa']:7.2%} {s['cumulative_pod']:8.2%} "
                    f"{s['searches']:8d}"
                )
            if len(shown) < len(ranked):
                rest = sum(s["poa"] for s in ranked[len(shown) :])
                lines.append(f"  … {len(ranked) - len(shown)} more segment(s) holding {rest:.2%} (--all lists them)")
        if self.survival:
            sv = self.survival
            lines.append(
                f"survival: {sv['air_temp_c']:g} °C, wind {sv['wind_kmh']:g} km/h; "
                f"about {sv['hours_to_core_30c']:.1f} h to 30 °C core"
                + (f"; {sv['hours_left']:.1f} h left" if sv.get("hours_left") is not None else "")
            )
            lines += [f"  {h}" for h in sv.get("hints", [])]
        return "\n".join(lines)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1%}"


def _model_weights(ws: Workspace, iid: int) -> np.ndarray | None:
    row = ws.store.one(
        "SELECT version FROM map_versions WHERE incident_id = ? AND kind = 'model' ORDER BY version DESC LIMIT 1",
        (iid,),
    )
    return None if row is None else ws.current_map(iid, row["version"]).cells


def cumulative_coverage(ws: Workspace, incident=None, subject: str | None = None) -> np.ndarray | None:
    """Coverage summed over every debrief of the incident (for ``subject``), or None without one."""
    iid = ws.incident_id(incident)
    subject = subject or ws.incident_row(iid)["search_for"]
    total = None
    for d in ws.store.all("SELECT coverage_sha FROM debriefs WHERE incident_id = ? ORDER BY id", (iid,)):
        cov = _rasters.decode_coverage(ws.store.blob(d["coverage_sha"])).coverage(subject)
        total = cov.copy() if total is None else total + cov
    return total


def incident_status(ws: Workspace, incident=None, *, at=None) -> IncidentStatus:
    """The status of an incident at ``at`` (ISO with zone; default now).

    Cumulative POD of a segment is ``Σ p₀·(1 − e^{−ΣC}) / Σ p₀`` over its cells, with ``p₀`` the
    latest model map (before any search) and ``ΣC`` the coverage of every debrief so far: the
    probability that the searches so far would have detected the subject were it there. POS so
    far is ``1 − Π(1 − mᵢ)`` over the unsuccessful searches, ``mᵢ`` the mass each searched
    (Σ POA·POD on the map of its time).
    """
    from carpathia.search import segment_pod

    iid = ws.incident_id(incident)
    row = ws.incident_row(iid)
    inc = ws.incident(iid)
    when = parse_time(at, "--at")
    hours = inc.at(when).hours_missing or 0.0
    versions = ws.map_versions(iid)
    latest = versions[-1] if versions else None
    segments: list[dict[str, Any]] = []
    debriefs = ws.store.all("SELECT * FROM debriefs WHERE incident_id = ? ORDER BY id", (iid,))
    if latest is not None and ws.store.count("segments", iid):
        table = ws.segment_table(iid)
        grid = table["grid"]
        cov = cumulative_coverage(ws, iid)
        weights = _model_weights(ws, iid)
        if cov is None:
            cov = np.zeros(grid.shape)
        cum = segment_pod(-np.expm1(-cov), grid, weights)
        counts = {
            r["segment_id"]: r["n"]
            for r in ws.store.all(
                "SELECT a.segment_id, count(*) AS n FROM debriefs d JOIN assignments a ON a.id = d.assignment_id "
                "WHERE d.incident_id = ? GROUP BY a.segment_id",
                (iid,),
            )
        }
        for k, label in enumerate(table["labels"]):
            c = float(cum[k]) if k < len(cum) and math.isfinite(cum[k]) else 0.0
            segments.append(
                {
                    "label": label,
                    "area_km2": float(table["area_m2"][k]) / 1e6,
                    "poa": float(table["poa"][k]),
                    "cumulative_pod": c,
                    "searches": int(counts.get(table["ids"][k], 0)),
                }
            )
    miss = 1.0
    for d in debriefs:
        if d["mass_searched"] is not None:
            miss *= 1.0 - float(d["mass_searched"])
    periods = ws.store.count("periods", iid)
    return IncidentStatus(
        name=row["name"],
        category=row["category"],
        status=row["status"],
        at=when.isoformat(),
        hours_missing=float(hours),
        map_version=None if latest is None else int(latest["version"]),
        rest_of_world=None if latest is None else float(latest["rest_of_world"]),
        segments=segments,
        pos_so_far=1.0 - miss,
        debriefs=len(debriefs),
        periods=periods,
        survival=_survival(ws, iid, hours),
    )


def _survival(ws: Workspace, iid: int, hours: float) -> dict[str, Any] | None:
    from carpathia.survival import survival_clock

    w = ws.store.one("SELECT * FROM weather WHERE incident_id = ? ORDER BY time DESC, id DESC LIMIT 1", (iid,))
    if w is None:
        return None
    clock = survival_clock(air_temp_c=w["air_temp_c"], wind_kmh=w["wind_kmh"], hours_missing=hours)
    d = clock.to_dict()
    left = d.get("time_left") or {}
    return {
        "observed": w["time"],
        "air_temp_c": w["air_temp_c"],
        "wind_kmh": w["wind_kmh"],
        "wind_chill_c": d.get("wind_chill_c"),
        "hours_to_core_30c": d.get("hours_to_core_30c"),
        "hours_left": left.get("hours_left") if isinstance(left, dict) else None,
        "urgency_weather_factor": d.get("urgency_weather_factor"),
        "hints": list(clock.hints),
    }


# ---------------------------------------------------------------------- replay
@dataclass(frozen=True)
class ReplayReport:
    """Each stored map version against its rebuild: ``versions`` rows (version, kind, stored, replayed, ok)."""

    versions: list[dict[str, Any]]
    #: What :meth:`Store.verify` found wrong with the audit log's hash chain and the rows it records.
    audit_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(v["ok"] for v in self.versions) and not self.audit_problems

    @property
    def final_hash(self) -> str | None:
        return self.versions[-1]["replayed"] if self.versions else None

    def to_text(self) -> str:
        lines = [
            f"v{v['version']:<3} {v['kind']:<8} {'ok' if v['ok'] else 'DIFFERS'}  {v['replayed']}"
            for v in self.versions
        ]
        lines += [f"audit: {p}" for p in self.audit_problems]
        if self.audit_problems:
            lines.append("the audit log's hash chain or the rows it records are NOT intact")
        maps_ok = all(v["ok"] for v in self.versions)
        lines.append("replay matches the stored maps" if maps_ok else "replay DIFFERS from the stored maps")
        return "\n".join(lines)


def replay_incident(ws: Workspace, incident=None) -> ReplayReport:
    """Rebuild every map version from the incident, its model runs, stored tracks and clues.

    A model version is recomputed by the model it names at the time it records; a debrief or
    clue version by :func:`carpathia.search.replay` from the previous rebuilt map, with coverage
    recomputed from the stored tracks and the team's resource. Each rebuilt grid's hash is
    compared with the one stored, and the stored raster is checked against its row.
    """
    from carpathia.probability import get_model
    from carpathia.search import Resource, grid_hash, replay, track_coverage

    iid = ws.incident_id(incident)
    terrain = ws.terrain(iid)
    inc = ws.incident(iid)
    subject = ws.incident_row(iid)["search_for"]
    out = []
    chain = None
    for v in ws.map_versions(iid):
        stored = _rasters.decode_map(ws.store.blob(v["raster_sha"]))
        blob_ok = grid_hash(stored.cells, stored.rest_of_world) == v["grid_hash"]
        if v["kind"] == "model":
            run = json.loads(v["meta"])["run"]
            chain = get_model(run["model"])(inc.at(parse_time(run["at"])), terrain, **run["kwargs"])
        else:
            if chain is None:
                raise InputError(f"map version {v['version']} has no model map before it to replay from")
            grids = []
            for d in ws.store.all("SELECT * FROM debriefs WHERE map_version_id = ? ORDER BY id", (v["id"],)):
                if d["found"] != "no":
                    continue
                a = ws.store.one(
                    "SELECT a.number, t.resource FROM assignments a JOIN teams t ON t.id = a.team_id WHERE a.id = ?",
                    (d["assignment_id"],),
                )
                assert a is not None
                rows = ws.store.all("SELECT * FROM tracks WHERE debrief_id = ? ORDER BY id", (d["id"],))
                res = Resource(**_resource_fields(a["resource"]))
                cov = track_coverage([track_from_row(r) for r in rows], terrain, res, team=str(a["number"]))
                if d["subject"] == "responsive+unresponsive":  # a two-state update: both coverages, in order
                    grids += [cov.coverage("unresponsive"), cov.coverage("responsive")]
                else:
                    grids.append(cov.coverage(d["subject"] or subject))
            chain = replay(chain, stored.meta.get("updates", []), grids)
        h = grid_hash(chain.cells, chain.rest_of_world)
        out.append(
            {
                "version": int(v["version"]),
                "kind": v["kind"],
                "stored": v["grid_hash"],
                "replayed": h,
                "ok": blob_ok and h == v["grid_hash"],
            }
        )
    return ReplayReport(out, ws.store.verify())


# ---------------------------------------------------------------------- layers
def _fc(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict, props: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def incident_layers(ws: Workspace, incident=None, *, landing_zones: bool = True) -> dict[str, dict]:
    """The incident as GeoJSON FeatureCollections in lon/lat, by layer name.

    Layers: ``ipp``, ``segments`` (id, area_km2, poa, cumulative_pod), ``assignments`` (the
    segment polygon with number, period, team, resource, tactics, expected_pod, status),
    ``clues``, ``tracks`` (assignment, team, times), ``reports`` and ``report_areas`` (location
    reports and their uncertainty), ``landing_zones`` (near the IPP).
    """
    iid = ws.incident_id(incident)
    layers: dict[str, dict] = {}
    layers["ipp"] = _fc(
        [
            _feature(json.loads(r["geometry"]), {"name": r["kind"], "time": r["time"], "note": r["note"]})
            for r in ws.store.all("SELECT * FROM ipps WHERE incident_id = ? ORDER BY id", (iid,))
        ]
    )
    segs = ws.segments(iid)
    stat = {s["label"]: s for s in incident_status(ws, iid).segments} if segs else {}
    layers["segments"] = _fc(
        [
            _feature(
                s["geometry"],
                {
                    "id": s["label"],
                    "area_km2": round(s["area_m2"] / 1e6, 4),
                    "poa": stat.get(s["label"], {}).get("poa"),
                    "cumulative_pod": stat.get(s["label"], {}).get("cumulative_pod"),
                },
            )
            for s in segs
        ]
    )
    geom = {s["id"]: s["geometry"] for s in segs}
    layers["assignments"] = _fc(
        [
            _feature(
                geom[a["segment_id"]],
                {
                    "number": a["number"],
                    "period": a["period"],
                    "segment": a["segment"],
                    "team": a["team"],
                    "resource": a["resource"],
                    "tactics": a["tactics"],
                    "hours": a["search_h"],
                    "expected_pod": a["expected_pod"],
                    "status": a["status"],
                },
            )
            for a in ws.assignments(iid)
        ]
    )
    layers["clues"] = _fc(
        [
            _feature(
                json.loads(c["geometry"]), {"name": f"Clue {k + 1}", "description": c["description"], "time": c["time"]}
            )
            for k, c in enumerate(ws.store.all("SELECT * FROM clues WHERE incident_id = ? ORDER BY id", (iid,)))
        ]
    )
    tracks = ws.store.all(
        "SELECT t.*, a.number AS assignment, tm.name AS team FROM tracks t JOIN debriefs d ON d.id = t.debrief_id "
        "JOIN assignments a ON a.id = d.assignment_id JOIN teams tm ON tm.id = a.team_id "
        "WHERE t.incident_id = ? ORDER BY t.id",
        (iid,),
    )
    layers["tracks"] = _fc(
        [
            _feature(
                json.loads(t["geometry"]),
                {
                    "name": t["name"] or f"{t['assignment']} track",
                    "assignment": t["assignment"],
                    "team": t["team"],
                    "start": t["start"],
                    "end": t["end"],
                    "length_m": round(t["length_m"], 1),
                    "times": json.loads(t["times"]) if t["times"] else None,
                },
            )
            for t in tracks
        ]
    )
    layers.update(_report_layers(ws, iid))
    if landing_zones:
        layers["landing_zones"] = _lz_layer(ws, iid)
    return layers


def _report_layers(ws: Workspace, iid: int) -> dict[str, dict]:
    """``reports`` (points: GPX waypoints, KML placemarks) and ``report_areas`` (their accuracy
    circles, ellipses and cell-sector wedges) of the incident's location reports."""
    from carpathia.location import report_area

    points, areas = [], []
    for row, r in zip(ws.reports(iid), ws.report_objects(iid), strict=True):
        acc = (f"sector {r.sector.azimuth_deg:.0f}deg/{r.sector.beam_width_deg:.0f}deg {r.sector.range_m:.0f} m"
               if r.sector else f"+-{r.accuracy_m:.0f} m at {r.confidence:.0%}" if r.accuracy_m is not None else "")
        props = {
            "name": f"R{row['id']} {r.source}",
            "description": " ".join(x for x in (acc, r.verification, r.notes) if x),
            "time": row["time"],
            "source": r.source,
            "accuracy_m": r.accuracy_m,
            "confidence": r.confidence,
            "method": r.method,
            "battery_pct": r.battery_pct,
            "verification": r.verification,
        }
        points.append(_feature(json.loads(row["geometry"]), props))
        area = report_area(r)
        if area is not None:
            areas.append(_feature(area, {**props, "name": f"R{row['id']} area"}))
    return {"reports": _fc(points), "report_areas": _fc(areas)}


def _lz_layer(ws: Workspace, iid: int) -> dict:
    from carpathia.rescue import landing_zones

    inc = ws.incident(iid)
    rep = landing_zones(ws.terrain(iid), inc.ipp_lon, inc.ipp_lat)
    return _fc(
        [
            _feature(
                {"type": "Point", "coordinates": [z.lon, z.lat]},
                {
                    "name": f"LZ {k + 1}",
                    "area_m2": z.area_m2,
                    "slope_deg": round(z.slope_deg, 1),
                    "distance_m": round(z.distance_m),
                    "approach": z.approach,
                },
            )
            for k, z in enumerate(rep.zones)
        ]
    )


# ---------------------------------------------------------------------- export
def export_incident(
    ws: Workspace,
    incident,
    fmt: str,
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    assignment=None,
    coords=None,
    grids=("utm",),
    scale: int | None = None,
    paper: str = "A4",
    zoom="10-15",
) -> list[Path]:
    """Write the incident in ``fmt`` (:data:`EXPORT_FORMATS`) to ``path``; returns the files written.

    ``geojson``: one FeatureCollection, each feature with its ``layer``; ``geotiff``: the current
    map (float32, CRS, tags); ``png``: the briefing map; ``kml``, ``gpkg``, ``gpx``: every layer
    (GPX: segments as routes, tracks, waypoints); ``pdf``: ``path`` is a folder that receives an
    ICS-204-style sheet per assignment of the latest period (with ``assignment``, ``path`` is that
    one sheet's ``.pdf``).

    Maps (png, pdf) carry the labelled ``grids`` (``utm`` with its MGRS squares, ``stereo70``)
    and a coordinate box of the IPP, landing zones and clues in ``coords`` (formats of
    :data:`carpathia.coords.FORMATS`, a list or ``"utm,mgrs,dms"``; default UTM, MGRS and DDM,
    with Stereo 70 in Romania).

    ``pdf`` with ``scale`` (25000, 50000 ...): ``path`` is one ``.pdf``, the incident's area
    printed at exactly 1:``scale`` on ``paper`` (A4, A3), tiled over as many sheets as it needs,
    georeferenced (:func:`carpathia.io.printmap.print_map`). ``mbtiles``: the map with the POA,
    segments, assignments, tracks, clues and LZs as offline tiles for phones over the ``zoom``
    range (``"10-15"``; :func:`carpathia.io.mbtiles.write_mbtiles`).
    """
    from carpathia.io.files import atomic_output, check_output

    fmt = str(fmt).strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    iid = ws.incident_id(incident)
    p = Path(path)
    if fmt == "geotiff":
        return [ws.current_map(iid).to_geotiff(p, overwrite=overwrite)]
    grids = _check_grids(grids)
    if fmt == "pdf" and scale is not None:
        from carpathia.io.printmap import print_map

        check_output(p, overwrite=overwrite, suffixes=(".pdf",))
        name = ws.incident_row(iid)["name"]
        return [
            print_map(
                p, terrain=ws.terrain(iid), pmap=ws.current_map(iid), layers=incident_layers(ws, iid), scale=scale,
                paper=paper, grids=grids or ("utm",), formats=coords, title=name, overwrite=overwrite,
            )
        ]
    if fmt == "mbtiles":
        from carpathia.io.mbtiles import write_mbtiles

        check_output(p, overwrite=overwrite, suffixes=(".mbtiles",))
        return [
            write_mbtiles(
                p, terrain=ws.terrain(iid), pmap=ws.current_map(iid), layers=incident_layers(ws, iid), zoom=zoom,
                name=ws.incident_row(iid)["name"], overwrite=overwrite,
            )
        ]
    if fmt == "pdf":
        return _export_pdf(ws, iid, p, overwrite, assignment, coords=coords, grids=grids)
    suffix = {"geojson": (".geojson", ".json"), "kml": (".kml", ".kmz"), "gpx": (".gpx",), "gpkg": (".gpkg",)}
    suffix["png"] = (".png", ".pdf")
    check_output(p, overwrite=overwrite, suffixes=suffix[fmt])
    layers = incident_layers(ws, iid)
    if fmt == "geojson":
        feats = [
            {**f, "properties": {"layer": name, **f["properties"]}}
            for name, fc in layers.items()
            for f in fc["features"]
        ]
        doc = {"type": "FeatureCollection", "name": ws.incident_row(iid)["name"], "features": feats}
        with atomic_output(p, overwrite=overwrite) as tmp:
            tmp.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
        return [p]
    from carpathia.io import export

    name = ws.incident_row(iid)["name"]
    if fmt == "png":
        pmap, terrain = ws.current_map(iid), ws.terrain(iid)
        return [
            export.briefing_map(
                p, terrain=terrain, pmap=pmap, layers=layers, title=name, formats=coords, grids=grids,
                overwrite=overwrite,
            )
        ]
    if fmt == "kml":
        return [export.write_kml(p, layers, name=name, overwrite=overwrite)]
    if fmt == "gpx":
        return [export.write_gpx_layers(p, layers, routes=assignment_routes(ws, iid), overwrite=overwrite)]
    return [export.write_gpkg(p, layers, pmap=ws.current_map(iid), overwrite=overwrite)]


def assignment_routes(ws: Workspace, incident=None, *, period: int | None = None) -> list:
    """Parallel-sweep routes (:class:`~carpathia.io.gpx.GpxLine`, lon/lat) for a period's assignments.

    Lanes are one sweep width apart (the team's resource, for the segment's land cover and the
    incident's subject: coverage 1 per pass) and follow the contours on slopes
    (:func:`carpathia.search.sweep_route`). Default: the latest period.
    """
    import shapely

    from carpathia.io.gpx import GpxLine
    from carpathia.search import Resource, sweep_route

    iid = ws.incident_id(incident)
    rows = ws.assignments(iid)
    if not rows:
        return []
    last = max(a["period"] for a in rows) if period is None else int(period)
    terrain = ws.terrain(iid)
    segments = ws.segments_object(iid)
    subject = ws.incident_row(iid)["search_for"]
    teams = {t["name"]: t for t in ws.teams(iid)}
    out = []
    for a in (a for a in rows if a["period"] == last):
        seg = segments[a["segment"]]
        res = Resource(**_resource_fields(teams[a["team"]]["resource"]))
        width = float(res.sweep_width(subject, seg.landcover))
        if not width > 0:
            continue
        line = sweep_route(seg, width, terrain=terrain)
        x, y = shapely.get_coordinates(line).T
        lon, lat = terrain.to_lonlat_xy(x, y)
        out.append(
            GpxLine(
                f"{a['number']} {a['segment']} {a['team']}",
                list(zip(lon, lat, strict=True)),
                desc=f"{a['tactics']}; lanes {width:.0f} m apart",
            )
        )
    return out


def _check_grids(grids) -> tuple[str, ...]:
    from carpathia.io.grid import GRID_KINDS

    items = grids.split(",") if isinstance(grids, str) else list(grids or ())
    items = [str(g).strip().lower() for g in items if str(g).strip()]
    bad = [g for g in items if g not in GRID_KINDS]
    if bad or len(items) > 2:
        raise InputError(f"grids are one or two of {', '.join(GRID_KINDS)}, not {', '.join(items)}")
    return tuple(dict.fromkeys(items))


def _export_pdf(
    ws: Workspace, iid: int, folder: Path, overwrite: bool, number=None, *, coords=None, grids=("utm",)
) -> list[Path]:
    from carpathia.io import export
    from carpathia.io.files import check_output

    if number is None and folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file; --out for pdf is a folder that receives one sheet per assignment")
    assignments = ws.assignments(iid)
    if not assignments:
        raise InputError("the incident has no assignments yet; run 'carpathia incident plan'")
    if number is not None:
        check_output(folder, overwrite=overwrite, suffixes=(".pdf",))
        assignments = [ws.assignment(number, iid)]
    last = max(a["period"] for a in assignments)
    segs = {s["id"]: s for s in ws.segments(iid)}
    status = {s["label"]: s for s in incident_status(ws, iid).segments}
    name = ws.incident_row(iid)["name"]
    pmap = ws.current_map(iid)
    layers = {k: v for k, v in incident_layers(ws, iid).items() if k in ("ipp", "clues", "tracks", "landing_zones")}
    if number is None:
        folder.mkdir(parents=True, exist_ok=True)
    out = []
    for a in (a for a in assignments if a["period"] == last):
        seg = segs[a["segment_id"]]
        sheet = {
            "incident": name,
            "period": a["period"],
            "number": a["number"],
            "segment": a["segment"],
            "team": a["team"],
            "resource": a["resource"],
            "tactics": a["tactics"],
            "hours": a["search_h"],
            "expected_pod": a["expected_pod"],
            "radio": a["radio"],
            "hazards": (seg.get("attributes") or {}).get("warning") or None,
            "notes": f"segment POA {status.get(a['segment'], {}).get('poa', float('nan')):.1%}",
        }
        p = folder if number is not None else folder / f"assignment-{a['number']}.pdf"
        export.assignment_sheet_pdf(
            p,
            sheet,
            terrain=ws.terrain(iid),
            segment_lonlat=seg["geometry"],
            pmap=pmap,
            layers=layers,
            formats=coords,
            grids=grids or ("utm",),
            overwrite=overwrite,
        )
        out.append(p)
    return out
