"""Run one risky call in a memory-capped, time-limited child process.

python-calamine can abort the whole interpreter on hostile files (a Rust allocation
failure is not an exception: calamine issues #693, #714, #684, #433).  One bad return
must not kill a national consolidation, so reading happens in a forked child whose
address space is capped with RLIMIT_AS; if it dies, the parent gets an
:class:`IsolatedFailure` saying how, and carries on.

On platforms without ``fork`` the call runs in-process (documented in the README).

A process that exists only to read returns (a ``consolidate`` worker) can call
:func:`enter_worker_mode` once instead: the worker itself is then capped and timed, calls
run in-process (no fork per file), and a call that hits a limit kills the worker or
raises :class:`Retry`; ``consolidate`` redoes those files with one child per file.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import time

DEFAULT_MEMORY = 480 * 1024 * 1024  # bytes the child may add to the parent's size (< 500 MB)
DEFAULT_TIMEOUT = 20.0  # seconds


_WORKER = {"on": False, "timeout": DEFAULT_TIMEOUT}


class Retry(Exception):
    """Worker mode: this call hit a limit; redo it isolated in its own child."""


class IsolatedFailure(Exception):
    """The child died (killed, aborted, out of memory) or ran out of time."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "timeout" | "memory" | "crash"


def _current_vsize() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_isolated(func, *args, memory: int = DEFAULT_MEMORY, timeout: float = DEFAULT_TIMEOUT):
    """Return ``func(*args)`` computed in a child; re-raise its exception if it raised one.

    The result and any exception must be picklable.
    """
    if not hasattr(os, "fork"):
        return func(*args)
    if _WORKER["on"]:
        return _run_in_worker(func, args)
    limit = _current_vsize() + memory
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        code = 0
        try:
            import faulthandler
            faulthandler.disable()  # an expected native abort is reported by the parent
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)  # a native abort prints a backtrace; the parent reports instead
            import resource
            if limit > memory:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            try:
                payload = pickle.dumps((True, func(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                payload = pickle.dumps((False, IsolatedFailure("memory")))
            except BaseException as exc:  # noqa: BLE001 - shipped to the parent as data
                try:
                    payload = pickle.dumps((False, exc))
                except Exception:  # noqa: BLE001
                    payload = pickle.dumps((False, RuntimeError(repr(exc)[:500])))
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    return _collect(pid, read_fd, timeout)


def enter_worker_mode(memory: int = DEFAULT_MEMORY, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Cap this whole process (address space, and time per call) and read in-process.

    A native abort or the timer's SIGALRM ends the process: its pool reports that, and
    the files it had are redone in isolation.  Nothing it prints reaches the user.
    """
    import resource
    if not hasattr(os, "fork"):
        return
    limit = _current_vsize() + memory
    if limit > memory:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import faulthandler
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the timer ends the process, even inside native code
    _WORKER.update(on=True, timeout=timeout)


def _run_in_worker(func, args):
    signal.setitimer(signal.ITIMER_REAL, _WORKER["timeout"])
    try:
        return func(*args)
    except MemoryError:
        raise Retry() from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _collect(pid: int, read_fd: int, timeout: float):
    chunks, deadline = [], time.monotonic() + timeout
    with os.fdopen(read_fd, "rb") as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise IsolatedFailure("timeout")
            ready, _, _ = select.select([pipe], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(pipe.fileno(), 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        died = os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV)
        raise IsolatedFailure("memory" if died else "crash")
    ok, value = pickle.loads(b"".join(chunks))
    if ok:
        return value
    raise value
