"""Debriefs and clues: GPS tracks become coverage, POD and a Bayes update; clues reweight the map.

A mixin of :class:`~carpathia.incident.Workspace` (it uses the workspace's store, terrain,
maps, segments and assignments, ``incident_id`` and ``_tx``):
used only through Workspace, whose public methods these are.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from carpathia.errors import InputError

from . import _rasters
from ._common import _resource_fields, parse_time

#: Default spread of a clue's likelihood kernel, metres. Not a published figure: carpathia's
#: assumption (a few hundred metres of movement plus the clue's location error); give your own.
CLUE_SIGMA_M = 500.0
#: Default clue weight: the clue's surroundings become 1 + 4 = 5 times likelier than far away.
#: Not a published figure: carpathia's assumption; give your own.
CLUE_WEIGHT = 4.0
#: Fixes closer than this to the last one kept are dropped before coverage (GPS jitter), metres.
#: carpathia's assumption: about a consumer GPS unit's horizontal error.
TRACK_THIN_M = 5.0


class DebriefMixin:
    """Debrief an assignment; record a clue."""

    def debrief(
        self,
        number: int | str,
        tracks,
        incident: str | int | None = None,
        *,
        found: str = "no",
        clue: Sequence[float] | None = None,
        clue_description: str | None = None,
        sigma_m: float = CLUE_SIGMA_M,
        weight: float = CLUE_WEIGHT,
        time=None,
        thin_m: float = TRACK_THIN_M,
    ) -> dict[str, Any]:
        """Debrief an assignment: its GPS tracks become coverage, POD and a Bayes update, in one transaction.

        Parameters
        ----------
        number
            The assignment (101 …).
        tracks
            A GPX/KML/GeoJSON file, or :class:`~carpathia.search.Track` objects.
        found
            ``"no"`` (the search did not find the subject: unsuccessful-search update) or
            ``"yes"`` (the subject was found: the incident's status becomes ``found``; no update).
        clue, clue_description, sigma_m, weight
            A clue found on the way (lon, lat): applied after the search update
            (:func:`carpathia.search.update_clue`; defaults :data:`CLUE_SIGMA_M`, :data:`CLUE_WEIGHT`).
        time
            When (ISO with zone; default now): recorded in the update.

        Notes
        -----
        An incident searching for a ``responsive`` subject updates with the responsive coverage.
        Otherwise, when the map knows its responsive share (the ``agents`` model's
        ``meta["p_responsive"]``, or a share tracked since an earlier debrief), responsive and
        unresponsive coverage are kept apart and the per-cell share is carried to the next
        version (:func:`carpathia.search.update_unsuccessful` with ``responsive_coverage``), so
        two debriefs of the same ground equal one of both; with no share known, the update is
        for an unresponsive subject.

        Returns
        -------
        dict
            ``debrief_id``, ``map_version``, ``segment_pod`` (POA-weighted POD of the assignment's
            segment), ``mass_searched`` (Σ POA·POD), ``tracks`` and ``length_m``.
        """
        from carpathia.search import Resource, Track, grid_hash, read_tracks, segment_pod, track_coverage, update_clue
        from carpathia.search import update_unsuccessful as unsuccessful
        from carpathia.search.bayes import prior_share

        iid = self.incident_id(incident)
        a = self.assignment(number, iid)
        if found not in ("no", "yes"):
            raise InputError(f"--found is 'no' or 'yes', not {found!r}")
        when = parse_time(time, "--time")
        trks = read_tracks(tracks) if isinstance(tracks, (str, os.PathLike)) else list(tracks)
        if not trks or not all(isinstance(t, Track) for t in trks):
            raise InputError("a debrief needs at least one track")
        trks = [t.thinned(thin_m) for t in trks]
        source = str(tracks) if isinstance(tracks, (str, os.PathLike)) else None
        terrain = self.terrain(iid)
        team = self.store.one("SELECT * FROM teams WHERE id = ?", (a["team_id"],))
        assert team is not None
        resource = Resource(**_resource_fields(team["resource"]))
        label = f"assignment {a['number']}"
        cov = track_coverage(trks, terrain, resource, team=str(a["number"]))  # off the grid: OutsideTerrainError
        subject = self.incident_row(iid)["search_for"]
        grid, rows = self.segment_grid(iid)
        k = [r["id"] for r in rows].index(a["segment_id"])

        def compute(before):
            # the update from a base map; run again on the newer map if another writer stored one meanwhile
            two_state = subject != "responsive" and (
                before.responsive is not None or before.meta.get("p_responsive") is not None
            )
            what = "responsive+unresponsive" if two_state else subject
            if two_state:
                q = prior_share(before)
                pod = q * cov.pod("responsive") + (1.0 - q) * cov.pod("unresponsive")
                seg_pod = float(segment_pod(pod, grid, before.cells)[k])
            else:
                seg_pod = float(cov.segment_pod(grid, subject=subject, weights=before.cells)[k])
            new, mass = None, None
            if found == "no":
                kw = {"responsive_coverage": cov.coverage("responsive")} if two_state else {}
                new = unsuccessful(
                    before,
                    coverage=cov.coverage("unresponsive" if two_state else subject),
                    **kw,
                    label=label,
                    time=when,
                    details={"assignment": int(a["number"]), "subject": what},
                )
                mass = float(new.meta["updates"][-1]["mass_searched"])
            if clue is not None:
                clon, clat = (float(v) for v in clue)
                new = update_clue(new or before, clon, clat, sigma_m=sigma_m, weight=weight, label=label, time=when)
            return seg_pod, new, mass, what, None if new is None else _rasters.encode_map(new)

        cov_bytes = _rasters.encode_coverage(cov)
        track_rows = [_track_row(t, source) for t in trks]
        summary = f"debrief {a['number']} ({a['team']}, segment {a['segment']}): {len(trks)} track(s), found {found}"
        with self._map_update(iid, "debrief", summary, compute) as (tx, result, _base):
            seg_pod, new, mass, what, map_bytes = result
            cov_sha = tx.put_blob("coverage", cov_bytes)
            mid, version = None, None
            if new is not None:
                version = self._next_version(tx, iid)
                kind = "debrief" if found == "no" else "clue"
                mid = self._insert_map(tx, iid, version, kind, new, map_bytes, grid_hash(new.cells, new.rest_of_world))
            did = tx.insert(
                "debriefs",
                incident_id=iid,
                assignment_id=a["id"],
                time=when.isoformat(),
                found=found,
                subject=what,
                coverage_sha=cov_sha,
                segment_pod=seg_pod,
                mass_searched=mass,
                map_version_id=mid,
                details=json.dumps({"tracks": cov.log}, default=str),
            )
            for tr in track_rows:
                tx.insert("tracks", incident_id=iid, debrief_id=did, **tr)
            if clue is not None:
                clon, clat = (float(v) for v in clue)
                tx.insert(
                    "clues",
                    incident_id=iid,
                    debrief_id=did,
                    time=when.isoformat(),
                    lat=clat,
                    lon=clon,
                    geometry=json.dumps({"type": "Point", "coordinates": [clon, clat]}),
                    description=clue_description,
                    sigma_m=float(sigma_m),
                    weight=float(weight),
                    map_version_id=mid,
                )
            if a["status"] != "debriefed":
                tx.update("assignments", a["id"], status="debriefed")
            if found == "yes":
                tx.update("incidents", iid, status="found")
        return {
            "debrief_id": did,
            "assignment": int(a["number"]),
            "map_version": version,
            "segment_pod": seg_pod,
            "mass_searched": mass,
            "tracks": len(trks),
            "length_m": float(sum(t.length_m for t in trks)),
            "found": found,
        }

    def add_clue(
        self,
        lon: float,
        lat: float,
        incident: str | int | None = None,
        *,
        description: str | None = None,
        sigma_m: float = CLUE_SIGMA_M,
        weight: float = CLUE_WEIGHT,
        time=None,
    ) -> dict[str, Any]:
        """Record a clue at (lon, lat) and update the map with it (a new map version)."""
        from carpathia.search import grid_hash, update_clue

        iid = self.incident_id(incident)
        when = parse_time(time, "--time")

        def compute(before):
            # on the latest map; again inside the write lock if another writer stored one meanwhile
            new = update_clue(
                before, float(lon), float(lat), sigma_m=sigma_m, weight=weight, label=description, time=when
            )
            return new, _rasters.encode_map(new)

        with self._map_update(iid, "clue", f"clue at {lat:.5f},{lon:.5f}: {description or ''}".strip(), compute) as (
            tx,
            (new, data),
            _base,
        ):
            version = self._next_version(tx, iid)
            mid = self._insert_map(tx, iid, version, "clue", new, data, grid_hash(new.cells, new.rest_of_world))
            cid = tx.insert(
                "clues",
                incident_id=iid,
                time=when.isoformat(),
                lat=float(lat),
                lon=float(lon),
                geometry=json.dumps({"type": "Point", "coordinates": [float(lon), float(lat)]}),
                description=description,
                sigma_m=float(sigma_m),
                weight=float(weight),
                map_version_id=mid,
            )
        return {"clue_id": cid, "map_version": version}


def _track_row(t, source: str | None) -> dict[str, Any]:
    coords = [[float(x), float(y)] for x, y in zip(t.lon, t.lat, strict=True)]
    times = None
    if t.time is not None:
        times = json.dumps([None if np.isnat(v) else f"{v}Z" for v in t.time])
    return {
        "name": t.name,
        "source": source or t.source or None,
        "geometry": json.dumps({"type": "LineString", "coordinates": coords}),
        "times": times,
        "length_m": float(t.length_m),
        "start": t.start,
        "end": t.end,
    }


def track_from_row(row: Mapping[str, Any]):
    """A stored track back as a :class:`~carpathia.search.Track` (same coordinates and times)."""
    from carpathia.search import Track

    xy = np.asarray(json.loads(row["geometry"])["coordinates"], dtype=float)
    times = None
    if row.get("times"):
        vals = json.loads(row["times"])
        times = np.array([np.datetime64("NaT") if v is None else np.datetime64(v.rstrip("Z")) for v in vals])
    return Track(xy[:, 0], xy[:, 1], times, row.get("name") or "", row.get("source") or "")
