"""The code in README.md and docs/*.md runs: each file's ```python blocks are executed in
order in one namespace, as a reader would paste them.  Blocks that need something outside
the test machine (a cluster, a cloud bucket) are fenced as ```py and only shown."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_code_blocks_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "__docs__"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, code in enumerate(blocks):
            try:
                exec(compile(code, f"{page.name} block {i + 1}", "exec"), namespace)  # noqa: S102 - running our own docs
            except Exception as exc:  # noqa: BLE001 - any failure of a docs block is reported
                pytest.fail(f"{page.name}, python block {i + 1} failed: {type(exc).__name__}: {exc}")
    import matplotlib.pyplot as plt

    plt.close("all")
    capsys.readouterr()


def test_readme_output_is_current() -> None:
    """The printed summary and anova table shown in the README are what rglm prints now."""
    import rglm

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    budworm = rglm.datasets.load("budworm")
    m = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", budworm, family=rglm.Binomial())
    for shown in (str(m.summary()), str(rglm.anova(m))):
        body = [line for line in shown.splitlines() if line.strip() and not line.startswith("Call:")]
        for line in body[3:]:
            assert line in text, line
