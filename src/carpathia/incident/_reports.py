"""Location reports on an incident: stored, audited, undoable, listed and exported (issue 15).

A report (:class:`carpathia.location.LocationReport`) is one fix from a phone (AML/112, the
locate-me link, a shared pin), a relative's word, a cell sector, a police trace, a beacon or a
radio call, with its time, accuracy, verification status and notes. Each add and each change of
status is one transaction with its audit row (undo takes it back like any other change).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from carpathia.errors import InputError
from carpathia.location import VERIFICATION, CellSector, LocationReport

from .store import now_iso

__all__ = ["ReportsMixin", "report_from_row"]


def _row(report: LocationReport, source_format: str | None) -> dict[str, Any]:
    sector = None
    if report.sector is not None:
        s = report.sector
        sector = json.dumps({"azimuth_deg": s.azimuth_deg, "beam_width_deg": s.beam_width_deg,
                             "range_m": s.range_m, "min_range_m": s.min_range_m})
    return {
        "source": report.source,
        "time": report.time.isoformat(),
        "received": now_iso(),
        "lat": float(report.lat),
        "lon": float(report.lon),
        "geometry": json.dumps({"type": "Point", "coordinates": [float(report.lon), float(report.lat)]}),
        "accuracy_m": None if report.accuracy_m is None else float(report.accuracy_m),
        "confidence": float(report.confidence),
        "ellipse": None if report.ellipse is None else json.dumps([float(v) for v in report.ellipse]),
        "sector": sector,
        "method": report.method,
        "battery_pct": None if report.battery_pct is None else float(report.battery_pct),
        "altitude_m": None if report.altitude_m is None else float(report.altitude_m),
        "verification": report.verification,
        "notes": report.notes or None,
        "raw": report.raw or None,
        "source_format": source_format,
        "extra": json.dumps(report.extra, ensure_ascii=False) if report.extra else None,
    }


def report_from_row(row: dict[str, Any]) -> LocationReport:
    """The :class:`LocationReport` a ``reports`` row holds."""
    sector = None
    if row.get("sector"):
        d = json.loads(row["sector"])
        sector = CellSector(row["lon"], row["lat"], d["azimuth_deg"], d["beam_width_deg"], d["range_m"],
                            d.get("min_range_m", 0.0))
    return LocationReport(
        lon=row["lon"],
        lat=row["lat"],
        time=datetime.fromisoformat(row["time"]),
        source=row["source"],
        accuracy_m=row["accuracy_m"],
        confidence=row["confidence"],
        ellipse=tuple(json.loads(row["ellipse"])) if row.get("ellipse") else None,
        sector=sector,
        method=row["method"],
        battery_pct=row["battery_pct"],
        altitude_m=row["altitude_m"],
        verification=row["verification"],
        notes=row["notes"] or "",
        raw=row["raw"] or "",
        extra=json.loads(row["extra"]) if row.get("extra") else {},
    )


def _describe(r: LocationReport) -> str:
    if r.sector is not None:
        acc = f"sector {r.sector.azimuth_deg:.0f}° ±{r.sector.beam_width_deg / 2:.0f}°, {r.sector.range_m:.0f} m"
    elif r.accuracy_m is not None:
        acc = f"±{r.accuracy_m:.0f} m"
    else:
        acc = "accuracy unknown"
    return f"{r.source} report at {r.lat:.5f},{r.lon:.5f} ({acc}, {r.verification})"


class ReportsMixin:
    """Location reports of the :class:`~carpathia.incident.Workspace`."""

    def add_report(
        self, report: LocationReport, incident: str | int | None = None, *, source_format: str | None = None
    ) -> dict[str, Any]:
        """Store a report on the incident (one audited transaction); returns ``{"report_id": ...}``.

        ``source_format`` records how the position was written (``mgrs``, ``stereo70``, ``geo`` ...).
        A report outside the incident's terrain is stored (it is information) and flagged by
        :meth:`reports` with ``on_terrain = False``.
        """
        if not isinstance(report, LocationReport):
            raise InputError("add_report takes a carpathia.location.LocationReport")
        iid = self.incident_id(incident)  # type: ignore[attr-defined]
        row = _row(report, source_format)
        with self.store.transaction(  # type: ignore[attr-defined]
            "report add", who=self.user, incident_id=iid, summary=_describe(report)  # type: ignore[attr-defined]
        ) as tx:
            rid = tx.insert("reports", incident_id=iid, **row)
        return {"report_id": rid}

    def set_report_verification(
        self, report_id: int, verification: str, incident: str | int | None = None, *, note: str | None = None
    ) -> dict[str, Any]:
        """Change a report's verification status (confirmed, plausible, unverified, refuted);
        a note is appended to the report's notes. One audited, undoable transaction."""
        if verification not in VERIFICATION:
            raise InputError(f"verification {verification!r}: choose one of {', '.join(VERIFICATION)}")
        iid = self.incident_id(incident)  # type: ignore[attr-defined]
        row = self.store.one("SELECT * FROM reports WHERE id = ? AND incident_id = ?", (int(report_id), iid))  # type: ignore[attr-defined]
        if row is None:
            raise InputError(f"no report {report_id} in this incident (carpathia incident reports lists them)")
        cols: dict[str, Any] = {"verification": verification}
        if note:
            cols["notes"] = f"{row['notes']}\n{note}" if row["notes"] else note
        summary = f"report {report_id}: {row['verification']} -> {verification}"
        with self.store.transaction("report verify", who=self.user, incident_id=iid, summary=summary) as tx:  # type: ignore[attr-defined]
            tx.update("reports", int(report_id), **cols)
        return {"report_id": int(report_id), "verification": verification}

    def reports(self, incident: str | int | None = None) -> list[dict[str, Any]]:
        """The incident's reports, by time of fix: the stored row with ``sector``, ``ellipse`` and
        ``extra`` decoded, ``age_h`` (hours before now) and ``on_terrain``."""
        iid = self.incident_id(incident)  # type: ignore[attr-defined]
        rows = self.store.all("SELECT * FROM reports WHERE incident_id = ? ORDER BY time, id", (iid,))  # type: ignore[attr-defined]
        terrain = None
        try:
            terrain = self.terrain(iid)  # type: ignore[attr-defined]
        except (InputError, AttributeError):
            terrain = None
        out = []
        for r in rows:
            d = dict(r)
            for k in ("sector", "ellipse", "extra"):
                d[k] = json.loads(d[k]) if d[k] else None
            if terrain is not None:
                try:
                    terrain.to_pixel(d["lon"], d["lat"])
                    d["on_terrain"] = True
                except InputError:
                    d["on_terrain"] = False
            out.append(d)
        return out

    def report_objects(self, incident: str | int | None = None) -> list[LocationReport]:
        """The incident's reports as :class:`LocationReport` objects, by time of fix."""
        iid = self.incident_id(incident)  # type: ignore[attr-defined]
        rows = self.store.all("SELECT * FROM reports WHERE incident_id = ? ORDER BY time, id", (iid,))  # type: ignore[attr-defined]
        return [report_from_row(r) for r in rows]

    def map_from_report(
        self,
        report_id: int,
        incident: str | int | None = None,
        *,
        at=None,
        model: str = "travel_time",
        weight: float | None = None,
        heading: bool = True,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A new map version grown from a report's spread over the hours since its fix
        (:func:`carpathia.probability.reports.report_map`), recorded as the ``report`` model so
        replay rebuilds it; its meta names the report. ``weight`` is the report's scenario weight
        against the map from the IPP (default by its verification: confirmed 1, plausible 0.8,
        unverified 0.5). With ``heading`` (default), the fixes up to this one that show the phone
        moving (:func:`carpathia.location.direction_of_travel`) tilt the map towards that
        direction. A refuted report is refused."""
        iid = self.incident_id(incident)  # type: ignore[attr-defined]
        row = self.store.one("SELECT * FROM reports WHERE id = ? AND incident_id = ?", (int(report_id), iid))  # type: ignore[attr-defined]
        if row is None:
            raise InputError(f"no report {report_id} in this incident (carpathia incident reports lists them)")
        if row["verification"] == "refuted":
            raise InputError(f"report {report_id} is refuted; set it plausible first if it should move the map")
        this = report_from_row(row)
        rep = this.to_dict()
        rep.pop("raw", None)
        rep.pop("extra", None)
        rep["id"] = int(report_id)
        if weight is not None:
            kwargs["weight"] = float(weight)
        if heading:
            from carpathia.location import direction_of_travel

            earlier = [r for r in self.report_objects(iid) if r.time <= this.time]
            move = direction_of_travel(earlier)
            if move is not None:
                kwargs["heading_deg"] = round(move[0], 3)
        return self.run_map(iid, model="report", at=at, report=rep, base=model, **kwargs)  # type: ignore[attr-defined]
