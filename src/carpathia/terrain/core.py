"""The :class:`Terrain` grid: elevation in a metric CRS plus the layers a search planner needs."""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rasterio.errors
import rasterio.warp
import rasterio.windows
from affine import Affine
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.enums import Resampling

from carpathia.errors import DataFileError, FileNotFound, InputError, OutsideTerrainError
from carpathia.io.files import atomic_output

from . import _grid, _io, landcover
from .vectors import Feature, rasterize_fraction, rasterize_mask, rasterize_max, read_features

__all__ = ["FORMAT_VERSION", "Terrain"]

#: Version of the saved-terrain file layout (``.npz``); bumped on incompatible change.
FORMAT_VERSION = 1
_WGS84 = CRS.from_epsg(4326)
_LINE_LAYERS = ("water", "roads", "trails")

#: The region loader (:func:`carpathia.terrain.regions.load_region`). ``regions`` builds on this
#: module and hands the loader down when it is imported (the package imports it), so that this
#: module never imports ``regions``: the dependency runs one way.
_region_loader = None


def _register_region_loader(fn) -> None:
    global _region_loader
    _region_loader = fn


class Terrain:
    """A north-up, square-celled elevation grid in a metric CRS, with derived and vector layers.

    Build one with :meth:`from_dem`, :meth:`from_region`, :meth:`load` or :meth:`flat`.

    Attributes
    ----------
    elevation : numpy.ndarray
        2-D float32, metres above sea level; NaN where there is no data.
    transform : affine.Affine
        Maps (col, row) of cell corners to CRS coordinates.
    crs : rasterio.crs.CRS
        Metric CRS of the grid (UTM unless chosen otherwise).
    layers : dict[str, numpy.ndarray]
        Raster layers on the same grid: ``water`` (float32 fraction of the cell covered by
        rivers and lakes), ``landcover`` (uint8 classes of :mod:`carpathia.terrain.landcover`),
        ``river_width`` (float32, metres: the widest river line passing through the cell, for
        barriers), ``roads`` and ``trails`` (bool masks of the cells a line passes through).
    features : dict[str, list[Feature]]
        Vector context in lon/lat: ``rivers``, ``lakes``, ``borders``, ``towns``, ``peaks``,
        ``roads``, ``trails``.
    meta : dict
        Name, sources, licences and notes.

    Notes
    -----
    The Python API takes coordinates as (lon, lat), x before y, like shapely and rasterio.
    Derived layers (slope, aspect, hillshade, ruggedness) are computed on first use and
    cached; they cost one pass of a parallel numba kernel each (about 4 bytes per cell).
    """

    def __init__(
        self,
        elevation: np.ndarray,
        transform: Affine,
        crs: CRS | str,
        *,
        layers: dict[str, np.ndarray] | None = None,
        features: dict[str, list[Feature]] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        z = np.ascontiguousarray(elevation, dtype=np.float32)
        if z.ndim != 2:
            raise InputError(f"elevation must be a 2-D array, not {z.ndim}-D")
        if transform.b != 0 or transform.d != 0 or transform.e >= 0 or transform.a <= 0:
            raise InputError("a terrain grid must be north-up (no rotation, rows from north to south)")
        if not math.isclose(transform.a, -transform.e, rel_tol=1e-9):
            raise InputError(f"terrain cells must be square, not {transform.a} × {-transform.e}")
        self.elevation = z
        self.transform = transform
        self.crs = _io.parse_crs(crs)
        if self.crs.is_geographic:
            raise InputError("a terrain grid must be in a metric CRS (e.g. UTM), not in degrees")
        self.layers: dict[str, np.ndarray] = {}
        for k, v in (layers or {}).items():
            self.set_layer(k, v)
        self.features: dict[str, list[Feature]] = {k: list(v) for k, v in (features or {}).items()}
        self.meta: dict[str, Any] = dict(meta or {})
        self._cache: dict[tuple, np.ndarray] = {}
        self._to_xy = Transformer.from_crs(_WGS84, self.crs, always_xy=True)
        self._from_xy = Transformer.from_crs(self.crs, _WGS84, always_xy=True)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dem(
        cls,
        paths: str | os.PathLike | Sequence[str | os.PathLike],
        *,
        crs: object | None = None,
        bounds: Sequence[float] | None = None,
        center: Sequence[float] | None = None,
        radius_m: float | None = None,
        resolution: float | None = None,
        dst_crs: object | None = None,
        fill_voids: int = 400,
        resampling: str = "auto",
        name: str | None = None,
    ) -> Terrain:
        """Read one or more DEM files and make a metric terrain grid.

        Parameters
        ----------
        paths
            SRTM ``.hgt`` tiles (1" or 3") and/or georeferenced rasters; several are mosaicked
            (the first listed wins where they overlap).
        crs
            CRS of rasters that carry none (e.g. ``"EPSG:3844"``).
        bounds
            Area of interest (west, south, east, north) in degrees.
        center, radius_m
            Or: a (lon, lat) centre and a radius in metres; the grid is a square of odd size
            whose middle cell is centred on ``center``.
        resolution
            Cell size in metres; default: the finest source's, rounded.
        dst_crs
            Metric CRS of the grid; default the UTM zone of the area's centre.
        fill_voids
            Fill no-data holes of up to this many cells inside the data (0: none).

        Raises
        ------
        FileNotFound, DataFileError, MissingCRSError, InputError, OutsideTerrainError
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = list(paths)
        if not paths:
            raise InputError("give at least one DEM file")
        if bounds is not None and center is not None:
            raise InputError("give either bounds or a centre with a radius, not both")
        if (center is None) != (radius_m is None):
            raise InputError("a centre needs a radius in metres, and a radius needs a centre")
        res = _grid.check_positive(resolution, "resolution")
        radius = _grid.check_positive(radius_m, "radius")
        sources = [_io.open_dem(p, crs=crs) for p in paths]
        cover = _union([_grid.lonlat_bounds(s.crs, s.bounds) for s in sources])
        if center is not None:
            lon, lat = _grid.check_lonlat(*_pair(center))
            bbox = None
        else:
            bbox = _grid.check_bbox(bounds) if bounds is not None else cover
            lon, lat = (bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0
        _check_covered(bbox, (lon, lat), radius, cover)
        out_crs = _io.parse_crs(dst_crs) if dst_crs is not None else _grid.utm_crs_for(lon, lat)
        if out_crs.is_geographic:
            raise InputError("dst_crs must be a metric CRS such as a UTM zone, not degrees")
        if res is None:
            res = _nice_resolution(min(s.resolution_m() for s in sources))
        if center is not None:
            transform, width, height = _grid.grid_for_center(lon, lat, radius, out_crs, res)
        else:
            transform, width, height = _grid.grid_for_bbox(bbox, out_crs, res)
        z = _grid.warp_sources(sources, transform, width, height, out_crs, resampling=resampling)
        z, filled = _grid.fill_small_voids(z, fill_voids)
        meta = {
            "name": name or Path(paths[0]).stem,
            "sources": [{"file": s.path.name, "kind": s.kind, "crs": s.crs.to_string()} for s in sources],
            "voids_filled": filled,
            "no_data_fraction": float(np.isnan(z).mean()),
        }
        return cls(z, transform, out_crs, meta=meta)

    @classmethod
    def flat(
        cls,
        center: Sequence[float],
        radius_m: float,
        resolution: float,
        *,
        elevation: float = 0.0,
        dst_crs: object | None = None,
    ) -> Terrain:
        """A flat, featureless grid centred on (lon, lat): for places no DEM covers."""
        lon, lat = _grid.check_lonlat(*_pair(center))
        res = _grid.check_positive(resolution, "resolution")
        radius = _grid.check_positive(radius_m, "radius")
        out_crs = _io.parse_crs(dst_crs) if dst_crs is not None else _grid.utm_crs_for(lon, lat)
        transform, w, h = _grid.grid_for_center(lon, lat, radius, out_crs, res)
        z = np.full((h, w), float(elevation), np.float32)
        return cls(z, transform, out_crs, meta={"name": "flat", "sources": [], "flat": True})

    @classmethod
    def from_region(cls, name: str) -> Terrain:
        """Load a bundled or user-built region by name (see ``carpathia regions``)."""
        if _region_loader is None:  # carpathia.terrain imports regions, so never in practice
            from carpathia.errors import CarpathiaError

            raise CarpathiaError("carpathia.terrain.regions is not imported")
        return _region_loader(name)

    def crop(self, center: Sequence[float], radius_m: float) -> Terrain:
        """The part of the grid within ``radius_m`` of (lon, lat), as a square window.

        No resampling: the window keeps the grid's cells, layers and CRS; vector features are
        clipped to it. Raises :class:`OutsideTerrainError` if the centre is off the grid.
        """
        radius = _grid.check_positive(radius_m, "radius")
        r, c = self.to_pixel(*_pair(center))
        k = max(1, math.ceil(radius / self.resolution))
        h, w = self.shape
        r0, r1 = max(0, r - k), min(h, r + k + 1)
        c0, c1 = max(0, c - k), min(w, c + k + 1)
        transform = self.transform @ Affine.translation(c0, r0)
        sub = Terrain(
            self.elevation[r0:r1, c0:c1],
            transform,
            self.crs,
            layers={n: v[r0:r1, c0:c1] for n, v in self.layers.items()},
            meta={**self.meta, "cropped_from": self.name},
        )
        for kind, feats in self.features.items():
            sub.add_features(kind, feats)
        return sub

    # ------------------------------------------------------------------ geometry
    @property
    def shape(self) -> tuple[int, int]:
        return self.elevation.shape  # type: ignore[return-value]

    @property
    def resolution(self) -> float:
        """Cell size in metres."""
        return float(self.transform.a)

    @property
    def name(self) -> str:
        return str(self.meta.get("name", "terrain"))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in the grid's CRS, metres."""
        h, w = self.shape
        t = self.transform
        return (t.c, t.f + h * t.e, t.c + w * t.a, t.f)

    @property
    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees of the grid's envelope."""
        return _grid.lonlat_bounds(self.crs, self.bounds)

    @property
    def valid(self) -> np.ndarray:
        """Boolean mask of cells with elevation data."""
        return ~np.isnan(self.elevation)

    def to_xy(self, lon, lat):
        """Project lon/lat (degrees) to the grid's CRS (metres)."""
        return self._to_xy.transform(lon, lat)

    def to_lonlat_xy(self, x, y):
        """Unproject grid CRS coordinates (metres) to lon/lat (degrees)."""
        return self._from_xy.transform(x, y)

    def to_pixel(self, lon, lat, *, strict: bool = True):
        """(row, col) of the cell containing (lon, lat); scalars or arrays.

        With ``strict`` (default) a point outside the grid raises
        :class:`~carpathia.errors.OutsideTerrainError`; otherwise such points get -1, -1.
        """
        lon_a = np.asarray(lon, dtype=float)
        lat_a = np.asarray(lat, dtype=float)
        x, y = self._to_xy.transform(lon_a, lat_a)
        col_f, row_f = ~self.transform @ (np.asarray(x), np.asarray(y))
        row = np.floor(row_f)
        col = np.floor(col_f)
        h, w = self.shape
        inside = np.isfinite(row) & np.isfinite(col) & (row >= 0) & (row < h) & (col >= 0) & (col < w)
        if strict and not np.all(inside):
            lo, la = (float(np.ravel(lon_a)[~np.ravel(inside)][0]), float(np.ravel(lat_a)[~np.ravel(inside)][0]))
            w_, s_, e_, n_ = self.lonlat_bounds
            raise OutsideTerrainError(
                f"point {la:.5f},{lo:.5f} (lat,lon) is outside the terrain "
                f"{self.name!r}, which spans lat {s_:.3f}..{n_:.3f}, lon {w_:.3f}..{e_:.3f}"
            )
        row = np.where(inside, row, -1).astype(np.int64)
        col = np.where(inside, col, -1).astype(np.int64)
        if row.ndim == 0:
            return int(row), int(col)
        return row, col

    def to_lonlat(self, row, col):
        """(lon, lat) of the centre of cell (row, col); scalars or arrays."""
        x, y = self.transform @ (np.asarray(col, dtype=float) + 0.5, np.asarray(row, dtype=float) + 0.5)
        lon, lat = self._from_xy.transform(x, y)
        if np.ndim(lon) == 0:
            return float(lon), float(lat)
        return lon, lat

    def sample(self, lon, lat) -> float | np.ndarray:
        """Elevation of the cell containing (lon, lat)."""
        r, c = self.to_pixel(lon, lat)
        v = self.elevation[r, c]
        return float(v) if np.ndim(v) == 0 else v

    # ------------------------------------------------------------------ derived layers
    def _kernel(self, key: tuple, fn, *args) -> np.ndarray:
        if key not in self._cache:
            res = self.resolution
            out = fn(self.elevation, res, res, *args)
            out.setflags(write=False)
            self._cache[key] = out
        return self._cache[key]

    def slope(self) -> np.ndarray:
        """Slope in degrees (Horn 1981, as ``gdaldem slope``), float32, cached."""
        from . import _kernels

        return self._kernel(("slope",), _kernels.slope_deg)

    def aspect(self) -> np.ndarray:
        """Downslope direction, degrees clockwise from grid north; NaN where flat. Cached."""
        from . import _kernels

        return self._kernel(("aspect",), _kernels.aspect_deg)

    def hillshade(self, azimuth: float = 315.0, altitude: float = 45.0, z_factor: float = 1.0) -> np.ndarray:
        """Illumination in [0, 1] (``gdaldem hillshade`` writes 1 + 254 × this). Cached."""
        from . import _kernels

        return self._kernel(
            ("hillshade", float(azimuth), float(altitude), float(z_factor)),
            _kernels.hillshade,
            float(azimuth),
            float(altitude),
            float(z_factor),
        )

    def ruggedness(self) -> np.ndarray:
        """Terrain ruggedness index (Riley, DeGloria & Elliot 1999), metres. Cached."""
        from . import _kernels

        if ("tri",) not in self._cache:
            out = _kernels.ruggedness_riley(self.elevation)
            out.setflags(write=False)
            self._cache[("tri",)] = out
        return self._cache[("tri",)]

    # ------------------------------------------------------------------ raster and vector layers
    def set_layer(self, name: str, values: np.ndarray) -> None:
        """Attach a raster layer on the same grid."""
        arr = np.asarray(values)
        if arr.shape != self.elevation.shape:
            raise InputError(f"layer {name!r} has shape {arr.shape}, the terrain {self.elevation.shape}")
        self.layers[name] = arr

    def layer(self, name: str) -> np.ndarray:
        """A raster layer; missing line layers and land cover come back empty (all zero)."""
        if name in self.layers:
            return self.layers[name]
        if name in ("water", "river_width"):
            return np.zeros(self.shape, np.float32)
        if name in ("roads", "trails"):
            return np.zeros(self.shape, bool)
        if name == "landcover":
            return np.zeros(self.shape, np.uint8)
        raise InputError(f"terrain {self.name!r} has no layer {name!r}; it has {sorted(self.layers)}")

    def add_lines(
        self,
        source: str | os.PathLike | Sequence[Feature],
        layer: str,
        *,
        width_m: float | None = None,
        keep_features: bool = True,
    ) -> int:
        """Rasterise lines (and polygons) from a GeoJSON/KML/GPX file or features onto a layer.

        ``layer`` is ``"water"`` (adds the covered fraction; a line is buffered to the width in
        its ``width_m`` property, else to ``width_m``), ``"roads"`` or ``"trails"`` (marks
        every cell a line passes through). Returns the number of features on the grid.
        """
        if layer not in _LINE_LAYERS:
            raise InputError(f"layer must be one of {', '.join(_LINE_LAYERS)}, not {layer!r}")
        if width_m is not None:
            width_m = _grid.check_positive(width_m, "river width")
        if isinstance(source, (str, os.PathLike)):
            feats = read_features(source, geometry_types=("LineString", "Polygon"))
        else:
            feats = list(source)
        feats = _on_grid(feats, self.lonlat_bounds)
        if layer == "water":
            widths = [_feature_width(f, width_m) for f in feats]
            frac = rasterize_fraction(feats, self.transform, self.shape, self.crs, width_m=widths)
            self.layers["water"] = np.maximum(self.layer("water"), frac).astype(np.float32)
            lines = [(f, w) for f, w in zip(feats, widths, strict=True) if w > 0]
            if lines:
                rw = rasterize_max([f for f, _ in lines], [w for _, w in lines], self.transform, self.shape, self.crs)
                self.layers["river_width"] = np.maximum(self.layer("river_width"), rw)
            key = "rivers"
        else:
            mask = rasterize_mask(feats, self.transform, self.shape, self.crs)
            self.layers[layer] = self.layer(layer) | mask
            key = layer
        if keep_features:
            self.features.setdefault(key, []).extend(feats)
        return len(feats)

    def add_landcover(self, path: str | os.PathLike, *, crs: object | None = "EPSG:4326", igbp: bool = True) -> None:
        """Warp a land-cover raster (nearest neighbour) onto the grid as layer ``landcover``.

        With ``igbp`` the values are IGBP codes (MODIS MCD12) and are mapped to
        open / forest / urban / water; otherwise they must already be carpathia classes.
        """
        p = Path(path)
        if not p.exists():
            raise FileNotFound(f"{p}: no such file; check the path")
        try:
            with rasterio.open(p) as ds:
                src_crs = ds.crs or _io.parse_crs(crs)
                nodata = ds.nodata if ds.nodata is not None else 255
                left, bottom, right, top = rasterio.warp.transform_bounds(
                    self.crs, src_crs, *self.bounds, densify_pts=21
                )
                win = ds.window(left, bottom, right, top).round_offsets().round_lengths()
                win = rasterio.windows.Window(win.col_off - 2, win.row_off - 2, win.width + 5, win.height + 5)
                data = ds.read(1, window=win, boundless=True, fill_value=nodata)
                src_t = ds.window_transform(win)
        except rasterio.errors.RasterioError as exc:
            raise DataFileError(f"{p}: cannot read land cover ({exc})") from exc
        classes = landcover.from_igbp(data, int(nodata)) if igbp else data.astype(np.uint8)
        out = np.zeros(self.shape, np.uint8)
        rasterio.warp.reproject(
            classes,
            out,
            src_transform=src_t,
            src_crs=src_crs,
            src_nodata=0,
            dst_transform=self.transform,
            dst_crs=self.crs,
            dst_nodata=0,
            resampling=Resampling.nearest,
        )
        self.layers["landcover"] = out

    def add_features(self, kind: str, features: Sequence[Feature]) -> None:
        """Keep vector context (towns, borders, peaks ...) for maps, clipped to the grid."""
        self.features.setdefault(kind, []).extend(_on_grid(list(features), self.lonlat_bounds))

    # ------------------------------------------------------------------ data quality
    def accuracy_note(self) -> str:
        """One line on the DEM's known limits for map footers and sheets; ``""`` when none is recorded.

        Regions built from a reconstructed DEM (the bundled ``maramures``) carry the source's
        accuracy in ``meta["reconstruction"]``; every product made from them says so.
        """
        rec = self.meta.get("reconstruction")
        if not rec:
            return ""
        h = rec.get("horizontal_m", [])
        where = f", positions {h[0]}-{h[1]} m" if len(h) == 2 else ""
        return (
            f"DEM: {rec.get('kind', 'a reconstruction')}, not an original tile (peaks {rec.get('peaks', '?')}, "
            f"heights {rec.get('vertical', '?')}{where})."
        )

    def interpolated_share(self, mask: np.ndarray) -> float:
        """Share of the cells under ``mask`` (a boolean grid) that the DEM's source interpolated.

        0 when the terrain has no ``interpolated`` layer (an original DEM).
        """
        gaps = self.layers.get("interpolated")
        m = np.asarray(mask, dtype=bool)
        if gaps is None or not m.any():
            return 0.0
        if m.shape != self.shape:
            raise InputError(f"mask has shape {m.shape}, the terrain {self.shape}")
        return float(np.asarray(gaps, dtype=bool)[m].mean())

    # ------------------------------------------------------------------ summary, save, load
    def summary(self) -> dict[str, Any]:
        """Figures for ``carpathia terrain info``."""
        z = self.elevation
        valid = ~np.isnan(z)
        w, s, e, n = self.lonlat_bounds
        elev = (
            {"min": float(z[valid].min()), "max": float(z[valid].max()), "mean": float(z[valid].mean())}
            if valid.any()
            else {"min": None, "max": None, "mean": None}
        )
        return {
            "name": self.name,
            "crs": self.crs.to_string(),
            "shape": list(self.shape),
            "resolution_m": self.resolution,
            "extent_km": [
                round(self.shape[1] * self.resolution / 1000, 2),
                round(self.shape[0] * self.resolution / 1000, 2),
            ],
            "bounds_lonlat": [round(v, 5) for v in (w, s, e, n)],
            "elevation": elev,
            "no_data_fraction": float(1.0 - valid.mean()),
            "layers": sorted(self.layers),
            "features": {k: len(v) for k, v in sorted(self.features.items())},
            "source": self.meta.get("source") or [s.get("file") for s in self.meta.get("sources", [])],
            "notes": self.meta.get("notes", ""),
            "accuracy": self.accuracy_note(),
            "interpolated_share": (
                round(float(np.asarray(self.layers["interpolated"], bool).mean()), 4)
                if "interpolated" in self.layers
                else 0.0
            ),
        }

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write the terrain to one compressed ``.npz`` file (atomically)."""
        p = Path(path)
        if p.suffix != ".npz":
            p = p.with_name(p.name + ".npz")
        header = {
            "format": "carpathia-terrain",
            "version": FORMAT_VERSION,
            "crs": self.crs.to_wkt(),
            "transform": list(self.transform)[:6],
            "meta": self.meta,
            "features": {k: [f.to_geojson() for f in v] for k, v in self.features.items()},
        }
        arrays = {"elevation": self.elevation, "header": np.array(json.dumps(header))}
        for k, v in self.layers.items():
            arrays[f"layer_{k}"] = v
        with atomic_output(p, overwrite=overwrite) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return p

    @classmethod
    def load(cls, path: str | os.PathLike) -> Terrain:
        """Read a terrain written by :meth:`save`."""
        p = Path(path)
        if not p.exists():
            raise FileNotFound(f"{p}: no such file; check the path")
        try:
            with np.load(p, allow_pickle=False) as npz:
                header = json.loads(str(npz["header"]))
                if header.get("format") != "carpathia-terrain":
                    raise DataFileError(f"{p} is not a carpathia terrain file")
                if int(header.get("version", 0)) > FORMAT_VERSION:
                    raise DataFileError(f"{p} was written by a newer carpathia; upgrade carpathia")
                z = npz["elevation"]
                layers = {k[6:]: npz[k] for k in npz.files if k.startswith("layer_")}
        except DataFileError:
            raise
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
            raise DataFileError(f"{p} is not a readable carpathia terrain file ({exc})") from exc
        feats = {k: [Feature.from_geojson(f) for f in v] for k, v in header.get("features", {}).items()}
        return cls(
            z,
            Affine(*header["transform"]),
            CRS.from_wkt(header["crs"]),
            layers=layers,
            features=feats,
            meta=header.get("meta", {}),
        )

    def __repr__(self) -> str:
        h, w = self.shape
        return f"<Terrain {self.name!r} {w}×{h} cells of {self.resolution:g} m, {self.crs.to_string()}>"


def _pair(v: Sequence[float]) -> tuple[float, float]:
    try:
        a, b = v
        return float(a), float(b)
    except (TypeError, ValueError) as exc:
        raise InputError(f"expected a (lon, lat) pair, not {v!r}") from exc


def _union(boxes):
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _check_covered(bbox, center, radius, cover) -> None:
    w, s, e, n = cover
    where = f"the DEM covers lat {s:.3f}..{n:.3f}, lon {w:.3f}..{e:.3f}"
    if bbox is not None:
        if not (bbox[0] < e and w < bbox[2] and bbox[1] < n and s < bbox[3]):
            raise OutsideTerrainError(
                f"the area lat {bbox[1]:.3f}..{bbox[3]:.3f}, lon {bbox[0]:.3f}..{bbox[2]:.3f} "
                f"is outside the data; {where}"
            )
        return
    lon, lat = center
    if not (w <= lon <= e and s <= lat <= n):
        raise OutsideTerrainError(f"the centre {lat:.5f},{lon:.5f} (lat,lon) is outside the data; {where}")


def _nice_resolution(res_m: float) -> float:
    """Round a source resolution to a friendly figure: 30.9 → 30, 79 → 80, 1000 → 1000."""
    if res_m <= 0 or not math.isfinite(res_m):
        return 30.0
    mag = 10 ** math.floor(math.log10(res_m))
    return float(max(1.0, round(res_m / mag * 2) / 2 * mag))


def _feature_width(f: Feature, default: float | None) -> float:
    if f.geometry.geom_type.endswith("Polygon"):
        return 0.0
    w = f.properties.get("width_m", default)
    if w is None:
        raise InputError("water lines need a width in metres (width_m, CLI --river-width)")
    return float(w)


def _on_grid(features: list[Feature], bbox) -> list[Feature]:
    from .vectors import clip_features

    w, s, e, n = bbox
    pad = 0.02
    return clip_features(features, (w - pad, s - pad, e + pad, n + pad))
