"""carpathia: offline search-and-rescue planning from real terrain and lost-person science.

Nothing heavy is imported here; the subpackages are imported on use::

    from carpathia.terrain import Terrain
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import CarpathiaError

try:
    __version__ = version("carpathia")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["CarpathiaError", "__version__"]
