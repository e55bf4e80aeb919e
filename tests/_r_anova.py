"""Shared machinery of test_anova.py and test_select.py: the R cases made by
tests/r/make_anova_cases.R (R 4.2.2 with MASS), the models they describe, and comparisons
of rglm's tables with R's, number by number and as printed."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import rglm

HERE = Path(__file__).parent / "data" / "r_anova"
CASE_DIR = HERE / "cases"
RTOL = 1e-6


def load(case_id: str) -> dict[str, Any]:
    return json.loads((CASE_DIR / f"{case_id}.json").read_text())


def case_ids(kind: str) -> list[str]:
    return sorted(p.stem for p in CASE_DIR.glob("*.json") if json.loads(p.read_text())["kind"] == kind)


def case_tests(kind: str) -> list[tuple[str, str]]:
    """(case id, test name) for every table R computed."""
    out = []
    for cid in case_ids(kind):
        r = load(cid)["r"]
        out += [(cid, t) for t in r]
    return out


def fit(spec: dict[str, Any]) -> rglm.GLMResult:
    data = pd.read_csv(HERE / spec["data"])
    kwargs = dict(spec.get("family_args") or {})
    if spec.get("link"):
        kwargs["link"] = spec["link"]
    family = getattr(rglm, spec["family"])(**kwargs)
    extra = {k: spec[k] for k in ("weights", "offset", "dispersion") if spec.get(k) is not None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings are R's too; not what is tested here
        return rglm.glm(spec["formula"], data, family=family, **extra)


def canon(text: str) -> str:
    """One spelling for R's and formulaic's names of the same term."""
    s = re.sub(r"factor\(([\w.]+)\)", r"C(\1)", str(text))
    return s.replace("**", "^")


def coef_key(name: str) -> str:
    """A spelling shared by R's and formulaic's names of one coefficient."""
    s = canon(name).replace(" ", "").replace("(Intercept)", "Intercept")
    s = re.sub(r"C\(([\w.]+)\)", r"\1", s)
    return re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", s).replace("`", "")


def assert_table(got: pd.DataFrame, want: dict[str, Any], rtol: float = RTOL) -> None:
    """Same rows and columns in the same order, and every number within ``rtol`` (missing
    entries in the same places)."""
    assert [canon(r) for r in got.index] == [canon(r) for r in want["rownames"]], (
        list(got.index),
        want["rownames"],
    )
    assert list(got.columns) == want["colnames"]
    for col in want["colnames"]:
        w = want["columns"][col]
        if w and isinstance(next((v for v in w if v is not None), 0.0), str):
            assert [canon(v) for v in got[col]] == [canon(v) for v in w], col
            continue
        wv = np.array([np.nan if v is None else v for v in w], dtype=float)
        gv = got[col].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(gv), np.isnan(wv)), (
            f"{col}: missing values at {np.isnan(gv)} vs R {np.isnan(wv)}"
        )
        ok = ~np.isnan(wv)
        scale = np.max(np.abs(wv[ok]), initial=0.0)
        np.testing.assert_allclose(gv[ok], wv[ok], rtol=rtol, atol=1e-9 * scale + 1e-13, err_msg=col)


def assert_printed(got: str, want: str, exact: bool) -> None:
    """The printed table as R prints it: line for line, or (when R's term labels are spelled
    differently, e.g. ``factor(x)`` against ``C(x)``) token for token."""
    if exact:
        assert got.splitlines() == want.splitlines()
        return
    g = [canon(" ".join(line.split())) for line in got.splitlines()]
    w = [canon(" ".join(line.split())) for line in want.splitlines()]
    assert g == w


def anova_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return sorted(str(w.message) for w in caught if issubclass(w.category, rglm.AnovaWarning))


def r_anova_warnings(r_warnings: list[str] | str | None) -> list[str]:
    """R's warnings about the tests (not the fits' convergence)."""
    if r_warnings is None:
        return []
    if isinstance(r_warnings, str):  # jsonlite writes a one-element vector as a scalar
        r_warnings = [r_warnings]
    keep = ("F test", "theta", "response differs")
    return sorted(w for w in r_warnings if any(k in w for k in keep))
