"""Tests for rglm.numerics.format against outputs recorded from R.

The fixture tests/data/format/format_fixture.json is produced by
tests/data/format/make_format_fixture.R (run it with Rscript to
regenerate); every double in it is an exact hex float.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rglm.numerics.format import (
    NA_REAL,
    SIGNIF_LEGEND,
    coef_matrix_lines,
    format_pval,
    format_real,
    is_na,
    r_round,
    sig_stars,
    signif,
)

FIXTURE = Path(__file__).parent / "data" / "format" / "format_fixture.json"


@pytest.fixture(scope="module")
def fx() -> dict[str, Any]:
    with open(FIXTURE, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def num(tok: str) -> float:
    """Decode a fixture number: hex float or NA / NaN / Inf / -Inf."""
    special = {"NA": NA_REAL, "NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}
    return special[tok] if tok in special else float.fromhex(tok)


def nums(toks: list[str]) -> list[float]:
    return [num(t) for t in toks]


def same_double(a: float, b: float) -> bool:
    """Bitwise-level equality: equal values with equal sign, NA vs NaN kept."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b) and is_na(a) == is_na(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def report(bad: list[str], total: int) -> None:
    assert not bad, f"{len(bad)}/{total} mismatches with R:\n" + "\n".join(bad[:15])


def test_fixture_is_broad(fx: dict[str, Any]) -> None:
    assert len(fx["format"]) >= 1000
    assert len(fx["format_pval"]) >= 150
    assert len(fx["coefmat"]) >= 40


def test_format_real_matches_r(fx: dict[str, Any]) -> None:
    bad = []
    for case in fx["format"]:
        got = format_real(nums(case["x"]), case["digits"], case["nsmall"])
        if got != case["out"]:
            bad.append(
                f"x={case['x']} digits={case['digits']} nsmall={case['nsmall']}: R {case['out']} != {got}"
            )
    report(bad, len(fx["format"]))


def test_format_pval_matches_r(fx: dict[str, Any]) -> None:
    bad = []
    for case in fx["format_pval"]:
        got = format_pval(nums(case["pv"]), case["digits"], eps=num(case["eps"][0]))
        if got != case["out"]:
            bad.append(f"pv={case['pv']} digits={case['digits']}: R {case['out']} != {got}")
    report(bad, len(fx["format_pval"]))


def test_signif_and_round_match_r(fx: dict[str, Any]) -> None:
    bad = []
    for case in fx["round"]:
        x, d = nums(case["x"]), case["digits"]
        for name, fun in (("signif", signif), ("round", r_round)):
            got = list(fun(x, d))
            want = nums(case[name])
            if not all(same_double(a, b) for a, b in zip(got, want, strict=False)):
                bad.append(f"{name}({case['x']}, {d}): R {case[name]} != {[float(v).hex() for v in got]}")
    report(bad, 2 * len(fx["round"]))


def test_coef_matrix_lines_match_r(fx: dict[str, Any]) -> None:
    bad = []
    for case in fx["coefmat"]:
        got = coef_matrix_lines(
            nums(case["estimate"]),
            nums(case["std_error"]),
            nums(case["statistic"]),
            nums(case["pvalue"]),
            case["row_names"],
            case["col_names"],
            digits=case["digits"],
        )
        if got != case["lines"]:
            bad.append("R:\n" + "\n".join(case["lines"]) + "\nrglm:\n" + "\n".join(got))
    report(bad, len(fx["coefmat"]))


def test_coef_matrix_lines_aliased_rows_with_numpy_nan(fx: dict[str, Any]) -> None:
    # aliased rows handed over as plain numpy NaN still print NA, like R
    case = next(c for c in fx["coefmat"] if c["source"] == "print.summary.glm" and "NA" in c["estimate"])
    est, se, stat, pv = (
        np.array([np.nan if t == "NA" else num(t) for t in case[k]])
        for k in ("estimate", "std_error", "statistic", "pvalue")
    )
    assert np.isnan(est).any() and not any(is_na(v) for v in est)
    got = coef_matrix_lines(est, se, stat, pv, case["row_names"], case["col_names"])
    assert got == case["lines"]


def test_brief_example() -> None:
    assert format_real([3.045, 0.1709, 1.217e-15], 4) == ["3.045e+00", "1.709e-01", "1.217e-15"]


def test_na_nan_and_none() -> None:
    assert format_real([1.5, None, math.nan, -math.inf], 3) == [" 1.5", "  NA", " NaN", "-Inf"]
    assert format_real([None], 7, na_string="<NA>") == ["<NA>"]
    assert format_real([], 7) == []
    assert is_na(NA_REAL) and not is_na(math.nan) and not is_na(1.0)
    assert struct.pack("<d", NA_REAL)[:4] == struct.pack("<I", 1954)
    assert format_pval([math.nan, None, 0.5], 3) == ["NA", "NA", "0.5"]


def test_numpy_inputs() -> None:
    arr = np.array([[1.0, 2.5], [3.0, 4.0]])
    # column-major like R's format of a matrix
    assert format_real(arr, 3) == ["1.0", "3.0", "2.5", "4.0"]
    assert signif(np.array([123.456, 0.0012345]), 2).tolist() == [120.0, 0.0012]
    assert signif(2.5, 1) == 2.0 and r_round(2.5) == 2.0 and r_round(0.15, 1) == 0.1
    assert r_round(arr, 0).shape == (2, 2)


def test_sig_stars_and_legend() -> None:
    assert sig_stars([0, 0.0005, 0.001, 0.005, 0.05, 0.07, 0.1, 0.5, 1, math.nan]) == [
        "***",
        "***",
        "***",
        "**",
        "*",
        ".",
        ".",
        " ",
        " ",
        "",
    ]
    assert SIGNIF_LEGEND == "Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1"


def test_no_legend_when_all_p_large() -> None:
    lines = coef_matrix_lines(
        [0.5, 0.2],
        [1.0, 2.0],
        [0.5, 0.1],
        [0.62, 0.92],
        ["(Intercept)", "x"],
        ["Estimate", "Std. Error", "z value", "Pr(>|z|)"],
    )
    assert lines == [
        "            Estimate Std. Error z value Pr(>|z|)",
        "(Intercept)      0.5        1.0     0.5     0.62",
        "x                0.2        2.0     0.1     0.92",
    ]


def test_quick_scientific_agrees_with_the_long_double_emulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decimal-string shortcut of R's scientific() either gives the exact emulation's
    answer or steps aside, on random magnitudes and on values at and next to rounding ties."""
    import rglm.numerics.format_real as fmt

    rng = np.random.default_rng(11)
    values = list(np.abs(rng.standard_normal(1500)) * 10.0 ** rng.integers(-14, 14, 1500))
    for _ in range(300):
        a, e = int(rng.integers(10**6, 10**7)), int(rng.integers(-9, 9))
        tie = (a + 0.5) * 10.0**e
        values += [
            tie,
            float(np.nextafter(tie, 0)),
            float(np.nextafter(tie, np.inf)),
            float(10 ** (e + 7)) - 0.5 * 10.0**e,
        ]
    values += [0.15, 0.25, 9.9995, 9996.0, 99999.5, 0.1 + 0.2, 1 / 3, 999999.95, 6.168787551543195e-11]
    quick = fmt._scientific_quick
    answered = 0
    for digits in (1, 3, 7, 15):
        for v in values:
            got = quick(float(v), digits)
            if got is None:
                continue
            answered += 1
            with monkeypatch.context() as m:
                m.setattr(fmt, "_scientific_quick", lambda r, d: None)
                assert (False, *got) == fmt._scientific(float(v), digits), (v, digits)
    assert answered > 0.8 * 4 * len(values)  # the shortcut is the usual case
