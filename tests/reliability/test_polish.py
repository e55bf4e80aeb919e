"""Everyday polish: exports keep R's digits, the CLI's help and errors read well."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import rglm
from rglm.cli import build_parser, main


def test_markdown_keeps_the_printed_digits() -> None:
    """R's printCoefmat: 0.0009275 and 0.0004150 (not 0.000415); p-values formatted together."""
    m = rglm.glm("lot1 ~ log(u)", rglm.datasets.load("clotting"), family=rglm.Gamma())
    md = m.summary().to_markdown()
    assert "0.0004150" in md and "0.0009275" in md and "4.28e-07" in md and "2.75e-09" in md
    dobson = rglm.glm(
        "counts ~ C(outcome) + C(treatment)", rglm.datasets.load("dobson"), family=rglm.Poisson()
    )
    printed = str(dobson.summary())
    # R: Pr(>|z|) column "< 2e-16", "0.0246", "0.1285", "1.0000", "1.0000"
    for text in ("0.0246", "0.1285", "1.0000"):
        assert text in printed
        for export in (
            dobson.summary().to_markdown(),
            dobson.summary().to_html(),
            dobson.summary().to_latex(),
        ):
            assert text in export


def test_help_examples_one_per_line() -> None:
    epilog = build_parser().epilog or ""
    for line in epilog.splitlines():
        assert line.count("  rglm ") <= 1, line  # two examples run together
    assert any(line.strip().startswith("--family poisson --names small big") for line in epilog.splitlines())
    assert any(line.strip().startswith("--newdata new.csv --type response") for line in epilog.splitlines())


def test_cli_predict_error_lists_a_few_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = tmp_path / "new.csv"
    pd.DataFrame({"outcome": [f"x{i}" for i in range(2000)], "treatment": 1}).to_csv(new, index=False)
    assert (
        main(
            [
                "predict",
                "counts ~ outcome + treatment",
                "--data",
                "dobson",
                "--family",
                "poisson",
                "--newdata",
                str(new),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "2000 of 2000 rows" in err and "'x0', 'x1', 'x2' and 1997 other values" in err and len(err) < 300
    assert (
        main(
            [
                "predict",
                "counts ~ C(outcome)",
                "--data",
                "dobson",
                "--family",
                "poisson",
                "--newdata",
                str(new),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "'x0', 'x1', 'x2', 'x3', 'x4' and 1995 more not seen" in err and len(err) < 300


def test_cli_help_runs() -> None:
    out = subprocess.run([sys.executable, "-m", "rglm", "--help"], capture_output=True, text=True, check=True)
    assert "examples:" in out.stdout


def test_anova_table_honours_pandas_exporter_arguments(tmp_path: Path) -> None:
    m = rglm.glm("counts ~ C(outcome) + C(treatment)", rglm.datasets.load("dobson"), family=rglm.Poisson())
    table = rglm.anova(m, test="Chisq")
    text = table.to_html()
    assert isinstance(text, str)
    path = tmp_path / "anova.html"
    assert table.to_html(path) is None and path.read_text(encoding="utf-8") == text
    buf = io.StringIO()
    assert table.to_markdown(buf=buf) is None and buf.getvalue() == table.to_markdown()
    no_index = table.to_markdown(index=False)
    assert isinstance(no_index, str) and "C(outcome)" not in no_index and "C(outcome)" in table.to_markdown()
    latex = tmp_path / "anova.tex"
    table.to_latex(str(latex))
    assert latex.read_text(encoding="utf-8") == table.to_latex()
    # any other pandas option: pandas' own exporter of the same numbers
    plain = table.to_html(float_format="%.3f")
    assert isinstance(plain, str) and "5.452" in plain and 'class="dataframe"' in plain


def test_one_confidence_level_keyword() -> None:
    """level= everywhere (R's confint and predict); alpha= and conf_level= are accepted with a
    DeprecationWarning naming level=; a level that looks like an alpha is refused."""
    m = rglm.glm("lot1 ~ log(u)", rglm.datasets.load("clotting"), family=rglm.Gamma())
    want = m.conf_int(level=0.9)
    with pytest.warns(DeprecationWarning, match="rglm's keyword is level= .alpha=0.1 is level=0.9"):
        got = m.conf_int(alpha=0.1)
    pd.testing.assert_frame_equal(got, want)
    tidy = m.tidy(conf_int=True, level=0.9, conf_method="wald")
    with pytest.warns(DeprecationWarning, match="conf_level= is accepted"):
        pd.testing.assert_frame_equal(m.tidy(conf_int=True, conf_level=0.9, conf_method="wald"), tidy)
    assert tidy["conf_low"].tolist() == want["lower"].tolist()
    with pytest.raises(rglm.ArgumentError, match="level is the coverage .* write level=0.95"):
        m.conf_int(0.05)
    with pytest.raises(rglm.ArgumentError, match="give one of level and alpha"):
        m.conf_int(level=0.9, alpha=0.1)
    pred = m.predict(rglm.datasets.load("clotting").head(2), interval="confidence", level=0.9)
    assert list(pred.columns) == ["fit", "se_fit", "lower", "upper"]


def test_progress_in_memory_is_refused_with_a_reason() -> None:
    with pytest.raises(rglm.ArgumentError, match="progress=True .* fitted in memory .* chunksize="):
        rglm.glm("counts ~ C(outcome)", rglm.datasets.load("dobson"), family=rglm.Poisson(), progress=True)
