"""Every code of the findings catalogue is produced by some test (run last: the file name).

The suite logs the code of every finding it makes (tests/conftest.py); when the whole
suite ran in this session, a code never logged fails here, by name. A partial run (one
file, ``-k``) skips: it cannot tell.
"""
from pathlib import Path

import pytest

from kpi_workbook.core.findings import CATALOGUE

from .conftest import FINDINGS_LOG


def test_every_finding_code_is_produced_by_some_test(request):
    ran = {Path(item.fspath).name for item in request.session.items}
    every = {path.name for path in Path(__file__).parent.glob("test_*.py")}
    if ran != every or request.config.getoption("keyword") or request.config.getoption("markexpr"):
        pytest.skip("only the whole suite can tell which codes no test produces")
    produced = set(FINDINGS_LOG.read_text(encoding="utf-8").split()) if FINDINGS_LOG.exists() else set()
    assert sorted(set(CATALOGUE) - produced) == []
