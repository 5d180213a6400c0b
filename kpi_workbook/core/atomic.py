"""Write outputs atomically: a temporary file beside the target, renamed when complete.

An interrupted run (Ctrl-C, a killed process, a full disk) leaves either the old file or
none, never half a file.  Leftover temporaries start with ``.~tmp-`` and are ignored by
``consolidate``.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TMP_PREFIX = ".~tmp-"


def _temporary(target: Path) -> Path:
    """An empty temporary file beside *target*, with the permissions a newly created file
    gets (``mkstemp`` alone makes it private: colleagues could not open the summary)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=target.suffix, dir=target.parent)
    try:
        if hasattr(os, "fchmod"):  # not on Windows, where files are not private anyway
            mask = os.umask(0)
            os.umask(mask)
            os.fchmod(fd, 0o666 & ~mask)
    finally:
        os.close(fd)
    return Path(tmp)


@contextlib.contextmanager
def atomic_path(target):
    """Yield a temporary path; on success move it onto *target*, else remove it."""
    target = Path(target)
    tmp = _temporary(target)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Pending:
    """A temporary file beside *target* for a long write: :meth:`commit` renames it onto
    *target*, :meth:`abort` removes it (the context manager above, in two calls)."""

    def __init__(self, target):
        self.target = Path(target)
        self.path = _temporary(self.target)

    def commit(self) -> None:
        os.replace(self.path, self.target)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def write_bytes(target, data: bytes) -> None:
    with atomic_path(target) as tmp:
        Path(tmp).write_bytes(data)


def write_text(target, text: str, encoding: str = "utf-8") -> None:
    write_bytes(target, text.encode(encoding))
