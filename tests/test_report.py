"""rglm.compare: side-by-side tables checked cell by cell against R's figures, plus golden
files for the layout of every output format.

The numeric checks read R 4.2.2's coefficients, standard errors, statistics, p-values,
Wald intervals and likelihood figures from the reference cases in tests/data/r_cases and
format them independently of rglm (Python's fixed-point formatting, R's star thresholds).
The golden files pin the layout; regenerate them with ``RGLM_REGEN_GOLDEN=1`` and review
the diff.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rcases import fit_case_file
from rcases import r_key as _key

import rglm

DATA = Path(__file__).parent / "data"
CASES = DATA / "r_cases" / "cases"
GOLDEN = DATA / "golden"

PAIRS = [
    ("trees_gamma_log", "trees_gamma_identity"),
    ("infert_logit", "infert_probit"),
    ("insurance_poisson_offset_formula", "insurance_poisson_offset_arg"),
    ("mtcars_aliased", "mtcars_gaussian_weights"),
    ("ships_quasipoisson_offset", "warpbreaks_poisson_interaction"),
]


def _fit(stem: str) -> tuple[rglm.GLMResult, dict]:
    return fit_case_file(CASES / f"{stem}.json")


def _stars(p: float) -> str:
    """R's symnum cut points, written out independently of rglm.numerics.format."""
    if p is None or math.isnan(p):
        return ""
    for cut, mark in ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, ".")):
        if p < cut:
            return mark
    return ""


def _fmt(x: float, digits: int) -> str:
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _r_rows(m: rglm.GLMResult, r: dict) -> dict[str, int]:
    """Our coefficient name -> position in R's vectors."""
    where = {_key(n): i for i, n in enumerate(r["coef_names"])}
    return {name: where[_key(name)] for name in m.exog_names}


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
@pytest.mark.parametrize("stat", ["se", "t", "p", "ci"])
@pytest.mark.parametrize("digits", [2, 4])
def test_cells_match_r(pair: tuple[str, str], stat: str, digits: int) -> None:
    fits = [_fit(stem) for stem in pair]
    table = rglm.compare([m for m, _ in fits], stat=stat, digits=digits)
    frame = table.to_frame()
    for j, (m, r) in enumerate(fits):
        col = table.model_names[j]
        for name, i in _r_rows(m, r).items():
            est = frame.loc[(name, "estimate"), col]
            beneath = frame.loc[(name, stat), col]
            if r["aliased"][i]:
                assert (est, beneath) == ("NA", "")
                continue
            assert est == _fmt(r["coef"][i], digits) + _stars(r["p"][i])
            want = {
                "se": f"({_fmt(r['se'][i], digits)})",
                "t": f"({_fmt(r['stat'][i], digits)})",
                "p": f"({_fmt(r['p'][i], digits)})",
                "ci": f"[{_fmt(r['confint_wald']['lower'][i], digits)}, "
                f"{_fmt(r['confint_wald']['upper'][i], digits)}]",
            }[stat]
            assert beneath == want
        gof = {
            "Observations": str(r["nobs"]),
            "AIC": "NA" if r["aic"] is None else _fmt(r["aic"], digits),
            "BIC": "NA" if r["bic"] is None else _fmt(r["bic"], digits),
            "Residual deviance": _fmt(r["deviance"], digits),
            "Dispersion": _fmt(r["dispersion"], digits),
        }
        for label, want in gof.items():
            assert frame.loc[(label, ""), col] == want, label


def test_terms_aligned_with_blanks() -> None:
    df = rglm.datasets.load("dobson")
    small = rglm.glm("counts ~ C(outcome)", df, family=rglm.Poisson())
    big = rglm.glm("counts ~ C(outcome) + C(treatment)", df, family=rglm.Poisson())
    table = rglm.compare({"small": small, "big": big})
    assert table.model_names == ["small", "big"]
    assert table.terms == big.exog_names
    frame = table.to_frame()
    for term in ("C(treatment)[T.2]", "C(treatment)[T.3]"):
        assert frame.loc[(term, "estimate"), "small"] == ""
        assert frame.loc[(term, "se"), "small"] == ""
        assert frame.loc[(term, "estimate"), "big"] != ""


def test_exponentiate_against_r() -> None:
    m, r = _fit("infert_logit")
    frame = rglm.compare([m], exponentiate=True, digits=4, stars=False).to_frame()
    frame_ci = rglm.compare([m], exponentiate=True, digits=4, stat="ci", stars=False).to_frame()
    for name, i in _r_rows(m, r).items():
        b, se = r["coef"][i], r["se"][i]
        assert frame.loc[(name, "estimate"), "(1)"] == _fmt(math.exp(b), 4)
        assert frame.loc[(name, "se"), "(1)"] == f"({_fmt(math.exp(b) * se, 4)})"
        lo, hi = r["confint_wald"]["lower"][i], r["confint_wald"]["upper"][i]
        assert frame_ci.loc[(name, "ci"), "(1)"] == f"[{_fmt(math.exp(lo), 4)}, {_fmt(math.exp(hi), 4)}]"


def test_extra_rows_and_level() -> None:
    m, r = _fit("trees_gamma_log")
    table = rglm.compare([m], extra=("llf", "null_deviance", "df_resid"), stat="ci", level=0.9, digits=5)
    frame = table.to_frame()
    assert frame.loc[("Log-likelihood", ""), "(1)"] == _fmt(r["loglik"], 5)
    assert frame.loc[("Null deviance", ""), "(1)"] == _fmt(r["null_deviance"], 5)
    assert frame.loc[("Residual df", ""), "(1)"] == str(r["df_residual"])
    from scipy import stats

    q = stats.norm.ppf(0.95)
    for name, i in _r_rows(m, r).items():
        lo, hi = r["coef"][i] - q * r["se"][i], r["coef"][i] + q * r["se"][i]
        assert frame.loc[(name, "ci"), "(1)"] == f"[{_fmt(lo, 5)}, {_fmt(hi, 5)}]"
    assert "90% Wald confidence intervals" in str(table)


def test_no_stars_has_no_legend() -> None:
    m, _ = _fit("infert_logit")
    table = rglm.compare([m], stars=False)
    assert not any("*" in cell for row in table.estimates for cell in row)
    assert "Signif." not in str(table)


def test_identical_across_runs() -> None:
    fits = [_fit(s)[0] for s in PAIRS[1]]
    a, b = rglm.compare(fits), rglm.compare(fits)
    assert str(a) == str(b) and a.to_latex() == b.to_latex() and a.to_html() == b.to_html()


def test_escaping_of_names() -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"y": rng.poisson(3, 40), "x_1": rng.normal(size=40), "a|b": rng.normal(size=40)})
    m = rglm.glm("y ~ x_1 + `a|b`", df, family=rglm.Poisson())
    table = rglm.compare({"rate_model": m})
    md = table.to_markdown()
    assert "x\\_1" in md and "a\\|b" in md and "rate\\_model" in md
    tex = table.to_latex()
    assert "x\\_1" in tex and "rate\\_model" in tex
    assert "<td>x_1</td>" in table.to_html()
    assert table._repr_html_() == table.to_html()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"stat": "z"}, "stat must be one of"),
        ({"digits": -1}, "digits must be"),
        ({"extra": ("r2",)}, "unknown goodness-of-fit row 'r2'"),
        ({"names": ["a", "b", "c"]}, "3 names for 1 models"),
        ({"level": 1.5}, "level must be between"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    m, _ = _fit("infert_logit")
    with pytest.raises(rglm.ArgumentError, match=re.escape(message)):
        rglm.compare([m], **kwargs)


def test_not_a_model() -> None:
    with pytest.raises(rglm.ArgumentError, match="model 1 is a str"):
        rglm.compare(["y ~ x"])  # type: ignore[list-item]
    with pytest.raises(rglm.ArgumentError, match="at least one model"):
        rglm.compare([])


def _golden_tables() -> dict[str, str]:
    df = rglm.datasets.load("budworm")
    fam = rglm.Binomial()
    m1 = rglm.glm("cbind(numdead, numalive) ~ ldose", df, family=fam)
    m2 = rglm.glm("cbind(numdead, numalive) ~ sex + ldose", df, family=fam)
    m3 = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", df, family=fam)
    models = {"dose": m1, "sex + dose": m2, "sex * dose": m3}
    t = rglm.compare(models)
    ci = rglm.compare(models, stat="ci", exponentiate=True, digits=2)
    return {
        "budworm.txt": str(t),
        "budworm.md": t.to_markdown(),
        "budworm_pipe.md": t.to_markdown("pipe"),
        "budworm.tex": t.to_latex(),
        "budworm.html": t.to_html() + "\n",
        "budworm_ci.txt": str(ci),
    }


@pytest.mark.parametrize("name", sorted(_golden_tables()))
def test_golden(name: str) -> None:
    got = _golden_tables()[name]
    path = GOLDEN / name
    if os.environ.get("RGLM_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert got == path.read_text()
