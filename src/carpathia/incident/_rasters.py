"""Grids in and out of the store: probability maps and coverage as float64 GeoTIFF bytes, terrain as .npz.

Maps are stored bit for bit (float64, deflate with the floating-point predictor: lossless), so a
map read back has the same :func:`~carpathia.search.grid_hash` as the one written, and replaying
the log can be checked against it. A stored blob is also a valid GeoTIFF that GDAL opens as it is.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from carpathia.errors import DataFileError

__all__ = ["decode_coverage", "decode_map", "decode_terrain", "encode_coverage", "encode_map", "encode_terrain"]


def _encode(bands: list[np.ndarray], transform, crs, tags: dict[str, str], names: list[str]) -> bytes:
    from rasterio.io import MemoryFile

    h, w = bands[0].shape
    profile = {
        "driver": "GTiff",
        "height": h,
        "width": w,
        "count": len(bands),
        "dtype": "float64",
        "crs": crs,
        "transform": transform,
        "compress": "deflate",
        "predictor": 3,
        "tiled": h >= 256 and w >= 256,
    }
    with MemoryFile() as mf:
        with mf.open(**profile) as ds:
            for k, (b, name) in enumerate(zip(bands, names, strict=True), start=1):
                ds.write(np.ascontiguousarray(b, dtype=np.float64), k)
                ds.set_band_description(k, name)
            ds.update_tags(**tags)
        return bytes(mf.read())


def _decode(data: bytes):
    import rasterio
    from rasterio.io import MemoryFile

    try:
        with MemoryFile(data) as mf, mf.open() as ds:
            return ds.read().astype(np.float64, copy=False), ds.transform, ds.crs, ds.tags()
    except rasterio.errors.RasterioError as exc:
        raise DataFileError(f"a stored raster cannot be read ({exc}); the workspace is damaged") from exc


def encode_map(pmap) -> bytes:
    """A :class:`~carpathia.probability.ProbabilityMap` as float64 GeoTIFF bytes (ROW and meta in tags)."""
    tags = {
        "CARPATHIA_PRODUCT": "probability-of-area",
        "CARPATHIA_REST_OF_WORLD": repr(float(pmap.rest_of_world)),
        "CARPATHIA_META": json.dumps(pmap.meta, default=str, ensure_ascii=False),
    }
    if pmap.responsive is not None:  # the per-cell responsive share tracked through debriefs
        from carpathia.probability.probmap import RESPONSIVE_BAND

        bands, names = [pmap.cells, pmap.responsive], ["probability of area (POA) per cell", RESPONSIVE_BAND]
        return _encode(bands, pmap.transform, pmap.crs, tags, names)
    return _encode([pmap.cells], pmap.transform, pmap.crs, tags, ["probability of area (POA) per cell"])


def decode_map(data: bytes):
    """The map of :func:`encode_map`, with its cells exactly as written (no renormalisation)."""
    from carpathia.probability import ProbabilityMap

    bands, transform, crs, tags = _decode(data)
    out = ProbabilityMap.__new__(ProbabilityMap)  # the constructor would renormalise: keep the bits
    cells = np.ascontiguousarray(bands[0])
    if not np.isfinite(cells).all() or (cells < 0).any():
        raise DataFileError("a stored probability map holds invalid values; the workspace is damaged")
    cells.setflags(write=False)
    out.cells = cells
    out.transform = transform
    out.crs = crs
    out.rest_of_world = float(tags.get("CARPATHIA_REST_OF_WORLD", 0.0))
    out.meta = json.loads(tags.get("CARPATHIA_META", "{}"))
    if len(bands) > 1:
        share = np.ascontiguousarray(bands[1])
        if not np.isfinite(share).all() or (share < 0).any() or (share > 1).any():
            raise DataFileError("a stored responsive share holds invalid values; the workspace is damaged")
        share.setflags(write=False)
        out.responsive = share
    return out


def encode_coverage(cov) -> bytes:
    """A :class:`~carpathia.search.CoverageGrid` as a two-band float64 GeoTIFF (responsive, unresponsive)."""
    tags = {"CARPATHIA_PRODUCT": "coverage", "CARPATHIA_LOG": json.dumps(cov.log, default=str)}
    return _encode(
        [cov.responsive, cov.unresponsive],
        cov.transform,
        cov.crs,
        tags,
        ["coverage responsive", "coverage unresponsive"],
    )


def decode_coverage(data: bytes):
    from carpathia.search import CoverageGrid

    bands, transform, crs, tags = _decode(data)
    return CoverageGrid(bands[0], bands[1], transform, crs, log=json.loads(tags.get("CARPATHIA_LOG", "[]")))


def encode_terrain(terrain) -> bytes:
    """A terrain as the bytes of its ``.npz`` file (:meth:`~carpathia.terrain.Terrain.save`)."""
    with tempfile.TemporaryDirectory(prefix="carpathia-") as d:
        p = terrain.save(Path(d) / "terrain.npz")
        return p.read_bytes()


def decode_terrain(data: bytes):
    from carpathia.terrain import Terrain

    with tempfile.TemporaryDirectory(prefix="carpathia-") as d:
        p = Path(d) / "terrain.npz"
        p.write_bytes(data)
        return Terrain.load(p)
