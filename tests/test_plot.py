"""rglm.output.plot: R's lowess reproduced, and the figures checked for what they draw."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rcases import fit_spec

import rglm
from rglm.output.plot import lowess

R_LOWESS = json.loads((Path(__file__).parent / "data" / "r_lowess.json").read_text())


def _scalar(v: object, default: float) -> float:
    if v is None:
        return default
    return float(v[0] if isinstance(v, list) else v)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(R_LOWESS))
def test_lowess_matches_r(name: str) -> None:
    case = R_LOWESS[name]
    fx, fy = lowess(
        np.array(case["x"], float),
        np.array(case["y"], float),
        frac=_scalar(case.get("f"), 2 / 3),
        iterations=int(_scalar(case.get("iter"), 3)),
    )
    np.testing.assert_array_equal(fx, case["fx"])
    np.testing.assert_allclose(fy, case["fy"], rtol=1e-10, atol=1e-12 * np.max(np.abs(case["fy"])))


def test_lowess_tiny_inputs() -> None:
    fx, fy = lowess(np.array([1.0]), np.array([2.0]))
    assert fx.tolist() == [1.0] and fy.tolist() == [2.0]
    # A straight line is reproduced exactly by local linear fits.
    x = np.linspace(0, 1, 50)
    np.testing.assert_allclose(lowess(x, 3 * x + 1)[1], 3 * x + 1, rtol=1e-12)


# -- figures: what is drawn, checked against R's diagnostics ------------------------------------------
mpl = pytest.importorskip("matplotlib")  # the test extra installs it; this guards only bare installs
mpl.use("Agg")


INFL = Path(__file__).parent / "data" / "r_influence"


def _fit_case(stem: str) -> tuple[rglm.GLMResult, dict]:
    case = json.loads((INFL / "cases" / f"{stem}.json").read_text())
    py = case["python"]
    data = (
        pd.read_csv(INFL / py["data"])
        if (INFL / py["data"]).exists()
        else pd.read_csv(INFL.parent / "r_cases" / py["data"])
    )
    return fit_spec(py, data), case["r"]


def _points(ax: object) -> np.ndarray:
    return np.asarray(ax.collections[0].get_offsets())  # type: ignore[attr-defined]


@pytest.mark.parametrize("stem", ["budworm_cbind", "trees_gamma_log", "insurance_poisson_offset"])
def test_diagnostics_draws_r_panels(stem: str) -> None:
    import matplotlib.pyplot as plt

    m, r = _fit_case(stem)
    fig = m.plot()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == [
        "Residuals vs Fitted",
        "Q-Q Residuals",
        "Scale-Location",
        "Residuals vs Leverage",
    ]
    assert [ax.get_xlabel() for ax in axes] == [
        "Predicted values",
        "Theoretical Quantiles",
        "Predicted values",
        "Leverage",
    ]
    n = m.nobs
    resid = np.array(r["dev_res"], dtype=float)
    # Panel 1: deviance residuals (R's) against the linear predictor, one point per row.
    p1 = _points(axes[0])
    assert p1.shape == (n, 2)
    np.testing.assert_allclose(p1[:, 0], m.linear_predictors.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(p1[:, 1], resid, rtol=1e-6, atol=1e-12)
    # Panel 2: sorted standardized deviance residuals = R's rstandard, sorted.
    q = _points(axes[1])
    np.testing.assert_allclose(q[:, 1], np.sort(np.array(r["rstandard"], dtype=float)), rtol=1e-6)
    assert np.all(np.diff(q[:, 0]) > 0)
    # Panel 3: sqrt(|rstandard|).
    np.testing.assert_allclose(
        np.sort(_points(axes[2])[:, 1]),
        np.sort(np.sqrt(np.abs(np.array(r["rstandard"], dtype=float)))),
        rtol=1e-6,
    )
    # Panel 5: R's hat values on x, standardized Pearson residuals on y, and 2 Cook contours x 2 signs.
    p5 = _points(axes[3])
    np.testing.assert_allclose(p5[:, 0], np.array(r["hatvalues"], dtype=float), rtol=1e-6)
    np.testing.assert_allclose(p5[:, 1], np.array(r["rstandard_pearson"], dtype=float), rtol=1e-6)
    assert sum(1 for line in axes[3].lines if line.get_linestyle() == "--") == 4
    # Panel 1 has a lowess line through all rows.
    assert len(axes[0].lines[0].get_xdata()) == n
    plt.close(fig)


def test_diagnostics_which_and_labels() -> None:
    import matplotlib.pyplot as plt

    m, _ = _fit_case("dobson_poisson")
    fig = m.plot(which=[4, 6], id_n=2)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["Cook's distance", "Cook's dist vs Leverage"]
    assert len(axes[0].texts) == 2 and len(axes[1].texts) == 2
    plt.close(fig)
    with pytest.raises(rglm.ArgumentError, match="panel numbers from 1 to 6"):
        m.plot(which=[7])


def test_effects_numeric_and_factor() -> None:
    import matplotlib.pyplot as plt
    from scipy import stats

    df = rglm.datasets.load("budworm")
    m = rglm.glm("cbind(numdead, numalive) ~ sex + ldose", df, family=rglm.Binomial())
    fig = rglm.output.plot.effects(m, "ldose", n=50, level=0.9)
    ax = fig.axes[0]
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert len(x) == 50 and x[0] == df["ldose"].min() and x[-1] == df["ldose"].max()
    # Other variables at typical values: sex at its most common level (a tie: the first, "F").
    new = pd.DataFrame({"sex": ["F"] * 50, "ldose": x})
    pred = m.predict(new, type="link", se_fit=True)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-pred["fit"])), rtol=1e-12)
    band = ax.collections[0].get_paths()[0].vertices
    z = stats.norm.ppf(0.95)
    lo = 1 / (1 + np.exp(-(pred["fit"] - z * pred["se_fit"])))
    assert np.isclose(band[:, 1].min(), lo.min(), rtol=1e-10)
    plt.close(fig)
    fig = rglm.output.plot.effects(m, "sex", at={"ldose": 3.0})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["F", "M"]
    plt.close(fig)
    with pytest.raises(rglm.ArgumentError, match="not a variable of the model"):
        rglm.output.plot.effects(m, "dose")
