"""The ``carpathia`` command line: a thin typer layer over the library.

Every command calls the Python API and nothing else. :func:`main` turns a
:class:`~carpathia.errors.CarpathiaError` into one line on stderr and exit status 2.
"""

from ._main import app, main

__all__ = ["app", "main"]
