"""The demo's outputs are the committed golden files (tests/golden/files), byte for byte
once file and generation times are masked.  After a deliberate change of output, rewrite
them with ``python -m tests.golden`` and review the diff."""
from __future__ import annotations

import difflib

import pytest

from tests import golden


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return golden.snapshot(golden.run_demo(tmp_path_factory.mktemp("golden") / "demo"))


def test_the_same_files(made):
    assert sorted(made) == sorted(golden.committed())


@pytest.mark.parametrize("relative", sorted(golden.committed()))
def test_each_file_as_committed(made, relative):
    expected = golden.committed()[relative]
    actual = made.get(relative, "")
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                  "golden/" + relative, "demo/" + relative))[:80])
        pytest.fail(f"{relative} differs from its golden file (python -m tests.golden rewrites them):\n{diff}")


def test_the_mask_hides_only_times():
    assert golden.normalize("2026-12-05T08:35:05+00:00 2026年12月5日 17:35 2017年10月1日") == \
        "<時刻> <日時> 2017年10月1日\n"
