"""The probability map (POA grid): where the subject may be, cell by cell, plus the rest of the world."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.features
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.crs import CRS

from carpathia.errors import DataFileError, FileNotFound, InputError, OutsideTerrainError
from carpathia.io.files import atomic_output, check_output

__all__ = ["CONTAINMENT_LEVELS", "ProbabilityMap"]

#: Containment levels drawn and reported by default (Koester's quartiles and the 95 % ring).
CONTAINMENT_LEVELS = (0.25, 0.5, 0.75, 0.95)
_WGS84 = CRS.from_epsg(4326)
#: Description of the GeoTIFF band that holds the per-cell responsive share.
RESPONSIVE_BAND = "responsive share of the subject per cell (posterior)"


class ProbabilityMap:
    """Probability of area per cell on a terrain grid, plus rest-of-world (ROW) mass.

    ``cells.sum() + rest_of_world == 1`` always holds (to float64 rounding): constructors
    normalise, and every operation returns a new, normalised map.

    Parameters
    ----------
    cells
        2-D array of non-negative weights on the grid (normalised to ``1 - rest_of_world``).
    transform, crs
        The grid's georeferencing (north-up, metric), as for :class:`~carpathia.terrain.Terrain`.
    rest_of_world
        Probability that the subject is outside the grid, in [0, 1].
    meta
        Model name, parameters, seed: written into every file the map is saved to.
    responsive
        Optional grid of the probability that the subject, if in that cell, can respond to
        searchers (calls, whistles). It starts from the model's share (``meta["p_responsive"]``)
        and becomes a per-cell posterior after searches that used different sweep widths for
        responsive and unresponsive subjects (:func:`carpathia.search.update_unsuccessful`).
        ``None``: no share is tracked.
    """

    #: Per-cell posterior responsive share, or None (see the class docstring).
    responsive: np.ndarray | None = None

    def __init__(
        self,
        cells: np.ndarray,
        transform: Affine,
        crs: CRS | str,
        *,
        rest_of_world: float = 0.0,
        meta: dict[str, Any] | None = None,
        responsive: np.ndarray | None = None,
    ) -> None:
        w = np.array(cells, dtype=np.float64)
        if w.ndim != 2:
            raise InputError(f"a probability map is a 2-D grid, not {w.ndim}-D")
        if not np.isfinite(w).all() or (w < 0).any():
            raise InputError("probability map weights must be finite and non-negative")
        row = float(rest_of_world)
        if not (0.0 <= row <= 1.0) or not math.isfinite(row):
            raise InputError(f"rest-of-world probability must be in [0, 1], not {rest_of_world!r}")
        peak = float(w.max()) if w.size else 0.0
        if peak <= 0.0:
            if row < 1.0:
                raise InputError("the map has no weight on the grid; nothing to normalise")
        else:
            w /= peak  # first to the peak, so tiny (even subnormal) weights normalise safely
            w *= (1.0 - row) / float(w.sum())
        self.cells = w
        self.cells.setflags(write=False)
        self.transform = transform
        self.crs = CRS.from_user_input(crs)
        self.rest_of_world = row
        self.meta: dict[str, Any] = dict(meta or {})
        if responsive is not None:
            q = np.array(responsive, dtype=np.float64)
            if q.shape != w.shape:
                raise InputError(f"the responsive share grid is {q.shape}, the map {w.shape}")
            if not np.isfinite(q).all() or (q < 0).any() or (q > 1).any():
                raise InputError("the responsive share must be in [0, 1] in every cell")
            q.setflags(write=False)
            self.responsive = q

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_weights(cls, weights: np.ndarray, terrain, *, rest_of_world: float = 0.0, meta=None) -> ProbabilityMap:
        """Normalise ``weights`` on ``terrain``'s grid."""
        if np.shape(weights) != terrain.shape:
            raise InputError(f"weights have shape {np.shape(weights)}, the terrain {terrain.shape}")
        return cls(weights, terrain.transform, terrain.crs, rest_of_world=rest_of_world, meta=meta)

    @classmethod
    def uniform(cls, terrain, *, rest_of_world: float = 0.0, mask: np.ndarray | None = None) -> ProbabilityMap:
        """Equal probability in every cell (of ``mask``, default: cells with elevation data)."""
        m = terrain.valid if mask is None else np.asarray(mask, bool)
        return cls.from_weights(m.astype(np.float64), terrain, rest_of_world=rest_of_world, meta={"model": "uniform"})

    def _new(self, cells: np.ndarray, rest_of_world: float, **meta) -> ProbabilityMap:
        return ProbabilityMap(
            cells,
            self.transform,
            self.crs,
            rest_of_world=rest_of_world,
            meta={**self.meta, **meta},
            responsive=self.responsive,
        )

    # ------------------------------------------------------------------ geometry
    @property
    def shape(self) -> tuple[int, int]:
        return self.cells.shape  # type: ignore[return-value]

    @property
    def resolution(self) -> float:
        return float(self.transform.a)

    @property
    def total(self) -> float:
        """Sum of the grid and the rest of the world: 1 up to rounding."""
        return float(self.cells.sum()) + self.rest_of_world

    def _xy(self, lon, lat):
        return Transformer.from_crs(_WGS84, self.crs, always_xy=True).transform(lon, lat)

    def cell_of(self, lon: float, lat: float) -> tuple[int, int] | None:
        """(row, col) of the cell containing (lon, lat), or None outside the grid."""
        x, y = self._xy(lon, lat)
        col, row = ~self.transform @ (x, y)
        r, c = math.floor(row), math.floor(col)
        if 0 <= r < self.shape[0] and 0 <= c < self.shape[1]:
            return r, c
        return None

    def probability_at(self, lon: float, lat: float) -> float:
        """Probability of the cell containing (lon, lat); 0 outside the grid."""
        rc = self.cell_of(lon, lat)
        return 0.0 if rc is None else float(self.cells[rc])

    def cell_centres_lonlat(self, rows, cols):
        x, y = self.transform @ (np.asarray(cols, float) + 0.5, np.asarray(rows, float) + 0.5)
        return Transformer.from_crs(self.crs, _WGS84, always_xy=True).transform(x, y)

    # ------------------------------------------------------------------ queries
    def containment_thresholds(self, levels: Sequence[float] = CONTAINMENT_LEVELS) -> dict[float, float]:
        """:meth:`containment_threshold` for several levels with one sort of the grid."""
        for level in levels:
            if not 0.0 < level <= 1.0:
                raise InputError(f"containment level must be in (0, 1], not {level}")
        p = self.cells.ravel()
        pos = p[p > 0]
        if pos.size == 0:
            return {float(level): math.inf for level in levels}
        desc = np.sort(pos.astype(np.float64))[::-1]
        cum = np.cumsum(desc)
        out = {}
        for level in levels:
            k = int(np.searchsorted(cum, level - 1e-12))
            out[float(level)] = float(desc[min(k, desc.size - 1)])
        return out

    def containment_threshold(self, level: float) -> float:
        """Smallest cell probability ``t`` such that cells with ``p ≥ t`` hold at least ``level``.

        ``level`` is a fraction of the whole map (grid + ROW); when the grid holds less than
        ``level``, every cell with positive probability is returned (threshold = smallest > 0).
        """
        return self.containment_thresholds((level,))[float(level)]

    def containment_mask(self, level: float) -> np.ndarray:
        """Boolean mask of the smallest set of most-probable cells holding ``level``."""
        t = self.containment_threshold(level)
        return self.cells >= t

    def contours(self, levels: Sequence[float] = CONTAINMENT_LEVELS) -> list[dict]:
        """Containment polygons as GeoJSON features in lon/lat, one per level (MultiPolygon)."""
        out = []
        to_ll = Transformer.from_crs(self.crs, _WGS84, always_xy=True)
        thresholds = self.containment_thresholds(levels)
        for level in levels:
            mask = (self.cells >= thresholds[float(level)]).astype(np.uint8)
            polys = [
                shapely.geometry.shape(g)
                for g, v in rasterio.features.shapes(mask, mask=mask.astype(bool), transform=self.transform)
                if v == 1
            ]
            geom = shapely.union_all(polys) if polys else shapely.MultiPolygon()
            area_km2 = float(geom.area) / 1e6
            geom = shapely.transform(geom, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
            mass = float(self.cells[mask.astype(bool)].sum())
            out.append(
                {
                    "type": "Feature",
                    "properties": {"level": level, "probability": round(mass, 6), "area_km2": round(area_km2, 3)},
                    "geometry": shapely.geometry.mapping(geom),
                }
            )
        return out

    def top_cells(self, k: int = 10) -> list[dict]:
        """The ``k`` most probable cells, most probable first, with their centres in lon/lat."""
        flat = self.cells.ravel()
        k = max(0, min(int(k), flat.size))
        if k == 0:
            return []
        idx = np.argpartition(flat, -k)[-k:]
        idx = idx[np.argsort(flat[idx])[::-1]]
        rows, cols = np.unravel_index(idx, self.shape)
        lon, lat = self.cell_centres_lonlat(rows, cols)
        return [
            {"row": int(r), "col": int(c), "lon": float(lo), "lat": float(la), "probability": float(flat[i])}
            for r, c, lo, la, i in zip(rows, cols, np.atleast_1d(lon), np.atleast_1d(lat), idx, strict=True)
        ]

    def sample(self, n: int, *, seed: int | np.random.Generator = 0, include_row: bool = False) -> np.ndarray:
        """Draw ``n`` positions from the map: an (n, 2) array of lon, lat.

        Cells are drawn by probability and the point is uniform inside its cell. With
        ``include_row``, draws that land in the rest of the world come back as NaN rows.
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        p = self.cells.ravel()
        grid_mass = float(p.sum())
        if grid_mass <= 0:
            return np.full((n, 2), np.nan)
        idx = rng.choice(p.size, size=n, p=p / grid_mass)
        rows, cols = np.unravel_index(idx, self.shape)
        x, y = self.transform @ (cols + rng.random(n), rows + rng.random(n))
        lon, lat = Transformer.from_crs(self.crs, _WGS84, always_xy=True).transform(x, y)
        out = np.column_stack([lon, lat])
        if include_row and self.rest_of_world > 0:
            out[rng.random(n) < self.rest_of_world] = np.nan
        return out

    def sum_in(self, polygon) -> float:
        """Probability inside a lon/lat polygon (shapely or GeoJSON geometry), partial cells by area."""
        from carpathia.terrain.vectors import Feature, rasterize_fraction

        geom = polygon if isinstance(polygon, shapely.Geometry) else shapely.geometry.shape(polygon)
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(f"sum over an area needs a polygon, not a {geom.geom_type}")
        frac = rasterize_fraction([Feature(geom)], self.transform, self.shape, self.crs)
        return float((self.cells * frac).sum())

    # ------------------------------------------------------------------ operations
    def normalised(self) -> ProbabilityMap:
        """A copy renormalised (useful after arithmetic on ``cells``)."""
        return self._new(self.cells, self.rest_of_world)

    def blend(self, others: Sequence[ProbabilityMap], weights: Sequence[float]) -> ProbabilityMap:
        """Weighted mixture of this map and ``others`` (same grid), weights normalised."""
        maps = [self, *others]
        w = np.asarray(weights, float)
        if w.shape != (len(maps),) or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise InputError(f"give {len(maps)} non-negative weights, not {list(weights)}")
        w = w / w.sum()
        for m in others:
            if m.shape != self.shape or m.transform != self.transform or m.crs != self.crs:
                raise InputError("maps to blend must be on the same grid")
        cells = sum(wi * m.cells for wi, m in zip(w, maps, strict=True))
        row = float(sum(wi * m.rest_of_world for wi, m in zip(w, maps, strict=True)))
        return ProbabilityMap(cells, self.transform, self.crs, rest_of_world=row, meta={"model": "mixture"})

    # ------------------------------------------------------------------ files
    def to_geotiff(self, path: str | os.PathLike, *, overwrite: bool = False, dtype: str = "float32") -> Path:
        """Write probabilities with CRS and metadata tags (model, parameters, seed, ROW).

        ``dtype`` is ``"float32"`` (default, half the size) or ``"float64"`` (the bits of the map,
        for a map that later Bayes updates start from). A tracked responsive share
        (:attr:`responsive`) is written as band 2.
        """
        check_output(path, overwrite=overwrite, suffixes=(".tif", ".tiff"))
        if dtype not in ("float32", "float64"):
            raise InputError(f"a map is written as float32 or float64, not {dtype!r}")
        h, w = self.shape
        profile = {
            "driver": "GTiff",
            "height": h,
            "width": w,
            "count": 1 if self.responsive is None else 2,
            "dtype": dtype,
            "crs": self.crs,
            "transform": self.transform,
            "compress": "deflate",
            "predictor": 3,
            "tiled": h >= 256 and w >= 256,
        }
        tags = {
            "CARPATHIA_PRODUCT": "probability-of-area",
            "CARPATHIA_REST_OF_WORLD": repr(self.rest_of_world),
            "CARPATHIA_META": json.dumps(self.meta, default=str, ensure_ascii=False),
        }
        with atomic_output(path, overwrite=overwrite) as tmp, rasterio.open(tmp, "w", **profile) as ds:
            ds.write(self.cells.astype(dtype), 1)
            ds.update_tags(**tags)
            ds.set_band_description(1, "probability of area (POA) per cell")
            if self.responsive is not None:
                ds.write(self.responsive.astype(dtype), 2)
                ds.set_band_description(2, RESPONSIVE_BAND)
        return Path(path)

    @classmethod
    def from_geotiff(cls, path: str | os.PathLike) -> ProbabilityMap:
        """Read a map written by :meth:`to_geotiff` (or any single-band GeoTIFF of weights)."""
        p = Path(path)
        if not p.exists():
            raise FileNotFound(f"{p}: no such file; check the path")
        try:
            with rasterio.open(p) as ds:
                cells = ds.read(1).astype(np.float64)
                share = None
                if ds.count >= 2 and ds.descriptions[1] == RESPONSIVE_BAND:
                    share = np.clip(np.nan_to_num(ds.read(2).astype(np.float64)), 0.0, 1.0)
                tags = ds.tags()
                transform, crs, nodata = ds.transform, ds.crs, ds.nodata
        except rasterio.errors.RasterioError as exc:
            raise DataFileError(f"{p} is not a readable GeoTIFF ({exc})") from exc
        if crs is None:
            raise DataFileError(f"{p} has no CRS; a probability map must be georeferenced")
        if nodata is not None:
            cells[cells == nodata] = 0.0
        cells[~np.isfinite(cells)] = 0.0
        row = float(tags.get("CARPATHIA_REST_OF_WORLD", 0.0))
        try:
            meta = json.loads(tags.get("CARPATHIA_META", "{}"))
        except json.JSONDecodeError:
            meta = {}
        return cls(cells, transform, crs, rest_of_world=row, meta=meta, responsive=share)

    def to_geojson(self, path: str | os.PathLike, *, levels=CONTAINMENT_LEVELS, overwrite: bool = False) -> Path:
        """Containment polygons (25/50/75/95 %) as a GeoJSON FeatureCollection in lon/lat."""
        check_output(path, overwrite=overwrite, suffixes=(".geojson", ".json"))
        fc = {"type": "FeatureCollection", "features": self.contours(levels), "properties": {"meta": self.meta}}
        with atomic_output(path, overwrite=overwrite) as tmp:
            tmp.write_text(json.dumps(fc, default=str, ensure_ascii=False), encoding="utf-8")
        return Path(path)

    def to_png(
        self, path: str | os.PathLike, terrain, *, ipp=None, title: str | None = None, overwrite: bool = False
    ) -> Path:
        """PNG map: the POA over ``terrain``'s shaded relief with containment lines and the IPP (lon, lat)."""
        from carpathia.io.maps import render_probability

        return render_probability(self, terrain, path, ipp=ipp, title=title, overwrite=overwrite)

    def check_on(self, terrain) -> None:
        """Raise unless the map lies on ``terrain``'s grid."""
        if self.shape != terrain.shape or self.transform != terrain.transform:
            raise OutsideTerrainError("the probability map is not on this terrain's grid")

    def __repr__(self) -> str:
        h, w = self.shape
        return f"<ProbabilityMap {self.meta.get('model', '?')} {w}×{h} cells, ROW {self.rest_of_world:.3f}>"
