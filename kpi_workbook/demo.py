"""The bundled demo: the whole loop on the sample roster, in one call."""
from __future__ import annotations

from pathlib import Path

from .generate import generate

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def run_demo(out_dir="demo-out") -> dict:
    """Generate the sample workbooks for both surveys; return where everything is."""
    out = Path(out_dir)
    written = {}
    for survey in ("renkei", "teiju"):
        result = generate(SAMPLES / "roster.csv", survey, out / "workbooks" / survey, force=True)
        written[survey] = result.written
    return {"workbooks": written, "out": out}
