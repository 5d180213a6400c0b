"""Where a run may write: never onto what it reads, never among the returns it reads.

Every command states its outputs before it reads anything: :func:`refuse_inputs` stops
the run (exit 2) when an output is an input — the roster, a return, a file under the
returns folder — or lies in that folder, and :func:`writable` when a folder cannot be
written, so a long run never fails at its end.  Paths are compared resolved (links,
``..``) and case-folded where the file system folds case.
"""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from .errors import OutputError


def _key(path) -> str:
    return os.path.normcase(os.path.realpath(os.fspath(path)))


def _under(path, folder) -> bool:
    path, folder = _key(path), _key(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def refuse_inputs(outputs, inputs=(), folder=None) -> None:
    """Raise :class:`OutputError` if an output is one of *inputs* or lies under *folder*."""
    taken = {_key(p): p for p in inputs}
    for output in outputs:
        if _key(output) in taken:
            raise OutputError(f"出力先「{output}」は入力のファイル（{taken[_key(output)]}）と同じです。"
                              "入力を上書きしないよう、別の場所を指定してください。")
        if folder is not None and _under(output, folder):
            raise OutputError(f"出力先「{output}」は提出ファイルのフォルダ「{folder}」の中にあります。"
                              "提出ファイルを上書き・混入させないよう、フォルダの外を指定してください。")


def refuse_replacing(folder, inputs) -> None:
    """Raise :class:`OutputError` if *folder*, an output folder a run may replace whole
    (``publish --force``), is one of *inputs* or holds one of them."""
    for source in inputs:
        if _under(source, folder):
            raise OutputError(f"出力先「{folder}」には入力（{source}）が含まれています。"
                              "入力を消さないよう、別のフォルダを指定してください。")


def writable(folder) -> None:
    """Raise :class:`OutputError` unless files can be created in *folder* (made if missing)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputError(f"出力先のフォルダ「{folder}」に書き込めません（{exc.strerror or exc}）。") from exc


class Claimed:
    """Output paths handed out in one run: none twice, none equal to an input."""

    def __init__(self, inputs=()):
        self.taken = {_key(p) for p in inputs}

    def claim(self, directory, name_for) -> Path:
        """The first of ``directory / name_for(0)``, ``name_for(1)``... not taken yet."""
        variant = 0
        while True:
            target = Path(directory) / name_for(variant)
            if _key(target) not in self.taken:
                self.taken.add(_key(target))
                return target
            variant += 1


@contextlib.contextmanager
def write_failures(what: str, kept: str = "", place=None):
    """A failed write (the disk full, a quota, a read-only or failing disk) inside the block
    becomes :class:`OutputError` naming the place (*place*, else the file), what was kept,
    and that no half-written output is left (every output is written atomically) and no
    input was changed."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in _WRITE_ERRNOS:
            raise
        reason = "ディスクの空きがありません" if exc.errno in _FULL else (exc.strerror or str(exc))
        raise OutputError(f"{what}を書き出せません：{place or exc.filename or ''}（{reason}）。書きかけのファイルは残していません"
                          f"（入力は変えていません{'。' + kept if kept else ''}）。") from None


_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}  # no room left (a disk, a quota)
_WRITE_ERRNOS = _FULL | {errno.EROFS, errno.EFBIG, errno.EIO}  # what only a write meets
