"""scratch: pickles parked in one append-only file per process, read back from any."""
import multiprocessing
import os

from kpi_workbook.consolidation import scratch


def _park_in_child(directory, queue):
    queue.put(scratch.park({"from": os.getpid()}, directory))


def test_objects_parked_come_back_from_one_file_per_process(tmp_path):
    first = scratch.park({"rows": [1, 2]}, str(tmp_path))
    second = scratch.park(["二つ目"] * 1000, str(tmp_path))
    assert first.path == second.path and second.offset == first.offset + first.size
    assert scratch.unpark(second) == ["二つ目"] * 1000 and scratch.unpark(first) == {"rows": [1, 2]}
    queue = multiprocessing.get_context().Queue()  # fork here; spawn under the Windows emulation
    child = multiprocessing.get_context().Process(target=_park_in_child, args=(str(tmp_path), queue))
    child.start()
    theirs = queue.get(timeout=30)
    child.join(timeout=30)
    assert theirs.path != first.path and scratch.unpark(theirs) == {"from": child.pid}
    scratch.close()
    third = scratch.park("後で", str(tmp_path))  # reopened: appended after what was there
    assert third.path == first.path and third.offset == second.offset + second.size
    assert scratch.unpark(first) == {"rows": [1, 2]} and scratch.unpark(third) == "後で"
    scratch.close()


def test_a_session_closes_what_this_process_read_and_wrote(tmp_path):
    with scratch.session():
        parked = scratch.park(["行"] * 10, str(tmp_path))
        assert scratch.unpark(parked) == ["行"] * 10 and scratch._READERS and scratch._OPEN
    assert not scratch._READERS and not scratch._OPEN
    cut = parked._replace(size=parked.size + 5)  # a file shorter than its record says
    try:
        scratch.unpark(cut)
    except OSError as exc:
        assert "cut short" in str(exc)
    else:
        raise AssertionError("a short read must not pass")
    finally:
        scratch.close()


def test_read_back_without_pread(tmp_path, monkeypatch):
    """Windows has no os.pread: a seek and reads on the kept descriptor give the same bytes."""
    first = scratch.park(list(range(5000)), str(tmp_path))
    second = scratch.park("二つ目", str(tmp_path))
    monkeypatch.delattr(os, "pread", raising=False)
    assert scratch.unpark(second) == "二つ目" and scratch.unpark(first) == list(range(5000))
    scratch.close()
