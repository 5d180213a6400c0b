"""isolate: a risky call in a capped, timed child — forked here, spawned where there is no fork.

Run a second time under the Windows emulation (tests/windows_emulation), these same tests
check the spawned child and the watchdog thread.
"""
import os
import subprocess
import sys
import time

import pytest

from kpi_workbook.core import isolate
from kpi_workbook.core.isolate import IsolatedFailure, run_isolated

from .conftest import FIXTURES, ROOT

WINDOWS_LIKE = not hasattr(os, "fork")


def _double(x):
    return 2 * x


def _raise():
    raise ValueError("bad cell")


def _sleep(seconds):
    time.sleep(seconds)
    return "woke"


def _abort():
    os.abort()  # what a native abort inside python-calamine does


def _allocate(mb):
    chunks = [b"x" * (1 << 20) for _ in range(mb)]  # pages written, so they count as used everywhere
    return sum(map(len, chunks))


def test_value_and_exception_come_back():
    assert run_isolated(_double, 21) == 42
    with pytest.raises(ValueError, match="bad cell"):
        run_isolated(_raise)


def test_a_call_past_its_time_is_stopped():
    start = time.monotonic()
    with pytest.raises(IsolatedFailure) as failure:
        run_isolated(_sleep, 30, timeout=1.0)
    assert failure.value.reason == "timeout" and time.monotonic() - start < 15


def test_a_native_abort_is_a_failure_not_the_end_of_us():
    with pytest.raises(IsolatedFailure) as failure:
        run_isolated(_abort)
    assert failure.value.reason in ("memory", "crash")


@pytest.mark.skipif(not isolate._memory_in_use(), reason="no memory cap or watch on this platform")
def test_memory_beyond_the_cap_is_refused():
    with pytest.raises(IsolatedFailure) as failure:
        run_isolated(_allocate, 900, memory=200 << 20)
    assert failure.value.reason == "memory"
    assert run_isolated(_allocate, 50, memory=200 << 20) == 50 << 20


@pytest.mark.skipif(WINDOWS_LIKE, reason="resource is what this platform lacks")
def test_a_hard_limit_below_the_cap_is_kept_and_worked_within():
    """Under `ulimit -v` of 450 MB (below what the cap asks for) a valid file still reads."""
    code = ("import resource, sys; lim = 450 << 20; resource.setrlimit(resource.RLIMIT_AS, (lim, lim)); "
            "from kpi_workbook.reading.reader import read_workbook; "
            f"book, problems = read_workbook({str(FIXTURES / 'xlsx-hostile' / 'control_valid.xlsx')!r}); "
            "print(book is not None, [p.code for p in problems]); "
            "print(resource.getrlimit(resource.RLIMIT_AS)[1] == lim)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.split("\n")[:2] == ["True []", "True"], done.stderr


def test_worker_mode_timer_ends_the_process():
    """A worker's call past its time ends the worker (its pool then redoes the file)."""
    code = ("from kpi_workbook.core import isolate as isolate; import time; isolate.enter_worker_mode(timeout=1.0); "
            "isolate.run_isolated(time.sleep, 30); print('survived')")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode != 0 and "survived" not in done.stdout and time.monotonic() - start < 20


def test_cap_address_space_never_raises_a_limit():
    if WINDOWS_LIKE:
        assert isolate.cap_address_space(1 << 30) is False
        return
    code = ("import resource; from kpi_workbook.core.isolate import cap_address_space; "
            "resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 700 << 20)); "
            "print(cap_address_space(2 << 30), resource.getrlimit(resource.RLIMIT_AS) == (600 << 20, 700 << 20)); "
            "print(cap_address_space(300 << 20), resource.getrlimit(resource.RLIMIT_AS) == (300 << 20, 300 << 20))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.split() == ["True", "True", "True", "True"], done.stderr


def _grandchild(queue):
    isolate.watch_parent()  # the way children end with their parent where there is no prctl
    queue.put(os.getpid())
    time.sleep(60)


def _child_that_dies(queue):
    import multiprocessing
    process = multiprocessing.get_context("spawn").Process(target=_grandchild, args=(queue,))
    process.start()
    time.sleep(30)


def test_a_watched_parent_takes_its_child_with_it():
    import multiprocessing
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child_that_dies, args=(queue,))
    child.start()
    grandchild = queue.get(timeout=60)
    child.kill()  # the parent of the grandchild dies without a word
    child.join(10)
    assert _ends_within(grandchild, 15), "the grandchild outlived its parent"


def _ends_within(pid: int, seconds: float) -> bool:
    """Whether process *pid* ends (gone, or a zombie not yet reaped) within *seconds*."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return True
        if os.path.exists(f"/proc/{pid}/stat") and open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] == "Z":
            return True
        time.sleep(0.1)
    return False


def _sleeps_and_says_its_pid(path):
    with open(path, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(60)


def _reads_in_a_forked_child(path):
    isolate.run_isolated(_sleeps_and_says_its_pid, path, timeout=120)


def test_a_forked_readers_child_ends_with_its_parent(tmp_path):
    """run_isolated's forked child watches its parent (a thread, cheap to start): killed, the
    parent takes the child with it rather than leave it reading for a minute."""
    import multiprocessing
    if not hasattr(os, "fork"):
        pytest.skip("no fork: the spawned child is watched by watch_parent (tested above)")
    said = tmp_path / "pid"
    parent = multiprocessing.get_context("spawn").Process(target=_reads_in_a_forked_child, args=(str(said),))
    parent.start()
    deadline = time.monotonic() + 60
    while not (said.exists() and said.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(said.read_text())
    parent.kill()
    parent.join(10)
    assert _ends_within(child, 15), "the reader's child outlived its parent"


def test_signals_held_are_delivered_to_their_handlers_after_the_block():
    """A pool is started and fed with Ctrl-C and SIGTERM held (cut inside submit, its
    shutdown could wait for ever): they reach their handlers once the block ends."""
    import signal
    got = []

    def handler(signum, frame):
        got.append(signum)
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with isolate.signals_held():
            signal.raise_signal(signal.SIGTERM)
            time.sleep(0.05)
            assert got == []  # held
        assert got == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is handler  # put back
        reached = []
        with pytest.raises(KeyboardInterrupt):
            with isolate.signals_held():
                signal.raise_signal(signal.SIGINT)
                reached.append("the rest of the block")
        assert reached == ["the rest of the block"] and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, previous)
