"""Errors raised by carpathia.

Every error the library raises on purpose derives from :class:`CarpathiaError`. Subclasses
also derive from the matching built-in exception, so ``except ValueError`` keeps working
for callers who do not know carpathia's tree (the habit of rasterio's ``CRSError``)::

    CarpathiaError
    ├── InputError (ValueError)            bad argument or option value
    │   ├── OutsideTerrainError            a point or area outside the terrain or data
    │   └── UnknownNameError (KeyError)    unknown region, category, preset ...
    ├── DataFileError (ValueError)         a file that cannot be read as what it claims to be
    │   ├── MissingCRSError                raster without a CRS and none given
    │   └── VectorFileError                GeoJSON/KML/GPX without usable features
    ├── OutputExistsError (FileExistsError) refusing to overwrite without ``overwrite=True``
    └── FileNotFound (FileNotFoundError)   an input path that does not exist

The CLI catches :class:`CarpathiaError`, prints its message on one line and exits with
status 2. Messages say what to fix, not only what went wrong.
"""

from __future__ import annotations

__all__ = [
    "CarpathiaError",
    "DataFileError",
    "FileNotFound",
    "InputError",
    "MissingCRSError",
    "OutputExistsError",
    "OutsideTerrainError",
    "UnknownNameError",
    "VectorFileError",
]


class CarpathiaError(Exception):
    """Root of every error carpathia raises on purpose."""


class InputError(CarpathiaError, ValueError):
    """An argument or option has a value that cannot be used."""


class OutsideTerrainError(InputError):
    """A point or an area lies outside the terrain grid or outside the data."""


class UnknownNameError(InputError, KeyError):
    """A name (region, subject category, preset ...) that carpathia does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DataFileError(CarpathiaError, ValueError):
    """A file exists but cannot be read as the kind of data it claims to be."""


class MissingCRSError(DataFileError):
    """A raster carries no coordinate reference system and the caller gave none."""


class VectorFileError(DataFileError):
    """A vector file (GeoJSON, KML, GPX ...) has no usable features."""


class OutputExistsError(CarpathiaError, FileExistsError):
    """An output already exists and overwriting was not asked for."""


class FileNotFound(CarpathiaError, FileNotFoundError):
    """An input path does not exist."""
