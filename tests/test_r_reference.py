"""rglm against R's own figures.

Each JSON case under tests/data holds what R 4.2.2 reported for one ``glm()`` fit (made by
tests/r/make_cases.R, or supplied with the shared reference battery) and the rglm call
that describes the same model.  Every number R reports is compared: coefficients and their
tests, deviances, likelihood, residuals, covariance, predictions, Wald intervals and the
printed summary.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rcases import r_key as _key

import rglm

HERE = Path(__file__).parent / "data"
CASE_FILES = (
    sorted((HERE / "r_cases" / "cases").glob("*.json"))
    + sorted((HERE / "r_shared" / "cases").glob("*.json"))
    + sorted((HERE / "r_extra" / "cases").glob("*.json"))
)


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


CASES = CASE_FILES
RTOL = 1e-6


def fit(path: Path) -> tuple[rglm.GLMResult, dict, pd.DataFrame]:
    case = _load(path)
    py = case["python"]
    data = pd.read_csv(path.parent.parent / py["data"])
    fam_cls = getattr(rglm, py["family"])
    kwargs = dict(py.get("family_args") or {})
    if py.get("link"):
        kwargs["link"] = py["link"]
    extra = {k: py[k] for k in ("weights", "offset") if py.get(k)}
    r_warned = case["r"].get("warnings") or []
    r_warned = [r_warned] if isinstance(r_warned, str) else list(r_warned)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = rglm.glm(py["formula"], data, family=fam_cls(**kwargs), **extra)
    ours = [str(w.message) for w in caught if issubclass(w.category, rglm.RGLMWarning)]
    # rglm warns where R warned (fitted probabilities 0 or 1, ...) and nowhere else.
    if any("fitted probabilities numerically 0 or 1" in w for w in r_warned):
        assert any("fitted probabilities numerically 0 or 1" in w for w in ours), ours
    elif not r_warned:
        assert not ours, ours
    return m, case["r"], data


def _order(m: rglm.GLMResult, r: dict) -> list[int]:
    ours = {_key(n): i for i, n in enumerate(m.params.index)}
    assert set(ours) == {_key(n) for n in r["coef_names"]}, (list(m.params.index), r["coef_names"])
    return [ours[_key(n)] for n in r["coef_names"]]


def _close(got: object, want: object, rtol: float = RTOL) -> None:
    g = np.asarray(got, dtype=float)
    w = np.array([np.nan if v is None else v for v in np.ravel(want)], dtype=float).reshape(g.shape)
    # Values that are zero in exact arithmetic (R prints 1e-15) are compared on the vector's scale.
    atol = 1e-10 * float(np.nanmax(np.abs(w), initial=0.0))
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)


ids = [p.stem for p in CASES]


@pytest.fixture(scope="module", params=CASES, ids=ids)
def case(request: pytest.FixtureRequest) -> tuple[rglm.GLMResult, dict, pd.DataFrame]:
    return fit(request.param)


def test_coefficients(case: tuple) -> None:
    m, r, _ = case
    idx = _order(m, r)
    _close(m.params.to_numpy()[idx], r["coef"])
    _close(m.bse.to_numpy()[idx], r["se"])
    _close(m.tvalues.to_numpy()[idx], r["stat"])
    _close(m.pvalues.to_numpy()[idx], r["p"])
    assert list(m.aliased.to_numpy()[idx]) == r["aliased"]
    assert m.use_t == (r["stat_name"] == "t value")


def _strict_key(name: str) -> str:
    """Only the respellings between R's and rglm's names: ``(Intercept)``, ``C(x)``/``factor(x)``,
    ``[T.level]`` for R's ``level`` suffix and ``**`` for ``^``; nothing else is forgiven."""
    s = name.replace(" ", "").replace("(Intercept)", "Intercept")
    s = re.sub(r"(?:factor|C)\(([A-Za-z_.][\w.]*)\)", r"\1", s)
    return s.replace("[T.", "").replace("]", "").replace("**", "^")


def test_coefficient_names_spell_rs(case: tuple) -> None:
    m, r, _ = case
    assert [_strict_key(n) for n in m.exog_names] == [_strict_key(n) for n in r["coef_names"]]


def test_theta(case: tuple) -> None:
    """theta, its standard error and 2 log L of MASS::glm.nb fits; None elsewhere."""
    m, r, _ = case
    if r.get("theta") is None:
        assert m.theta_se is None and m.twologlik is None
        return
    _close(m.theta, r["theta"])
    _close(m.theta_se, r["se_theta"])
    _close(2 * m.llf, m.twologlik)


def test_fit_figures(case: tuple) -> None:
    m, r, _ = case
    _close(m.deviance, r["deviance"])
    _close(m.null_deviance, r["null_deviance"])
    assert (m.df_resid, m.df_null, m.nobs) == (r["df_residual"], r["df_null"], r["nobs"])
    assert m.iterations == r["iter"]
    _close(m.scale, r["dispersion"])
    for ours, key in ((m.aic, "aic"), (m.bic, "bic"), (m.llf, "loglik")):
        if r[key] is None:
            assert math.isnan(ours), key
        else:
            _close(ours, r[key])


def test_residuals_and_fitted(case: tuple) -> None:
    m, r, _ = case
    _close(m.fittedvalues, r["fitted"])
    _close(m.linear_predictors, r["linear_predictors"])
    _close(m.resid_deviance, r["resid_deviance"])
    _close(m.resid_pearson, r["resid_pearson"])
    _close(m.resid_working, r["resid_working"])
    _close(m.resid_response, r["resid_response"])


def test_covariance(case: tuple) -> None:
    m, r, _ = case
    idx = _order(m, r)
    vc = m.cov_params().to_numpy()[np.ix_(idx, idx)]
    _close(vc, np.array([[np.nan if v is None else v for v in row] for row in r["vcov"]]))


def test_predict_new_data(case: tuple) -> None:
    m, r, data = case
    new = data.iloc[r["predict_rows"]]
    for kind in ("link", "response"):
        p = m.predict(new, type=kind, se_fit=True)
        _close(p["fit"], r[f"predict_{kind}"])
        _close(p["se_fit"], r[f"predict_{kind}_se"])
        plain = m.predict(new, type=kind)
        _close(plain, r[f"predict_{kind}"])


def test_wald_intervals(case: tuple) -> None:
    m, r, _ = case
    idx = _order(m, r)
    ci = m.conf_int().to_numpy()[idx]
    _close(ci[:, 0], r["confint_wald"]["lower"])
    _close(ci[:, 1], r["confint_wald"]["upper"])


def _r_sections(text: str) -> tuple[dict[str, str], list[str]]:
    """R's coefficient rows (name -> the text after the name) and the lines after the table."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Coefficients:"))
    header = lines[start + 1]
    width = len(header) - len(header.lstrip())
    rows: dict[str, str] = {}
    i = start + 2
    while i < len(lines) and lines[i].strip() and not lines[i].startswith("---"):
        rows[_key(lines[i][:width].strip())] = lines[i][width:]
        i += 1
    tail_start = next(j for j, line in enumerate(lines) if line.startswith("(Dispersion parameter"))
    return rows, [lines[start]] + lines[tail_start:]


def test_summary_text(case: tuple) -> None:
    m, r, _ = case
    ours = str(m.summary())
    want_rows, want_tail = _r_sections(r["summary_text"])
    got_rows, got_tail = _r_sections(ours)
    assert set(got_rows) == set(want_rows)
    for name, text in want_rows.items():
        # Name columns differ in width (R's names vs formulaic's), the figures must not.
        assert got_rows[name].split() == text.split(), name
    # capture.output() drops R's final blank line; everything before it must be identical.
    assert got_tail[: len(want_tail)] == want_tail
    assert not any(line.strip() for line in got_tail[len(want_tail) :])
    assert "Deviance Residuals" not in ours  # R >= 4.3 layout
    if any(p is not None and p < 0.1 for p in r["p"]):
        assert "Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1" in ours
