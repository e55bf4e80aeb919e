"""rglm.glm(..., method="brglm") against brglm2 0.9 (R 4.2.2): glm(..., method = "brglmFit").

The cases in tests/data/brglm (made by tests/r/make_brglm_cases.R) cover every family and link
brglm2 supports, every type, offsets, zero weights, an aliased column, no intercept, brglm2's
default control, slowit and max_step_factor, and separated data (brglm2's endometrial data and
MASS's shuttle).  Figures agree to 1e-6 relative (the fits stop at sum|step| < 1e-12, or 1e-6 for
the cases at brglm2's default control, where the fit is repeated step for step); iteration counts
exactly, or within one where R's last two step sums lie within 10% of epsilon.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.fit.brglm import BrglmControl, zeroin

HERE = Path(__file__).resolve().parent / "data" / "brglm"
CASES = sorted((HERE / "cases").glob("*.json"))
RTOL = 1e-6


def canon(name: str) -> str:
    """One spelling for R's and rglm's coefficient names: (Intercept)/Intercept, sexM/sex[T.M]."""
    return name.replace("(Intercept)", "Intercept").replace("[T.", "").replace("]", "")


def load(path: Path) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(path.read_text())
    return out


def fit(case: dict[str, Any]) -> tuple[Any, list[warnings.WarningMessage]]:
    py = case["python"]
    data = pd.read_csv(HERE / "data" / case["data"])
    kwargs = {
        k: py[k]
        for k in ("weights", "offset", "tol", "max_iter", "a", "slowit", "max_step_factor")
        if k in py
    }
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    family = getattr(rglm, py["family"])(link=py["link"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = rglm.glm(py["formula"], data, family=family, method="brglm", type=py["type"], **kwargs)
    return m, list(caught)


def close(got: Any, want: Any, scale: Any) -> None:
    g = np.asarray(got, dtype=float)
    w = np.asarray([np.nan if v is None else v for v in np.ravel(want)], dtype=float).reshape(g.shape)
    assert np.array_equal(np.isnan(g), np.isnan(w))
    ok = ~np.isnan(w)
    err = np.abs(g[ok] - w[ok]) / np.maximum(np.broadcast_to(scale, w.shape)[ok], 1e-300)
    assert err.max(initial=0.0) <= RTOL, f"rel err {err.max():.2e}"


_FITS: dict[str, tuple[Any, dict[str, Any], list[warnings.WarningMessage]]] = {}


def fitted_case(path: Path) -> tuple[Any, dict[str, Any], list[warnings.WarningMessage]]:
    """The rglm fit of a case (made once per test session)."""
    if path.stem not in _FITS:
        case = load(path)
        m, caught = fit(case)
        _FITS[path.stem] = (m, case, caught)
    return _FITS[path.stem]


WITH_NEWDATA = [p for p in CASES if load(p)["newdata"] is not None]
WITH_SUMMARY = [p for p in CASES if "summary_text" in load(p)["r"]]


@pytest.fixture(params=CASES, ids=[p.stem for p in CASES])
def fitted(request: pytest.FixtureRequest) -> tuple[Any, dict[str, Any], list[warnings.WarningMessage]]:
    return fitted_case(request.param)


def test_coefficients_and_tests(fitted: Any) -> None:
    m, case, _ = fitted
    r = case["r"]
    names = [canon(n) for n in m.params.index]
    idx = [names.index(canon(n)) for n in r["coef_names"]]
    coef = m.params.to_numpy()[idx]
    se_r = np.asarray(r["se"], dtype=float)
    ok = ~np.asarray(r["aliased"], dtype=bool)
    coef_r = np.array([np.nan if v is None else v for v in r["coef"]], dtype=float)
    se_full = np.zeros(len(idx))
    se_full[ok] = se_r
    close(coef, coef_r, np.maximum(np.abs(np.nan_to_num(coef_r)), se_full))
    live = [i for i, a in zip(idx, ~ok, strict=True) if not a]
    close(m.bse.to_numpy()[live], r["se"], se_r)
    close(m.tvalues.to_numpy()[live], r["stat"], np.maximum(np.abs(r["stat"]), 1.0))
    p = m.pvalues.to_numpy()[live]
    z = np.asarray(r["stat"], dtype=float)
    assert np.all(np.abs(p - r["p"]) <= RTOL * np.maximum(1.0, z**2) * np.abs(r["p"]))
    assert r["stat_name"] == "z value" and m.coef_table().columns[2] == "z value"
    vc = m.cov_params().to_numpy()[np.ix_(idx, idx)]
    vc_r = np.array([[np.nan if v is None else v for v in row] for row in r["vcov"]], dtype=float)
    d = np.sqrt(np.diag(vc_r))
    close(vc, vc_r, np.outer(d, d))
    z95 = 1.959963984540054
    ci = m.conf_int().to_numpy()[live]
    close(ci, np.column_stack([coef[ok] - z95 * se_r, coef[ok] + z95 * se_r]), np.maximum(np.abs(ci), 1.0))
    assert bool(m.aliased.to_numpy()[idx].any()) == (not ok.all())


def test_fit_figures(fitted: Any) -> None:
    m, case, caught = fitted
    r = case["r"]
    for got, want in [(m.scale, r["dispersion"]), (m.deviance, r["deviance"]), (m.aic, r["aic"])]:
        assert math.isclose(got, want, rel_tol=RTOL)
    assert math.isclose(m.null_deviance, r["null_deviance"], rel_tol=RTOL)
    assert (m.df_resid, m.df_null) == (r["df_residual"], r["df_null"])
    assert m.converged == r["converged"]
    if r["iterations_exact"]:
        assert m.iterations == r["iterations"]
    else:  # R's last step sums lie within 10% of epsilon
        assert abs(m.iterations - r["iterations"]) <= 1
    bad = (rglm.SeparationWarning, rglm.ConvergenceWarning)
    assert not [w for w in caught if issubclass(w.category, bad)]
    fv = np.asarray(r["fitted"], dtype=float)
    close(m.fittedvalues.to_numpy(), fv, np.maximum(np.abs(fv), 1e-3 * np.abs(fv).max()))


@pytest.mark.parametrize("path", WITH_NEWDATA, ids=[p.stem for p in WITH_NEWDATA])
def test_predictions(path: Path) -> None:
    m, case, _ = fitted_case(path)
    r = case["r"]
    new = pd.DataFrame(case["newdata"])
    if case["python"]["offset"]:
        new = new.rename(columns={"logexpo": case["python"]["offset"]})
    for kind in ("link", "response"):
        p = m.predict(new, type=kind, se_fit=True)
        want = np.asarray(r[f"predict_{kind}"], dtype=float)
        close(p["fit"].to_numpy(), want, np.maximum(np.abs(want), 1e-3 * np.abs(want).max()))
        close(p["se_fit"].to_numpy(), r[f"predict_{kind}_se"], np.abs(r[f"predict_{kind}_se"]))


TAIL = (
    "(Dispersion parameter",
    "Null deviance:",
    "Residual deviance:",
    "AIC:",
    "Type of estimator:",
    "Number of Fisher Scoring iterations:",
    "Deviance Residuals",
    "Coefficients",
)


def _lines(text: str, noise: set[str]) -> list[str]:
    """The summary from its deviance residuals on, names canonical and blanks folded; left out
    are the iteration line (compared as a number in test_fit_figures) and the row labels of
    residuals printed one by one (R's 1-based row names, rglm's data frame index), and the
    estimates in ``noise``, zero in theory, where R prints rounding noise such as 3e-17."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Deviance Residuals"))
    out = []
    for line in lines[start:]:
        toks = [canon(tok) for tok in line.split()]
        if toks and toks[0] in noise:
            toks[1] = "(zero)"
        folded = " ".join(toks)
        if folded and not folded.startswith("Number of Fisher") and not re.fullmatch(r"[\d ]+", folded):
            out.append(re.sub(r"^Intercept", "Intercept", folded))
    return out


@pytest.mark.parametrize("path", WITH_SUMMARY, ids=[p.stem for p in WITH_SUMMARY])
def test_summary_prints_as_brglm2(path: Path) -> None:
    m, case, _ = fitted_case(path)
    want = case["r"]["summary_text"]
    text = str(m.summary())
    r = case["r"]
    noise = {
        canon(n)
        for n, b, a in zip(r["coef_names"], r["coef"], r["aliased"], strict=True)
        if not a and abs(b) < 1e-12
    }
    assert _lines(text, noise) == _lines(want, noise)
    assert "Number of Fisher Scoring iterations:" in text


# -- behaviour that needs no reference case ------------------------------------------------------
def _sepgen() -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / "endometrial.csv")


def test_separated_fit_is_finite_and_warning_points_to_brglm() -> None:
    endo = _sepgen()
    with pytest.warns(rglm.SeparationWarning, match="method='brglm'"):
        ml = rglm.glm("HG ~ NV + PI + EH", endo, family=rglm.Binomial())
    assert "method='brglm'" in str(ml.summary())
    with warnings.catch_warnings():
        warnings.simplefilter("error", rglm.RGLMWarning)
        br = rglm.glm("HG ~ NV + PI + EH", endo, family=rglm.Binomial(), method="brglm", type="AS_mean")
    assert np.all(np.isfinite(br.params)) and np.all(np.isfinite(br.bse))


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"method": "brglm", "type": "AS_meen"}, "unknown brglm type 'AS_meen'"),
        ({"type": "AS_mean"}, "type= only applies to bias-reduced fits: add method='brglm'"),
        ({"a": 1.0}, "a= only applies"),
        ({"method": "brglm", "type": "MPL_Jeffreys", "a": 0.0}, "a > 0"),
        ({"method": "brglm", "type": "MPL_Jeffreys", "a": -1.0}, "a > 0"),
        ({"method": "firth"}, "unknown method 'firth'"),
        ({"method": "brglm", "chunksize": 5}, "chunked and Dask data are not supported"),
    ],
)
def test_bad_input(kwargs: dict[str, Any], pattern: str) -> None:
    with pytest.raises(rglm.RGLMError, match=re.escape(pattern)):
        rglm.glm("HG ~ NV + PI + EH", _sepgen(), family=rglm.Binomial(), **kwargs)


@pytest.mark.parametrize(
    "family",
    [
        rglm.QuasiBinomial(),
        rglm.QuasiPoisson(),
        rglm.NegativeBinomial(theta=2.0),
        rglm.Tweedie(var_power=1.5),
    ],
)
def test_unsupported_family(family: Any) -> None:
    df = pd.DataFrame({"y": [1.0, 0.0, 1.0, 1.0, 0.0, 1.0], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    with pytest.raises(rglm.FamilyError, match="method='brglm' does not support"):
        rglm.glm("y ~ x", df, family=family, method="brglm")


def test_default_control_is_brglm2s() -> None:
    assert (BrglmControl().type, BrglmControl().tol, BrglmControl().max_iter) == ("AS_mixed", 1e-6, 100)
    assert (BrglmControl().a, BrglmControl().slowit, BrglmControl().max_step_factor) == (0.5, 1.0, 12)


def test_zeroin_finds_a_known_root() -> None:
    root = zeroin(lambda x: x * x - 2.0, 0.0, 10.0, 1e-14)
    assert root is not None and math.isclose(root, math.sqrt(2.0), rel_tol=1e-12)
    assert zeroin(lambda x: x * x + 1.0, -1.0, 1.0, 1e-10) is None


def test_tidy_glance_compare_save_load(tmp_path: Path) -> None:
    case = load(HERE / "cases" / "budworm_cloglog_AS_mean.json")
    m, _ = fit(case)
    t = m.tidy(conf_int=True)
    assert np.allclose(t["estimate"], m.params.to_numpy()) and np.allclose(
        t["conf_low"], m.conf_int().iloc[:, 0]
    )
    g = m.glance()
    assert math.isclose(float(g["AIC"].iloc[0]), case["r"]["aic"], rel_tol=RTOL)
    assert "Type of estimator" not in str(rglm.compare({"br": m}))  # a table of estimates, not a summary
    path = tmp_path / "m.rglm"
    m.save(path)
    back = rglm.load(path)
    assert str(back.summary()) == str(m.summary()) and back.type == "AS_mean"
    with pytest.raises(rglm.RGLMError, match="Wald intervals only"):
        m.conf_int(method="profile")


def test_cli_fit_with_brglm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rglm.cli import main

    path = tmp_path / "endo.csv"
    _sepgen().to_csv(path, index=False)
    args = ["fit", "HG ~ NV + PI + EH", "--data", str(path), "--family", "binomial", "--method", "brglm"]
    assert main([*args, "--type", "AS_median"]) == 0
    out = capsys.readouterr().out
    assert "Type of estimator: AS_median (median bias-reducing adjusted score equations)" in out
    assert re.search(r"^NV\s+3\.86921\s+2\.29824 ", out, re.MULTILINE)  # brglm2 0.9's figures
    assert main([*args[:-2], "--type", "AS_median"]) == 2
    assert "add method='brglm'" in capsys.readouterr().err


def test_anova_refits_with_brglm_as_r() -> None:
    """R's anova.glm refits each sub-model with the fit's method and control (brglmFit)."""
    ref = load(HERE / "anova_endometrial.json")
    endo = pd.read_csv(HERE / "data" / ref["data"])
    kw = {"family": rglm.Binomial(), "method": "brglm", "type": ref["type"]}
    big, small = rglm.glm(ref["formula"], endo, **kw), rglm.glm(ref["smaller"], endo, **kw)
    seq = rglm.anova(big, test="Chisq")
    assert list(seq.index) == ref["sequential"]["terms"]
    close(
        seq["Resid. Dev"].to_numpy(),
        ref["sequential"]["resid_dev"],
        np.asarray(ref["sequential"]["resid_dev"]),
    )
    close(seq["Deviance"].to_numpy(), ref["sequential"]["deviance"], 1.0)
    p_seq = np.array([np.nan if v is None else v for v in ref["sequential"]["p"]], dtype=float)
    close(seq["Pr(>Chi)"].to_numpy(), p_seq, np.abs(p_seq))  # relative
    nested = rglm.anova(small, big, test="Chisq")
    close(nested["Resid. Dev"].to_numpy(), ref["nested"]["resid_dev"], np.asarray(ref["nested"]["resid_dev"]))
    p_nested = np.array([np.nan if v is None else v for v in ref["nested"]["p"]], dtype=float)
    close(nested["Pr(>Chi)"].to_numpy(), p_nested, np.abs(p_nested))


GRID = load(HERE / "grid.json")


@pytest.mark.parametrize("key", sorted(GRID))
def test_grid_of_types_families_and_links(key: str) -> None:
    """Every type for further family/link pairs: estimates, SEs, dispersion, deviances, AIC and
    iteration counts (all fits converged to sum|step| < 1e-12)."""
    g = GRID[key]
    data = pd.read_csv(HERE / "data" / g["data"])
    kwargs = {k: g[k] for k in ("a", "weights") if g.get(k) is not None}
    family = getattr(rglm, g["family"])(link=g["link"])
    m = rglm.glm(
        g["formula"], data, family=family, method="brglm", type=g["type"], tol=1e-12, max_iter=500, **kwargs
    )
    se = np.asarray(g["se"], dtype=float)
    close(m.params.to_numpy(), g["coef"], np.maximum(np.abs(g["coef"]), se))
    close(m.bse.to_numpy(), se, se)
    for got, want in [(m.scale, g["dispersion"]), (m.deviance, g["deviance"]), (m.aic, g["aic"])]:
        assert math.isclose(got, want, rel_tol=RTOL)
    assert math.isclose(m.null_deviance, g["null_deviance"], rel_tol=RTOL)
    assert m.iterations == g["iterations"]
