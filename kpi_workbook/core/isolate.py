"""Run one risky call in a memory-capped, time-limited child process.

python-calamine can abort the whole interpreter on hostile files (a Rust allocation
failure is not an exception: calamine issues #693, #714, #684, #433).  One bad return
must not kill a national consolidation, so reading happens in a child process whose
address space is capped with RLIMIT_AS; if it dies, the parent gets an
:class:`IsolatedFailure` saying how, and carries on.

Where ``fork`` exists the child is forked (cheap).  Elsewhere (Windows) it is a spawned
interpreter with the same time limit.  Memory is capped with RLIMIT_AS where the platform
has ``resource``; elsewhere a watchdog thread ends the process once the memory it uses
grows past the same allowance (python-calamine releases the GIL while it reads, so the
thread runs; it looks every 20 ms, so a fast allocation may overshoot by some MB).

A process that exists only to read returns (a ``consolidate`` worker) can call
:func:`enter_worker_mode` once instead: the worker itself is then capped and timed, calls
run in-process (no child per file), and a call that hits a limit kills the worker or
raises :class:`Retry`; ``consolidate`` redoes those files with one child per file.
The worker's timer is SIGALRM where there is one, else the watchdog thread.

Every fork, and every hand-over of work to a pool, runs with Ctrl-C, SIGTERM and SIGHUP
held (:func:`signals_held`): a signal that lands inside fork's own hooks is lost there,
one that cuts a pool's ``submit`` short can leave its shutdown waiting for ever.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
import threading
import time

DEFAULT_MEMORY = 480 * 1024 * 1024  # bytes the child may add to the parent's size (< 500 MB)
DEFAULT_TIMEOUT = 20.0  # seconds


MEMORY_EXIT, TIMEOUT_EXIT = 71, 72  # how a watched process that ended itself says why
_WORKER: dict = {"on": False, "timeout": DEFAULT_TIMEOUT, "watchdog": None}


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


def _memory_in_use() -> int:
    """Bytes this process uses (resident on Linux, private on Windows); 0 if unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    if os.name == "nt":  # not exercised by CI (the Windows emulation has /proc)
        try:
            return _windows_private_bytes()
        except Exception:  # noqa: BLE001 - no watch rather than no read
            return 0
    return 0


def _windows_private_bytes() -> int:
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):  # PROCESS_MEMORY_COUNTERS_EX
        _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD)] + [
            (name, ctypes.c_size_t) for name in (
                "PeakWorkingSetSize", "WorkingSetSize", "QuotaPeakPagedPoolUsage", "QuotaPagedPoolUsage",
                "QuotaPeakNonPagedPoolUsage", "QuotaNonPagedPoolUsage", "PagefileUsage",
                "PeakPagefileUsage", "PrivateUsage")]
    counters = Counters()
    counters.cb = ctypes.sizeof(Counters)
    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]  # Windows only
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    psapi = ctypes.WinDLL("psapi")  # type: ignore[attr-defined]  # Windows only
    psapi.GetProcessMemoryInfo.argtypes = [wintypes.HANDLE, ctypes.c_void_p, wintypes.DWORD]
    if not psapi.GetProcessMemoryInfo(kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb):
        return 0
    return counters.PrivateUsage


class _Watchdog:
    """A thread that ends this process (``os._exit``) when the current call runs past its
    deadline or the process past *limit* bytes in use: for platforms without SIGALRM or
    RLIMIT_AS.  *limit* 0: time only."""

    def __init__(self, limit: int):
        self.limit, self.deadline = limit, None
        threading.Thread(target=self._watch, name="kpi-workbook-watchdog", daemon=True).start()

    def _watch(self) -> None:
        while True:
            time.sleep(0.02)
            deadline = self.deadline
            if deadline is not None and time.monotonic() > deadline:
                os._exit(TIMEOUT_EXIT)
            if self.limit and _memory_in_use() > self.limit:
                os._exit(MEMORY_EXIT)


def _memory_guard(memory: int) -> "_Watchdog | None":
    """Cap this process at what it uses now plus *memory*: RLIMIT_AS where there is one,
    else a watchdog (returned; None where neither can be had)."""
    if _current_vsize() and cap_address_space(_current_vsize() + memory):
        return None
    in_use = _memory_in_use()
    return _Watchdog(in_use + memory if in_use else 0)


def run_isolated(func, *args, memory: int = DEFAULT_MEMORY, timeout: float = DEFAULT_TIMEOUT):
    """Return ``func(*args)`` computed in a child; re-raise its exception if it raised one.

    The result and any exception must be picklable.
    """
    if _WORKER["on"]:
        return _run_in_worker(func, args)
    if not hasattr(os, "fork"):
        return _run_spawned(func, args, memory, timeout)
    limit = _current_vsize() + memory
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    with signals_held():  # a signal caught in fork's own hooks (logging's) would be lost there
        pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        code = 0
        try:
            _usual_signals()
            _end_with(parent)
            import faulthandler
            faulthandler.disable()  # an expected native abort is reported by the parent
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)  # a native abort prints a backtrace; the parent reports instead
            if limit > memory:
                cap_address_space(limit)
            payload = _outcome(func, args)
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    return _collect(pid, read_fd, timeout)


def _end_with(parent: int) -> None:
    """A forked child's watch on its parent, cheaper to start than :func:`die_with_parent`
    (ctypes costs a short check a few ms): a thread that ends the child once it has
    another parent (its own is gone)."""
    def watch():
        while os.getppid() == parent:
            time.sleep(0.1)
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def enter_worker_mode(memory: int = DEFAULT_MEMORY, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Cap this whole process (memory, and time per call) and read in-process.

    A native abort, the timer's SIGALRM or the watchdog ends the process: its pool reports
    that, and the files it had are redone in isolation.  Nothing it prints reaches the user.
    """
    watchdog = _memory_guard(memory)
    import faulthandler
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the timer ends the process, even inside native code
    elif watchdog is None:
        watchdog = _Watchdog(0)
    _WORKER.update(on=True, timeout=timeout, watchdog=watchdog)


def die_with_parent() -> None:
    """Make this child process end when the process that started it ends (even killed).

    Linux: the parent-death signal.  Elsewhere: :func:`watch_parent`."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
                if os.getppid() == 1:  # the parent died before the signal was asked for
                    os._exit(1)
                return
        except (OSError, AttributeError, TypeError, ValueError):
            pass
    watch_parent()


_HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def signals_held():
    """Ctrl-C, SIGTERM and SIGHUP held while the block runs, then delivered again to the
    handlers that were in place: a process pool being started or handed work is never cut
    in the middle of its own bookkeeping (cut there, its shutdown can wait for ever).
    Signals reach the main thread only: elsewhere nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list = []
    held = {sig: signal.getsignal(sig) for sig in _HELD}
    held = {sig: handler for sig, handler in held.items() if handler is not None}  # None: not Python's to set
    for sig in held:
        signal.signal(sig, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(caught):
            signal.raise_signal(sig)


def start_pool_worker() -> None:
    """A pool worker's first step (its initializer): it ends with its parent, and has the
    usual signal handlers, whatever it inherited from a parent holding them when it forked."""
    _usual_signals()
    die_with_parent()


def _usual_signals() -> None:
    """Python's own handlers for the signals :func:`signals_held` holds (a forked child
    inherits its parent's, held or not)."""
    for sig in _HELD:
        signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)


def watch_parent() -> None:
    """A thread that waits on the sentinel multiprocessing gives every child of its parent
    (a pipe; a process handle on Windows) and ends this process when it fires."""
    import multiprocessing
    from multiprocessing.connection import wait
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        wait([parent.sentinel])
        os._exit(1)
    threading.Thread(target=watch, name="kpi-workbook-parent-watch", daemon=True).start()


def cap_address_space(limit: int) -> bool:
    """Cap this process's address space at *limit* bytes, where the platform can.

    A limit already set lower is kept, and one that cannot be raised (a hard limit below
    *limit*) is kept as it is: the cap is then that limit.  False where nothing is capped.
    """
    try:
        import resource
    except ImportError:  # Windows
        return False
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY and soft <= limit:
            return True
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        return True
    except (ValueError, OSError):
        return False


def _run_in_worker(func, args):
    timeout, watchdog = _WORKER["timeout"], _WORKER["watchdog"]
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, timeout)
    else:
        watchdog.deadline = time.monotonic() + timeout
    try:
        return func(*args)
    except MemoryError:
        raise Retry() from None
    finally:
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        else:
            watchdog.deadline = None


def _run_spawned(func, args, memory: int, timeout: float):
    """``run_isolated`` where there is no fork: a spawned child, a pipe and a deadline."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_spawned_child, args=(send, func, args, memory), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise IsolatedFailure("timeout")
        try:
            ok, value = pickle.loads(receive.recv_bytes())
        except (EOFError, OSError):  # it died before answering
            child.join(5)
            died = child.exitcode in (MEMORY_EXIT, -getattr(signal, "SIGKILL", 9), -signal.SIGABRT, 3)  # 3: abort() on Windows
            raise IsolatedFailure("memory" if died else "crash") from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if ok:
        return value
    raise value


def _spawned_child(send, func, args, memory: int) -> None:
    die_with_parent()
    import faulthandler
    faulthandler.disable()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # a native abort is reported by the parent
    _memory_guard(memory)  # the parent keeps the time
    send.send_bytes(_outcome(func, args))
    send.close()


def _outcome(func, args) -> bytes:
    """``(True, result)`` or ``(False, exception)``, pickled for the parent."""
    try:
        return pickle.dumps((True, func(*args)), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps((False, IsolatedFailure("memory")))
    except BaseException as exc:  # noqa: BLE001 - shipped to the parent as data
        try:
            return pickle.dumps((False, exc))
        except Exception:  # noqa: BLE001
            return pickle.dumps((False, RuntimeError(repr(exc)[:500])))


def _collect(pid: int, read_fd: int, timeout: float):
    try:
        chunks = _read_until_closed(read_fd, timeout)
    except BaseException:  # our own stop (Ctrl-C, SIGTERM) or the timeout: the child goes first,
        os.kill(pid, signal.SIGKILL)  # so that it writes nothing after we have cleaned up
        os.waitpid(pid, 0)
        raise
    _, status = os.waitpid(pid, 0)
    if not chunks:
        died = os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV)
        raise IsolatedFailure("memory" if died else "crash")
    ok, value = pickle.loads(b"".join(chunks))
    if ok:
        return value
    raise value


def _read_until_closed(read_fd: int, timeout: float) -> list:
    chunks: list = []
    deadline = time.monotonic() + timeout
    with os.fdopen(read_fd, "rb") as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise IsolatedFailure("timeout")
            ready, _, _ = select.select([pipe], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(pipe.fileno(), 1 << 20)
            if not chunk:
                return chunks
            chunks.append(chunk)
