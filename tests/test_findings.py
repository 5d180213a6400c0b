"""findings: one catalogue, and the reference generated from it kept current."""
from kpi_workbook.core import findings as F

from .conftest import ROOT


def test_every_code_says_what_to_do():
    for code, spec in F.CATALOGUE.items():
        assert spec.severity in F.SEVERITY_LABELS and spec.template and spec.action, code


def test_reference_is_current():
    """Regenerate with: python -m kpi_workbook.core.findings > docs/findings.md"""
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == F.reference_markdown()


def test_reference_lists_every_code_once():
    text = F.reference_markdown()
    for code in F.CATALOGUE:
        assert text.count(f"`{code}`") == 1, code
