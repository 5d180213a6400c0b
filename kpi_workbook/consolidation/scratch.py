"""Scratch storage for ``consolidate``: pickles appended to one file per process.

A worker parks each return's rows and summary contribution here and sends back only
where they are (:class:`Parked`); the process writing the summary reads them when their
turn comes.  One file per process, appended to, because creating a file per return cost
more than writing it.  Everything lives in the run's temporary directory.
"""
from __future__ import annotations

import contextlib
import os
import pickle
from typing import NamedTuple


class Parked(NamedTuple):
    """Where one object was parked."""

    path: str
    offset: int
    size: int


_OPEN: dict = {}  # this process's file: {"key": (pid, directory), "file": handle, "path": str}


def park(obj, directory: str) -> Parked:
    """Append *obj*, pickled, to this process's scratch file in *directory*."""
    key = (os.getpid(), directory)
    if _OPEN.get("key") != key:  # first use here (or a forked child inherited its parent's)
        close()
        path = os.path.join(directory, f"parked-{os.getpid()}.pkl")
        _OPEN.update(key=key, file=open(path, "ab"), path=path)  # noqa: SIM115 - kept open: close()
    handle = _OPEN["file"]
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    offset = handle.tell()
    handle.write(data)
    handle.flush()  # readable by the other processes at once
    return Parked(_OPEN["path"], offset, len(data))


_READERS: dict = {}  # path -> descriptor: the scratch files this process reads from


def unpark(parked: Parked):
    descriptor = _READERS.get(parked.path)
    if descriptor is None:
        descriptor = _READERS[parked.path] = os.open(parked.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    data = _read_at(descriptor, parked.size, parked.offset)
    if len(data) != parked.size:
        raise OSError(f"scratch file cut short: {parked.path}")
    return pickle.loads(data)


def _read_at(descriptor: int, size: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(descriptor, size, offset)
    os.lseek(descriptor, offset, os.SEEK_SET)  # Windows: no pread; this process alone reads here
    chunks = []
    while size > 0:
        chunk = os.read(descriptor, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def close() -> None:
    """Close this process's scratch files (the contents stay readable)."""
    handle = _OPEN.pop("file", None)
    _OPEN.clear()
    if handle is not None:
        handle.close()
    while _READERS:
        os.close(_READERS.popitem()[1])


@contextlib.contextmanager
def session():
    """A block at whose end this process's scratch files are closed, however it ends."""
    try:
        yield
    finally:
        close()
