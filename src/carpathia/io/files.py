"""Writing outputs so that nothing half-written is ever left behind."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from carpathia.errors import InputError, OutputExistsError

__all__ = ["atomic_output", "check_output"]


def check_output(path: str | os.PathLike, *, overwrite: bool = False, suffixes: tuple[str, ...] = ()) -> Path:
    """Refuse an output path that exists (unless ``overwrite``) or has the wrong suffix."""
    p = Path(path)
    if suffixes and p.suffix.lower() not in suffixes:
        raise InputError(f"{p}: the output must end in {' or '.join(suffixes)}")
    if p.is_dir():
        raise InputError(f"{p} is a folder; give a file name")
    if p.exists() and not overwrite:
        raise OutputExistsError(f"{p} exists; pass --overwrite to replace it")
    for parent in p.parents:  # a file where a folder of the path should be: no folder can be made there
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{p}: {parent} is a file, not a folder; give another output path")
            break
    return p


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text that XML 1.0 can hold: control characters it forbids (and lone surrogates) dropped, so
    a name typed with an escape code cannot make a KML or GPX export ill-formed."""
    return _NOT_XML.sub("", str(value))


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    p = check_output(path, overwrite=overwrite)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.stem}.", suffix=p.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _file_mode())  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, p)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
