"""``python -m tests.golden``: run the demo and rewrite the expected outputs (then review
the diff with ``git diff tests/golden``)."""
import tempfile
from pathlib import Path

from . import FILES, run_demo, snapshot, write

with tempfile.TemporaryDirectory() as tmp:
    files = snapshot(run_demo(Path(tmp) / "demo"))
write(files)
print(f"{len(files)} files written under {FILES}")
