"""Separation detection (:mod:`rglm.inference.separation`) against R's ``detectseparation`` and ``glm``.

The R figures are in ``data/separation.json``, made by ``data/make_separation.R`` (R 4.2.2,
detectseparation 0.3 with its lpSolveAPI implementation of Konis's linear program).  Where
rglm reports an infinite estimate that detectseparation's single LP vertex misses, the
claim is checked against the definition: the profile log-likelihood of that coefficient
reaches the likelihood's supremum as the coefficient goes to infinity.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import special

import rglm
from rglm import FamilyError, RGLMWarning, SeparationWarning, detect_separation
from rglm.inference.separation import separation_suspected

FIXTURE = json.loads((Path(__file__).parent / "data" / "separation.json").read_text())
CASES: dict[str, dict[str, Any]] = FIXTURE["cases"]
RANDOM: list[dict[str, Any]] = FIXTURE["random"]


def _r_directions(case: dict[str, Any]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in case["directions"].values()])


def _signs(result: rglm.SeparationResult) -> np.ndarray:
    return np.sign(result.to_series().to_numpy())


def _arrays(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = case.get("prior_weights", case.get("weights"))
    return np.array(case["X"], float), np.array(case["y"], float), np.array(w, float)


def _fit(case: dict[str, Any], family: Any = None) -> tuple[rglm.GLMResult, list[warnings.WarningMessage]]:
    fam = family if family is not None else rglm.Binomial(link=case["link"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = rglm.glm(case["py_formula"], pd.DataFrame(case["data"]), family=fam, weights=case["weights"])
    return m, caught


def _separation_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, SeparationWarning)]


# -- against detectseparation -------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_cases_match_detectseparation(name: str) -> None:
    case = CASES[name]
    res = detect_separation(*_arrays(case), names=case["colnames"])
    assert res.separated == case["separation"]
    np.testing.assert_array_equal(_signs(res), _r_directions(case))
    assert res.kind == (
        "none"
        if not case["separation"]
        else "complete"
        if name.startswith(("complete", "zero_weight_sep"))
        else "quasi-complete"
    )


def test_random_designs_agree_with_detectseparation() -> None:
    for i, case in enumerate(RANDOM):
        res = detect_separation(*_arrays(case))
        r = _r_directions(case)
        assert res.separated == case["separation"], i
        np.testing.assert_array_equal(np.isnan(r), res.aliased, err_msg=str(i))
        ours = _signs(res)
        for j in np.flatnonzero(np.nan_to_num(r) != 0):  # R's infinite estimates are ours too
            assert ours[j] != 0, (i, j)
            assert ours[j] == r[j] or res.either_sign[j], (i, j)
        if not res.separated:
            assert not np.any(ours[~res.aliased]) and not res.separated_rows.any()


def _neg_loglik_min(X: np.ndarray, y: np.ndarray, w: np.ndarray, off: np.ndarray) -> float:
    """inf over b of the logistic negative log-likelihood, by damped Newton (Levenberg-Marquardt)."""

    def f(b: np.ndarray) -> float:
        eta = off + X @ b
        return float(np.sum(w * (y * np.logaddexp(0, -eta) + (1 - y) * np.logaddexp(0, eta))))

    b = np.zeros(X.shape[1])
    fb, lam = f(b), 1e-3
    for _ in range(3000):
        if X.shape[1] == 0:
            break
        mu = special.expit(off + X @ b)
        g, h = X.T @ (w * (mu - y)), (X * (w * mu * (1 - mu))[:, None]).T @ X
        nb = b - np.linalg.solve(h + lam * (np.trace(h) / b.size + 1e-12) * np.eye(b.size), g)
        fn = f(nb)
        if fn < fb:
            done = fb - fn < 1e-15 * max(1.0, fb) and np.max(np.abs(g)) < 1e-10
            b, fb, lam = nb, fn, max(lam / 3, 1e-12)
            if done:
                break
        else:
            lam *= 4
            if lam > 1e20:
                break
    return fb


def _profile_gap(others: np.ndarray, y: np.ndarray, w: np.ndarray, xj: np.ndarray, sup: float) -> float:
    """Profile minus supremum of the negative log-likelihood at beta_j = c, c large; the
    approach to the supremum is exponential but can be slow, so c goes farther out."""
    best = np.inf
    for c in (300.0, 1000.0, 3000.0):
        best = min(best, _neg_loglik_min(others, y, w, c * xj) - sup)
        if best < 1e-6:
            break
    return best


def test_infinite_estimates_that_detectseparation_misses_are_infinite() -> None:
    """The profile likelihood of each such coefficient reaches the supremum, of the others not."""
    checked = 0
    for i, case in enumerate(RANDOM):
        X, y, w = _arrays(case)
        res = detect_separation(X, y, w)
        r = _r_directions(case)
        if not res.separated or np.array_equal(_signs(res), r, equal_nan=True):
            continue
        keep = np.flatnonzero(~res.aliased)
        sup = _neg_loglik_min(X[:, keep], y, w, np.zeros(y.size))
        for j in keep:
            others = X[:, [k for k in keep if k != j]]
            sign = res.directions[j]
            if sign == 0:
                up, down = (_profile_gap(others, y, w, s * X[:, j], sup) for s in (1, -1))
                assert min(up, down) > 1e-2, (i, j)
            else:
                assert _profile_gap(others, y, w, sign * X[:, j], sup) < 1e-6, (i, j)
                assert (_profile_gap(others, y, w, -sign * X[:, j], sup) < 1e-6) == res.either_sign[j], (i, j)
            checked += 1
    assert checked > 20


# -- through glm() --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_glm_warns_and_keeps_r_estimates(name: str) -> None:
    case = CASES[name]
    m, caught = _fit(case)
    msgs = _separation_warnings(caught)
    assert bool(msgs) == case["separation"]
    np.testing.assert_array_equal(_signs(m.separation), _r_directions(case))
    for nm, d in m.separation.infinite.items():
        assert f"{nm} ({'+' if d > 0 else '-'}Inf)" in msgs[0]
    # The fit itself is R's, iteration for iteration.
    g = case["glm"]
    coef = np.array([np.nan if v is None else v for v in g["coef"]])
    se = np.array([np.nan if v is None else v for v in g["se"]])
    np.testing.assert_allclose(m.params.to_numpy(), coef, rtol=1e-8)
    np.testing.assert_allclose(m.bse.to_numpy(), se, rtol=1e-7)
    assert (m.iterations, m.converged) == (g["iter"], g["converged"])


def test_complete_separation_message_summary_and_reports() -> None:
    df = pd.DataFrame({"x": np.arange(1.0, 9.0)})
    df["y"] = (df.x > 3).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rglm.PerfectFitWarning)
        expected = r"complete separation detected: .*Intercept \(-Inf\), x \(\+Inf\)"
        with pytest.warns(SeparationWarning, match=expected):
            m = rglm.glm("y ~ x", df, family=rglm.Binomial())
    assert issubclass(SeparationWarning, RGLMWarning)
    sep = m.separation
    assert (sep.separated, sep.kind, sep.infinite) == (True, "complete", {"Intercept": -1, "x": 1})
    assert sep.separated_rows.all()
    s = m.summary()
    note = (
        "Separation: infinite estimates for Intercept (-Inf), x (+Inf) (complete separation); "
        "for finite estimates refit with method='brglm'"
    )
    lines = str(s).splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("Number of Fisher Scoring iterations"))
    assert lines[i + 1] == note
    # Everything R prints is unchanged: the note is one extra line after it.
    plain = str(dataclasses.replace(s, separation_note="")).splitlines()
    assert lines[: i + 1] + lines[i + 2 :] == plain
    assert f"- {note}" in s.to_markdown()
    assert "complete separation" in s.to_latex() and "Separation: infinite estimates" in s.to_html()


def test_two_by_two_zero_cell_counts_and_binary_rows_agree() -> None:
    counts = pd.DataFrame({"g": ["a", "b"], "s": [0, 7], "f": [10, 3]})
    rows = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 10, "y": [0.0] * 10 + [1.0] * 7 + [0.0] * 3})
    with pytest.warns(SeparationWarning):
        m1 = rglm.glm("cbind(s, f) ~ g", counts, family=rglm.Binomial())
    with pytest.warns(SeparationWarning):
        m2 = rglm.glm("y ~ g", rows, family=rglm.Binomial())
    for m in (m1, m2):
        assert m.separation.kind == "quasi-complete"
        assert m.separation.infinite == {"Intercept": -1, "g[T.b]": 1}
    # Only the level with no successes is pushed to 0; level b's rows fit 7/10.
    assert m2.separation.separated_rows.tolist() == [True] * 10 + [False] * 10
    # As proportions with the trials as weights: the same model.
    prop = counts.assign(p=counts.s / (counts.s + counts.f), n=counts.s + counts.f)
    with pytest.warns(SeparationWarning):
        m3 = rglm.glm("p ~ g", prop, family=rglm.Binomial(), weights="n")
    assert m3.separation.infinite == m1.separation.infinite


def test_only_one_coefficient_infinite() -> None:
    case = CASES["one_infinite"]
    m, caught = _fit(case)
    assert m.separation.infinite == {"z": 1}
    assert "the maximum likelihood estimates of z (+Inf) are infinite" in _separation_warnings(caught)[0]


@pytest.mark.parametrize(
    "family",
    [
        rglm.Binomial("logit"),
        rglm.Binomial("probit"),
        rglm.Binomial("cloglog"),
        rglm.Binomial("cauchit"),
        rglm.QuasiBinomial(),
    ],
)
def test_endometrial_nv_is_infinite_whatever_the_link(family: rglm.Family) -> None:
    m, caught = _fit(CASES["endometrial_logit"], family)
    assert m.separation.infinite == {"NV": 1}
    assert m.separation.kind == "quasi-complete"
    assert "NV (+Inf)" in _separation_warnings(caught)[0]
    assert "Separation: infinite estimates for NV (+Inf) (quasi-complete separation)" in str(m.summary())


def test_aliased_column_is_left_out() -> None:
    m, _ = _fit(CASES["endometrial_aliased"])
    assert m.aliased["NV2"] and m.separation.aliased.tolist() == [False, False, False, False, True]
    assert np.isnan(m.separation.to_series()["NV2"])
    # Without the fit's aliasing the dependent (later) column is found and left out too.
    X, y, w = _arrays(CASES["endometrial_aliased"])
    assert _signs(detect_separation(X, y, w)).tolist()[:4] == [0, 1, 0, 0]


def test_zero_weight_rows_are_ignored() -> None:
    x = np.r_[np.arange(1.0, 9.0), 10.0]
    X, y = np.column_stack([np.ones(9), x]), np.r_[(x[:8] > 3).astype(float), 0.0]
    assert detect_separation(X, y, np.r_[np.ones(8), 0.0]).kind == "complete"
    assert detect_separation(X, y, np.ones(9)).kind == "none"
    assert not detect_separation(X, y, np.r_[np.ones(8), 0.0]).separated_rows[8]


def test_fine_models_do_not_warn_nor_solve_the_lp() -> None:
    bud = rglm.datasets.load("budworm")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        m = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", bud, family=rglm.Binomial())
        s = m.summary()
    assert "separation" not in m.__dict__  # the symptom was absent, so no LP was solved
    assert not separation_suspected(m.fit, m.control.tol)
    assert "Separation" not in str(s) and "Separation" not in s.to_markdown()
    assert m.separation.kind == "none" and not m.separation.separated and m.separation.describe() == ""
    liz, caught = _fit(CASES["lizards"])
    assert not _separation_warnings(caught) and liz.separation.kind == "none"


def test_other_families_raise() -> None:
    m = rglm.glm("counts ~ C(outcome)", rglm.datasets.load("dobson"), family=rglm.Poisson())
    with pytest.raises(FamilyError, match="binomial"):
        _ = m.separation
    assert "Separation" not in str(m.summary())


def test_scale_and_two_column_response() -> None:
    x = np.array([1.0, 2, 3, 4, 5, 6])
    y = (x > 3).astype(float)
    for scale in (1e-6, 1.0, 1e6):
        res = detect_separation(np.column_stack([np.ones(6), scale * x]), y)
        assert res.kind == "complete" and res.directions.tolist() == [-1, 1]
    counts = np.column_stack([[0, 2, 5], [4, 3, 0]])
    res = detect_separation(np.column_stack([np.ones(3), [0.0, 1, 2]]), counts)
    assert res.kind == "quasi-complete" and res.directions.tolist() == [-1, 1]
    assert res.separated_rows.tolist() == [True, False, True]
    # All failures, intercept only: complete, the intercept is -Inf.
    assert detect_separation(np.ones((4, 1)), np.zeros(4)).directions.tolist() == [-1]
    # Overlapping data are never flagged.
    assert detect_separation(np.column_stack([np.ones(6), x]), [0, 1, 0, 1, 0, 1]).kind == "none"


def test_sign_of_an_either_way_coefficient_follows_the_fit() -> None:
    # Complete separation on x; z is unrelated, so its estimate may diverge either way.
    X = np.column_stack([np.ones(6), [1.0, 2, 3, 4, 5, 6], [1.0, -1, 1, 1, -1, 1]])
    y = np.array([0.0, 0, 0, 1, 1, 1])
    for hint in (1.0, -1.0):
        res = detect_separation(X, y, coef=[0.0, 1.0, hint])
        assert res.either_sign[2] and res.directions[2] == hint


def test_log_link_only_means_at_zero_are_infinite() -> None:
    # A log-binomial mean exp(eta) <= 1 cannot be pushed to 1: y = (x > 3) has a finite
    # log-binomial MLE (R's glm converges to it), but a group with no successes does not.
    x = np.arange(1.0, 9.0)
    X = np.column_stack([np.ones(8), x])
    assert detect_separation(X, (x > 3).astype(float), link="log").kind == "none"
    assert detect_separation(X, (x > 3).astype(float)).kind == "complete"
    counts = pd.DataFrame({"g": ["a", "b"], "s": [0, 7], "f": [10, 3]})
    with pytest.warns(SeparationWarning, match=r"Intercept \(-Inf\), g\[T.b\] \(\+Inf\)"):
        m = rglm.glm("cbind(s, f) ~ g", counts, family=rglm.Binomial(link="log"))
    assert m.separation.infinite == {"Intercept": -1, "g[T.b]": 1}
