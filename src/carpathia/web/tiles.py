"""XYZ basemap tiles in Web Mercator, drawn from the terrain itself: shaded relief, contours,
rivers, lakes and borders.

No tile server, no network: each 256 × 256 tile is resampled on the fly from the terrain grid
(bilinear, :func:`scipy.ndimage.map_coordinates`) and cached in memory and, optionally, on disk.
The colours are those of the PNG maps (:func:`carpathia.io.maps.shaded_relief`): ``gist_earth``
tinted elevation darkened by the hillshade.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from pyproj import Transformer

from carpathia.errors import InputError

__all__ = ["MAX_ZOOM", "TILE_SIZE", "ProbabilityTiles", "TileRenderer", "contour_interval", "tile_bounds"]

TILE_SIZE = 256
MAX_ZOOM = 18
#: Half the equator's length in Web Mercator (EPSG:3857) metres.
_ORIGIN = 20037508.342789244
#: Contour intervals to choose from, metres.
_INTERVALS = (10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)
#: Knots per tile side where the projection is computed exactly; pixels in between are
#: interpolated (the error is far below a pixel within one tile).
_KNOTS = 17
_WATER_RGB = np.array([43, 123, 186], dtype=np.uint8)  # the PNG maps' water colour
_BORDER_RGB = np.array([150, 40, 140], dtype=np.uint8)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of XYZ tile ``z/x/y`` in Web Mercator metres (EPSG:3857)."""
    n = 2**z
    size = 2 * _ORIGIN / n
    left = -_ORIGIN + x * size
    top = _ORIGIN - y * size
    return (left, top - size, left + size, top)


def contour_interval(z: int, lat: float) -> float:
    """Contour interval (m) for zoom ``z`` at latitude ``lat``: about two ground pixels, rounded up
    to 10, 20, 50, 100, 200, 500 or 1000 m (carpathia's choice, not a cartographic standard)."""
    pixel = 2 * _ORIGIN / (TILE_SIZE * 2**z) * math.cos(math.radians(lat))
    for step in _INTERVALS:
        if step >= 2 * pixel:
            return step
    return _INTERVALS[-1]


def _check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise InputError(f"zoom {z} is outside 0..{MAX_ZOOM}")
    n = 2**z
    if not (0 <= x < n and 0 <= y < n):
        raise InputError(f"tile {z}/{x}/{y} does not exist: x and y must be in 0..{n - 1} at zoom {z}")


class _MemoryTiles:
    """PNG tiles in memory, least recently read dropped first; thread-safe."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._tiles: OrderedDict[tuple[int, int, int], bytes] = OrderedDict()
        self._size = int(size)

    def get(self, key: tuple[int, int, int]) -> bytes | None:
        with self._lock:
            png = self._tiles.get(key)
            if png is not None:
                self._tiles.move_to_end(key)
            return png

    def put(self, key: tuple[int, int, int], png: bytes) -> None:
        with self._lock:
            self._tiles[key] = png
            while len(self._tiles) > self._size:
                self._tiles.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._tiles.clear()


class TileRenderer:
    """Render and cache basemap tiles for one terrain.

    Parameters
    ----------
    terrain : carpathia.terrain.Terrain
        The grid to draw; its hillshade is computed once (about 4 bytes per cell).
    cache_dir : path, optional
        Folder for a disk cache (one PNG per tile under a key of the terrain's content);
        without it tiles are cached in memory only.
    memory_tiles : int
        How many encoded tiles to keep in memory (least recently used are dropped; a tile is
        typically 20-80 kB).

    Notes
    -----
    A tile costs two bilinear resamplings of 257 × 257 pixels, a projection of 17 × 17 knots,
    the contour bands and a PNG encoding: a few milliseconds to a few tens of milliseconds.
    Tiles that miss the terrain are one shared transparent PNG.
    """

    def __init__(self, terrain, *, cache_dir: str | os.PathLike | None = None, memory_tiles: int = 4096) -> None:
        from matplotlib import colormaps

        self.terrain = terrain
        self._memory = _MemoryTiles(memory_tiles)
        z = terrain.elevation
        valid = ~np.isnan(z)
        lo, hi = (float(np.nanpercentile(z, 1)), float(np.nanpercentile(z, 99.5))) if valid.any() else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        self._lo = lo - 0.15 * (hi - lo)
        self._hi = hi
        self._lut = (colormaps["gist_earth"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.float32)
        self._z = np.ascontiguousarray(z, dtype=np.float32)
        self._hs = np.nan_to_num(terrain.hillshade(), nan=1.0).astype(np.float32)
        self._to_grid = Transformer.from_crs("EPSG:3857", terrain.crs, always_xy=True)
        w, s, e, n = terrain.lonlat_bounds
        merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
        (x0, x1), (y0, y1) = merc.transform([w, e], [s, n])
        self.mercator_bounds = (float(x0), float(y0), float(x1), float(y1))
        self._lat = 0.5 * (s + n)
        self._lines = self._project_lines()
        self.key = self._content_key()
        self._disk = Path(cache_dir) / self.key if cache_dir is not None else None
        self._blank: bytes | None = None

    # ------------------------------------------------------------------ public
    def cached(self, z: int, x: int, y: int) -> bytes | None:
        """The tile if it is in memory (cheap enough for the event loop), else None."""
        return self._memory.get((z, x, y))

    def tile(self, z: int, x: int, y: int) -> bytes:
        """PNG bytes of tile ``z/x/y`` (transparent where the terrain has no data)."""
        _check_tile(z, x, y)
        key = (z, x, y)
        png = self._memory.get(key)
        if png is not None:
            return png
        png = self._from_disk(key)
        if png is None:
            png = self.render(z, x, y)
            self._to_disk(key, png)
        self._memory.put(key, png)
        return png

    def render(self, z: int, x: int, y: int) -> bytes:
        """Draw tile ``z/x/y`` without any cache."""
        _check_tile(z, x, y)
        left, bottom, right, top = tile_bounds(z, x, y)
        bx0, by0, bx1, by1 = self.mercator_bounds
        if right <= bx0 or left >= bx1 or top <= by0 or bottom >= by1:
            return self._blank_png()
        rows, cols = self._pixel_coords(left, top, (right - left) / TILE_SIZE)
        coords = np.stack([rows.ravel(), cols.ravel()])
        from scipy.ndimage import map_coordinates

        n = TILE_SIZE + 1
        zz = map_coordinates(self._z, coords, order=1, mode="constant", cval=np.nan).reshape(n, n)
        hs = map_coordinates(self._hs, coords, order=1, mode="nearest").reshape(n, n)
        valid = np.isfinite(zz)
        t = np.clip((np.where(valid, zz, self._lo) - self._lo) / (self._hi - self._lo), 0, 1)
        rgb = self._lut[(t * 255).astype(np.intp)] * (0.45 + 0.55 * hs[..., None])
        rgb = self._contours(rgb, zz, valid, contour_interval(z, self._lat))
        rgb = np.clip(rgb[:TILE_SIZE, :TILE_SIZE], 0, 255).astype(np.uint8)
        alpha = np.where(valid[:TILE_SIZE, :TILE_SIZE], 255, 0).astype(np.uint8)
        self._draw_lines(rgb, alpha, z, left, top, (right - left) / TILE_SIZE)
        return _png(np.dstack([rgb, alpha]))

    def clear(self) -> None:
        """Forget the tiles cached in memory (the disk cache stays)."""
        self._memory.clear()

    # ------------------------------------------------------------------ drawing
    def _pixel_coords(self, left: float, top: float, px: float) -> tuple[np.ndarray, np.ndarray]:
        return _grid_coords(self._to_grid, self.terrain.transform, left, top, px)

    @staticmethod
    def _contours(rgb: np.ndarray, zz: np.ndarray, valid: np.ndarray, step: float) -> np.ndarray:
        """Darken pixels where the contour band changes to the right or below; every fifth
        contour (index contour) darker still."""
        band = np.floor(np.where(valid, zz, 0) / step).astype(np.int64)
        edge = np.zeros(band.shape, dtype=bool)
        index = np.zeros(band.shape, dtype=bool)
        for here, there in (
            ((slice(None), slice(0, -1)), (slice(None), slice(1, None))),
            ((slice(0, -1), slice(None)), (slice(1, None), slice(None))),
        ):
            a, b = band[here], band[there]
            change = valid[here] & valid[there] & (a != b)
            edge[here] |= change
            index[here] |= change & (np.maximum(a, b) // 5 != np.minimum(a, b) // 5)
        out = rgb.copy()
        out[edge] *= 0.62
        out[index] *= 0.7
        return out

    def _project_lines(self) -> dict[str, list]:
        """Rivers, borders (lines) and lakes (areas) in Web Mercator, drawn into every tile."""
        import shapely

        to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)

        def project(xy: np.ndarray) -> np.ndarray:
            return np.column_stack(to_merc.transform(xy[:, 0], xy[:, 1]))

        out: dict[str, list] = {}
        for kind in ("lakes", "rivers", "borders"):
            geoms = [f.geometry for f in self.terrain.features.get(kind, []) if f.geometry is not None]
            out[kind] = [shapely.transform(g, project) for g in geoms if not shapely.is_empty(g)]
        return out

    def _draw_lines(self, rgb: np.ndarray, alpha: np.ndarray, z: int, left: float, top: float, px: float) -> None:
        if not any(self._lines.values()):
            return
        import shapely
        from affine import Affine
        from rasterio.features import rasterize
        from scipy.ndimage import binary_dilation

        box = (left, top - TILE_SIZE * px, left + TILE_SIZE * px, top)
        transform = Affine(px, 0, left, 0, -px, top)
        for kind, colour in (("lakes", _WATER_RGB), ("rivers", _WATER_RGB), ("borders", _BORDER_RGB)):
            geoms = [shapely.clip_by_rect(g, *box) for g in self._lines[kind]]
            geoms = [g for g in geoms if not shapely.is_empty(g)]
            if not geoms:
                continue
            mask = rasterize(geoms, out_shape=(TILE_SIZE, TILE_SIZE), transform=transform, all_touched=True)
            mask = mask.astype(bool)
            if kind != "lakes" and z >= 11:
                mask = binary_dilation(mask)
            rgb[mask] = colour
            alpha[mask] = 255

    # ------------------------------------------------------------------ caching
    def _content_key(self) -> str:
        h = hashlib.sha256()
        h.update(self._z.tobytes())
        h.update(json.dumps([list(self.terrain.transform)[:6], self.terrain.crs.to_string()]).encode())
        for kind in sorted(self._lines):
            for g in self._lines[kind]:
                h.update(g.wkb)
        h.update(b"tiles-v1")
        # the key names a cache folder and an ETag: the terrain's name only as safe characters
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", str(self.terrain.name))[:40].strip("_") or "terrain"
        return f"{name}-{h.hexdigest()[:16]}"

    def _blank_png(self) -> bytes:
        if self._blank is None:
            self._blank = _png(np.zeros((TILE_SIZE, TILE_SIZE, 4), dtype=np.uint8))
        return self._blank

    def _from_disk(self, key: tuple[int, int, int]) -> bytes | None:
        if self._disk is None:
            return None
        p = self._disk / str(key[0]) / str(key[1]) / f"{key[2]}.png"
        try:
            return p.read_bytes()
        except FileNotFoundError:
            return None

    def _to_disk(self, key: tuple[int, int, int], png: bytes) -> None:
        if self._disk is None:
            return
        folder = self._disk / str(key[0]) / str(key[1])
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tile.", suffix=".png")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(png)
            os.replace(tmp, folder / f"{key[2]}.png")  # atomic: readers never see half a tile
        finally:
            Path(tmp).unlink(missing_ok=True)


def _grid_coords(to_grid, transform, left: float, top: float, px: float) -> tuple[np.ndarray, np.ndarray]:
    """Fractional (row, col) on a grid of the centres of 257 × 257 tile pixels (for
    :func:`scipy.ndimage.map_coordinates`, which indexes cell centres)."""
    from scipy.ndimage import map_coordinates

    n = TILE_SIZE + 1
    k = np.linspace(0, n - 1, _KNOTS)
    kx, ky = np.meshgrid(left + (k + 0.5) * px, top - (k + 0.5) * px)
    gx, gy = to_grid.transform(kx, ky)
    inv = ~transform
    kc = inv.a * gx + inv.b * gy + inv.c - 0.5
    kr = inv.d * gx + inv.e * gy + inv.f - 0.5
    # The projection is smooth: interpolate the knots bilinearly to every pixel.
    f = np.arange(n) * (_KNOTS - 1) / (n - 1)
    fy, fx = np.meshgrid(f, f, indexing="ij")
    sel = np.stack([fy.ravel(), fx.ravel()])
    rows = map_coordinates(kr, sel, order=1).reshape(n, n)
    cols = map_coordinates(kc, sel, order=1).reshape(n, n)
    return rows, cols


class ProbabilityTiles:
    """XYZ tiles of a probability map: POA per cell on a log colour scale (``inferno_r``, as the
    PNG maps), transparent below a thousandth of the peak; cached in memory.

    Parameters
    ----------
    pmap : carpathia.probability.ProbabilityMap
        The map to draw; cells are drawn as they are (nearest neighbour), so the grid shows.
    decades
        How many powers of ten below the peak the colour scale spans.
    """

    def __init__(self, pmap, *, decades: float = 3.0, memory_tiles: int = 2048) -> None:
        from matplotlib import colormaps

        self.pmap = pmap
        peak = float(pmap.cells.max()) if pmap.cells.size else 0.0
        with np.errstate(divide="ignore"):
            rel = np.log10(np.where(pmap.cells > 0, pmap.cells / peak, 0.0)) if peak > 0 else None
        self._t = (
            np.zeros(pmap.shape, np.float32)
            if rel is None
            else np.clip(1.0 + rel / decades, -1.0, 1.0).astype(np.float32)  # 1 at the peak, ≤ 0 below the scale
        )
        self._lut = (colormaps["inferno_r"](np.linspace(0.05, 0.95, 256)) * 255).astype(np.uint8)
        self._to_grid = Transformer.from_crs("EPSG:3857", pmap.crs, always_xy=True)
        self._memory = _MemoryTiles(memory_tiles)

    def cached(self, z: int, x: int, y: int) -> bytes | None:
        """The tile if it is in memory, else None."""
        return self._memory.get((z, x, y))

    def tile(self, z: int, x: int, y: int) -> bytes:
        """PNG bytes of tile ``z/x/y``."""
        _check_tile(z, x, y)
        key = (z, x, y)
        png = self._memory.get(key)
        if png is None:
            png = self.render(z, x, y)
            self._memory.put(key, png)
        return png

    def render(self, z: int, x: int, y: int) -> bytes:
        from scipy.ndimage import map_coordinates

        left, _, right, top = tile_bounds(z, x, y)
        px = (right - left) / TILE_SIZE
        rows, cols = _grid_coords(self._to_grid, self.pmap.transform, left, top, px)
        coords = np.stack([rows[:TILE_SIZE, :TILE_SIZE].ravel(), cols[:TILE_SIZE, :TILE_SIZE].ravel()])
        t = map_coordinates(self._t, np.round(coords), order=0, mode="constant", cval=-1.0)
        t = t.reshape(TILE_SIZE, TILE_SIZE)
        rgba = self._lut[(np.clip(t, 0, 1) * 255).astype(np.intp)]
        rgba[..., 3] = np.where(t > 0, 170, 0).astype(np.uint8)
        return _png(rgba)


def _png(rgba: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
