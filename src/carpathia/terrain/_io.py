"""Reading elevation sources: SRTM ``.hgt`` tiles and GeoTIFF (or any georeferenced GDAL raster).

A source is opened lazily: :func:`open_dem` checks the file and returns a
:class:`DemSource` that knows its CRS, bounds and resolution and reads only the window an
area of interest needs.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.errors
import rasterio.windows
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling

from carpathia.errors import DataFileError, FileNotFound, InputError, MissingCRSError

__all__ = ["DemSource", "open_dem", "parse_crs"]

# SRTM tiles: (samples per side, arc-seconds per cell). NASA SRTM v3 documentation: 1" tiles
# are 3601 × 3601 and 3" tiles 1201 × 1201 big-endian int16, void = -32768.
_HGT_SIZES = {3601 * 3601 * 2: (3601, 1), 1201 * 1201 * 2: (1201, 3)}
_HGT_VOID = -32768
_HGT_NAME = re.compile(r"^([NS])(\d{2})([EW])(\d{3})$", re.IGNORECASE)
_IMAGE_DRIVERS = {"PNG", "JPEG", "GIF", "BMP", "WEBP"}
# Values below this are treated as no-data even when a file does not declare it (the
# Romania 1 km DEM stores -1e10 in its sea and outside the country).
_IMPLAUSIBLE_LOW = -12000.0
_WGS84 = CRS.from_epsg(4326)


def parse_crs(crs: object) -> CRS:
    """Turn ``"EPSG:3844"``, ``3844``, a WKT/PROJ string or a CRS object into a rasterio CRS."""
    if isinstance(crs, CRS):
        return crs
    try:
        if isinstance(crs, int):
            return CRS.from_epsg(crs)
        text = str(crs).strip()
        if text.isdigit():
            return CRS.from_epsg(int(text))
        return CRS.from_user_input(text)
    except (rasterio.errors.CRSError, ValueError, TypeError) as exc:
        raise InputError(f"cannot understand the CRS {crs!r}: give it as EPSG:NNNN (e.g. EPSG:3844)") from exc


@dataclass(frozen=True)
class DemSource:
    """One elevation file, opened and checked, not yet read.

    Attributes
    ----------
    path : Path
    kind : str
        ``"srtm1"``, ``"srtm3"`` or ``"raster"``.
    crs : CRS
    transform : Affine
        Of the whole file (cell corners).
    width, height : int
    """

    path: Path
    kind: str
    crs: CRS
    transform: Affine
    width: int
    height: int
    nodata: float | None = None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in the source CRS."""
        t = self.transform
        left, top = t.c, t.f
        right = left + t.a * self.width
        bottom = top + t.e * self.height
        return (min(left, right), min(bottom, top), max(left, right), max(bottom, top))

    def resolution_xy_m(self) -> tuple[float, float]:
        """Approximate cell width and height in metres (geographic sources: at the centre latitude)."""
        if self.crs.is_geographic:
            lat = (self.bounds[1] + self.bounds[3]) / 2.0
            return (abs(self.transform.a) * 111_320.0 * math.cos(math.radians(lat)), abs(self.transform.e) * 110_574.0)
        return abs(self.transform.a), abs(self.transform.e)

    def resolution_m(self) -> float:
        """Approximate cell size in metres: the mean of width and height."""
        return sum(self.resolution_xy_m()) / 2.0

    def read(self, bounds: tuple[float, float, float, float] | None = None) -> tuple[np.ndarray, Affine]:
        """Read the cells that cover ``bounds`` (source CRS) plus a margin of two cells.

        Returns a float32 array with NaN for no-data, and its transform.
        """
        if self.kind.startswith("srtm"):
            arr, transform = _read_hgt(self.path)
            full = rasterio.windows.Window(0, 0, self.width, self.height)
            if bounds is None:
                return arr, transform
            win = _window_for(bounds, transform, full)
            if win is None:
                return arr[:0, :0], transform
            r0, c0 = int(win.row_off), int(win.col_off)
            sub = arr[r0 : r0 + int(win.height), c0 : c0 + int(win.width)]
            return sub, rasterio.windows.transform(win, transform)
        try:
            with rasterio.open(self.path) as ds:
                full = rasterio.windows.Window(0, 0, ds.width, ds.height)
                win = full if bounds is None else _window_for(bounds, self.transform, full)
                if win is None:
                    return np.empty((0, 0), np.float32), self.transform
                transform = rasterio.windows.transform(win, self.transform)
                shape = _read_shape(win, self.path)
                if shape is None:
                    data = ds.read(1, window=win, masked=True)
                else:  # a window beyond the cap is read decimated (cell averages), never whole
                    data = ds.read(1, window=win, masked=True, out_shape=shape, resampling=Resampling.average)
                    transform = transform * Affine.scale(win.width / shape[1], win.height / shape[0])
                arr = np.asarray(data.astype(np.float32).filled(np.nan), dtype=np.float32)
        except rasterio.errors.RasterioError as exc:
            raise DataFileError(f"{self.path}: cannot read elevations ({exc})") from exc
        arr[arr < _IMPLAUSIBLE_LOW] = np.nan
        return arr, transform


#: Most source cells read at once (200 MB of float32): a window up to the grid limit
#: (``_grid.MAX_CELLS``) is read decimated by GDAL (cell averages), a larger one is refused before
#: anything is read, so a small file that declares a huge raster cannot make the reader allocate
#: gigabytes.
MAX_READ_CELLS = 50_000_000


def _read_shape(win, path) -> tuple[int, int] | None:
    """None when the window fits :data:`MAX_READ_CELLS`, else the decimated (rows, cols) to read."""
    from ._grid import MAX_CELLS

    h, w = math.ceil(win.height), math.ceil(win.width)
    if h * w <= MAX_READ_CELLS:
        return None
    if h * w > MAX_CELLS:
        raise InputError(
            f"{path}: the part of the DEM to read is {w:,} × {h:,} cells, more than {MAX_CELLS:,}; "
            "cut the area first (a bbox or centre and radius, or gdal_translate -projwin)"
        )
    f = math.sqrt(h * w / MAX_READ_CELLS)
    return max(1, int(h / f)), max(1, int(w / f))


def _window_for(bounds, transform, full) -> rasterio.windows.Window | None:
    win = rasterio.windows.from_bounds(*bounds, transform=transform)
    win = rasterio.windows.Window(
        math.floor(win.col_off) - 2,
        math.floor(win.row_off) - 2,
        math.ceil(win.width) + 5,
        math.ceil(win.height) + 5,
    )
    try:
        return win.intersection(full)
    except rasterio.errors.WindowError:
        return None


def open_dem(path: str | Path, *, crs: object | None = None) -> DemSource:
    """Open and check one elevation file.

    Parameters
    ----------
    path
        An SRTM ``.hgt`` tile (1" or 3", told apart by file size, named like ``N44W072.hgt``)
        or a georeferenced raster (GeoTIFF, COG, VRT ...).
    crs
        The CRS to assume for a raster that does not carry one (e.g. ``"EPSG:3844"`` for the
        Romania 1 km DEM). Refused for a raster that has its own, different CRS.

    Raises
    ------
    FileNotFound, DataFileError, MissingCRSError
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFound(f"{p}: no such file; check the path")
    if p.is_dir():
        raise DataFileError(f"{p} is a folder; give the elevation file inside it")
    size = p.stat().st_size
    if size == 0:
        raise DataFileError(f"{p} is empty (0 bytes); download the elevation file again")
    if p.suffix.lower() == ".hgt":
        return _open_hgt(p, size)
    return _open_raster(p, crs)


def _open_hgt(p: Path, size: int) -> DemSource:
    if size not in _HGT_SIZES:
        raise DataFileError(
            f'{p} has {size} bytes; an SRTM .hgt tile has {1201 * 1201 * 2} (3") or '
            f'{3601 * 3601 * 2} (1") bytes: the file is truncated or not an SRTM tile'
        )
    m = _HGT_NAME.match(p.stem.split(".")[0])
    if not m:
        raise DataFileError(f"{p}: an SRTM .hgt tile must keep its name (like N44W072.hgt), which gives its position")
    lat = int(m.group(2)) * (1 if m.group(1).upper() == "N" else -1)
    lon = int(m.group(4)) * (1 if m.group(3).upper() == "E" else -1)
    if not (-90 <= lat <= 89 and -180 <= lon <= 179):
        raise DataFileError(f"{p}: no SRTM tile is called {p.stem}; tile names run from S90 to N89 and W180 to E179")
    n, arcsec = _HGT_SIZES[size]
    cell = arcsec / 3600.0
    # Samples are at whole arc-second positions; the tile's first sample is at (lon, lat + 1).
    transform = Affine(cell, 0.0, lon - cell / 2.0, 0.0, -cell, lat + 1 + cell / 2.0)
    return DemSource(p, f"srtm{arcsec}", _WGS84, transform, n, n, float(_HGT_VOID))


def _read_hgt(p: Path) -> tuple[np.ndarray, Affine]:
    size = p.stat().st_size
    if size not in _HGT_SIZES:
        raise DataFileError(f"{p} changed size while reading; it is not a complete SRTM tile")
    src = _open_hgt(p, size)
    raw = np.fromfile(p, dtype=">i2").reshape(src.height, src.width)
    arr = raw.astype(np.float32)
    arr[raw == _HGT_VOID] = np.nan
    return arr, src.transform


def _open_raster(p: Path, crs: object | None) -> DemSource:
    user_crs = parse_crs(crs) if crs is not None else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)  # checked below
            ds = rasterio.open(p)
        with ds:
            driver = ds.driver
            file_crs = ds.crs
            transform = ds.transform
            width, height = ds.width, ds.height
            nodata = ds.nodata
            dtype = ds.dtypes[0]
    except rasterio.errors.RasterioIOError as exc:
        raise DataFileError(f"{p} is not a raster that GDAL can read; give a GeoTIFF or an SRTM .hgt tile") from exc
    except rasterio.errors.RasterioError as exc:
        raise DataFileError(f"{p}: cannot open ({exc})") from exc
    if driver in _IMAGE_DRIVERS:
        raise DataFileError(f"{p} is a {driver} picture, not an elevation raster; give a GeoTIFF or .hgt tile")
    if np.dtype(dtype).kind not in "iuf":
        raise DataFileError(f"{p} holds {dtype} values, not elevations")
    if transform.is_identity or transform.a == 0 or transform.e == 0:
        raise DataFileError(f"{p} has no georeferencing (no geotransform); give a GeoTIFF")
    if transform.b != 0 or transform.d != 0:
        raise DataFileError(f"{p} is a rotated raster; warp it north-up first (gdalwarp)")
    if file_crs is None:
        if user_crs is None:
            raise MissingCRSError(f"{p} has no CRS embedded; pass its CRS (e.g. crs='EPSG:3844', CLI --crs EPSG:3844)")
        file_crs = user_crs
    elif user_crs is not None and user_crs != file_crs:
        raise InputError(
            f"{p} declares {file_crs.to_string()} but {user_crs.to_string()} was given; drop --crs or fix the file"
        )
    return DemSource(p, "raster", file_crs, transform, width, height, nodata)
