"""rglm.emmeans, contrast, pairs and emtrends against R's emmeans 1.8.4.

The cases under tests/data/emmeans are R's figures: ``shared/`` the project's reference cases
(warpbreaks, budworm, quine with glm.nb, ships with an offset and a sandwich covariance), and
``cases/`` those made by tests/r/make_emmeans_cases.R (gaussian with a coerced factor and a 0/1
covariate, Gamma with an inverse link and emtrends through log(u), quasi-Poisson with prior
weights and every averaging scheme, inverse Gaussian, an aliased fit with nonEst cells, probit
and quasi-binomial, an offset argument, negative binomial with a fixed theta, a logical
predictor with an offset of two values, cloglog, a gaussian log link, regrid(), confint()
with adjusted critical values).  Each call's ``to_frame()`` is matched to R's summary row by
row and ``str()`` to R's printout.

Tolerances: 1e-6 relative for estimates, standard errors, limits and statistics (against
``max(|R|, 1e-3 * max |R|)`` in the column, so that zeros compare); p-values 1e-6 relative or
1e-10 absolute, 1e-5 relative where R used ptukey (tukey, dunnettx: scipy's studentized range
differs from R's ptukey in the 7th digit), and 2e-3 absolute for emmeans' Monte Carlo ``mvt``
(R's own run-to-run accuracy); the glm.nb case records its own p-value tolerance.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rglm
from rglm.inference.adjust import adjusted_p, normalize_adjust, p_adjust
from rglm.inference.contrasts import poly
from rglm.inference.emmeans import parse_specs

DATA = Path(__file__).parent / "data" / "emmeans"
CASES = sorted((DATA / "shared" / "cases").glob("*.json")) + sorted((DATA / "cases").glob("*.json"))
EMM_COLS = ["estimate", "std_error", "df", "conf_low", "conf_high"]
CON_COLS = ["estimate", "std_error", "df", "statistic", "p_value"]


def rnum(x: Any) -> float:
    if x is None:
        return math.nan
    if isinstance(x, str):
        return {"NA": math.nan, "NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}.get(x, math.nan)
    return float(x)


def key(v: Any) -> str:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return format(float(v), ".10g")
    return " ".join(str(v).split())


def fit(case: dict[str, Any], path: Path) -> Any:
    mdl = case["model"]
    data = pd.read_csv(path.parent / mdl["data"])
    kwargs = dict(mdl.get("family_args") or {})
    if mdl.get("link"):
        kwargs["link"] = mdl["link"]
    fit_kw: dict[str, Any] = {"family": getattr(rglm, mdl["family"])(**kwargs)}
    for arg in ("weights", "offset"):
        if mdl.get(arg):
            fit_kw[arg] = mdl[arg]
    return rglm.glm(mdl["formula"], data, **fit_kw)


def call(m: Any, c: dict[str, Any], objs: dict[str, Any]) -> Any:
    kw = dict(c["args"])
    if kw.get("at") is not None:
        kw["at"] = {k: (v if isinstance(v, list) else [v]) for k, v in kw["at"].items()}
    if isinstance(kw.get("vcov"), dict):
        kw["vcov"] = m.robust(kw["vcov"]["robust"]).cov_params()
    if c["fn"] == "emmeans":
        return rglm.emmeans(m, kw.pop("specs"), **kw)
    if c["fn"] == "emtrends":
        return rglm.emtrends(m, kw.pop("specs"), kw.pop("var"), **kw)
    if c["fn"] == "confint":
        return objs[c["of"]].confint(**kw)
    if c["fn"] == "regrid":
        return rglm.regrid(objs[c["of"]])
    if c["fn"] == "contrast":
        return rglm.contrast(objs[c["of"]], kw.pop("method"), **kw)
    return rglm.pairs(objs[c["of"]], **kw)


def p_tolerance(case: dict[str, Any], c: dict[str, Any]) -> tuple[float, float]:
    adjust = c.get("r_adjust") or "none"
    if adjust == "mvt":
        return 0.0, 2e-3
    rtol = 1e-5 if adjust in ("tukey", "dunnettx") else 1e-6
    return max(rtol, float(case.get("tolerances", {}).get("p_value", 0) or 0)), 1e-10


def compare_frame(frame: pd.DataFrame, case: dict[str, Any], c: dict[str, Any]) -> list[str]:
    keys = list(c["keys"])
    cols = CON_COLS if c["fn"] in ("contrast", "pairs") else EMM_COLS
    if c["fn"] == "confint":
        cols = ["estimate", "std_error", "df", "conf_low", "conf_high"]
    rows = c["rows"]
    assert list(frame.columns) == keys + cols, f"{c['id']}: columns {list(frame.columns)}"
    assert len(frame) == len(rows), f"{c['id']}: {len(frame)} rows, R has {len(rows)}"
    where = {tuple(key(frame[k].iloc[i]) for k in keys): i for i in range(len(frame))}
    problems = []
    for col in cols:
        want = np.array([rnum(r.get(col)) for r in rows])
        idx = [where.get(tuple(key(r[k]) for k in keys)) for r in rows]
        assert None not in idx, (
            f"{c['id']}: R's rows {[r for r, i in zip(rows, idx, strict=True) if i is None][:2]} not found"
        )
        got = frame[col].to_numpy(dtype=float)[idx]
        if col == "p_value":
            rtol, atol, floor = *p_tolerance(case, c), 0.0
        else:
            rtol, atol = 1e-6, 0.0
            fin = np.abs(want[np.isfinite(want)])
            floor = 1e-3 * fin.max() if col != "df" and fin.size else 0.0
        for g, w, r in zip(got, want, rows, strict=True):
            if math.isnan(w):
                if col != "df" and not math.isnan(g):
                    problems.append(f"{c['id']} {col} {r}: got {g}, R NA")
            elif math.isinf(w) or math.isinf(g):
                if g != w:
                    problems.append(f"{c['id']} {col}: got {g}, R {w}")
            elif not abs(g - w) <= rtol * max(abs(w), floor) + atol:
                problems.append(f"{c['id']} {col} {r}: got {g!r}, R {w!r}")
    return problems


NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$", re.I)


def tokens_agree(g: str, w: str) -> bool:
    """Equal text, or numbers within one unit of R's last printed digit (ties)."""
    if g == w:
        return True
    if not (NUM.match(g) and NUM.match(w)):
        return False
    mant = w.lower().split("e")[0]
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    exp = int(w.lower().split("e")[1]) if "e" in w.lower() else 0
    return len(g) == len(w) and abs(float(g) - float(w)) <= 1.000001 * 10.0 ** (exp - decimals)


def compare_printed(got: str, want: str, mvt: bool) -> list[str]:
    gl = [" ".join(x.split()) for x in got.splitlines() if x.strip()]
    wl = [" ".join(x.split()) for x in want.splitlines() if x.strip()]
    if len(gl) != len(wl):
        return [f"{len(gl)} lines, R {len(wl)}:\n{got}\nvs\n{want}"]
    out = []
    for g, w in zip(gl, wl, strict=True):
        gt, wt = g.split(), w.split()
        if len(gt) != len(wt) or not all(tokens_agree(a, b) or mvt for a, b in zip(gt, wt, strict=True)):
            out.append(f"{g!r} vs R {w!r}")
    return out


@functools.cache
def run_case(path: Path) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """The case, its model and the result of each of its calls (made once per session)."""
    case = json.loads(path.read_text())
    m = fit(case, path)
    objs: dict[str, Any] = {}
    for c in case["calls"]:
        objs[c["id"]] = call(m, c, objs)
    return case, m, objs


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_against_r(path: Path) -> None:
    case, m, objs = run_case(path)
    assert len(m.params) == len(case["model"]["coef"])
    problems: list[str] = []
    for c in case["calls"]:
        obj = objs[c["id"]]
        problems += compare_frame(obj.to_frame(), case, c)
        if c.get("printed"):
            problems += compare_printed(str(obj), c["printed"], c.get("r_adjust") == "mvt")
    assert not problems, "\n".join(problems[:8])


# --------------------------------------------------------------------------- pieces against R
def test_p_adjust_matches_r() -> None:
    p = [0.01, 0.04, 0.03, 0.2, math.nan, 0.005]
    r = {  # R: p.adjust(c(0.01, 0.04, 0.03, 0.2, NA, 0.005), method)
        "holm": [0.04, 0.09, 0.09, 0.2, math.nan, 0.025],
        "hochberg": [0.04, 0.08, 0.08, 0.2, math.nan, 0.025],
        "hommel": [0.04, 0.08, 0.06, 0.2, math.nan, 0.025],
        "bonferroni": [0.05, 0.2, 0.15, 1.0, math.nan, 0.025],
        "BH": [0.025, 0.05, 0.05, 0.2, math.nan, 0.025],
        "fdr": [0.025, 0.05, 0.05, 0.2, math.nan, 0.025],
        "BY": [
            0.057083333333333333,
            0.11416666666666667,
            0.11416666666666665,
            0.45666666666666667,
            math.nan,
            0.057083333333333333,
        ],
        "none": p,
    }
    for method, want in r.items():
        np.testing.assert_allclose(p_adjust(p, method), want, rtol=1e-12, equal_nan=True, err_msg=method)


def test_dunnettx_quantile_matches_r() -> None:
    # R: emmeans:::.qdunnx(0.95, 4, Inf), .qdunnx(0.95, 2, 12), .qdunnx(0.9, 6, 30) (uniroot, tol 5e-4)
    from rglm.inference.adjust import critical_value

    for level, k, df, want in [
        (0.95, 4, math.inf, 2.45303505298911),
        (0.95, 2, 12.0, 2.52241494347886),
        (0.9, 6, 30.0, 2.41839975421356),
    ]:
        got = critical_value(level, df, "dunnettx", fam_size=k + 1, n_contr=k)
        assert got == pytest.approx(want, rel=1e-8)


def test_dunnettx_and_tukey_match_r() -> None:
    # R: 1 - emmeans:::.pdunnx(2.1, 4, Inf); 1 - .pdunnx(2.1, 3, 12); ptukey(3.2, 4, 20, lower = FALSE)
    t4 = np.array([2.1, 0.0, -1.0, 0.5])
    got = adjusted_p(t4, np.full(4, np.inf), "dunnettx", fam_size=5)
    assert got[0] == pytest.approx(1 - 0.8816608176469638, rel=1e-6)
    t3 = np.array([2.1, 0.3, 0.2])
    assert adjusted_p(t3, np.full(3, 12.0), "dunnettx", fam_size=4)[0] == pytest.approx(
        1 - 0.85801145924225053, rel=1e-6
    )
    q = 3.2 / math.sqrt(2)
    assert adjusted_p(np.array([q, 0.1]), np.full(2, 20.0), "tukey", fam_size=4)[0] == pytest.approx(
        0.14075573502846539, rel=1e-6
    )


@pytest.mark.parametrize(
    ("k", "want"),
    [  # R: emmeans:::poly.emmc(1:k)
        (3, [[-1, 0, 1], [1, -2, 1]]),
        (4, [[-3, -1, 1, 3], [1, -1, -1, 1], [-1, 3, -3, 1]]),
        (5, [[-2, -1, 0, 1, 2], [2, -1, -2, -1, 2], [-1, 2, 0, -2, 1], [1, -4, 6, -4, 1]]),
        (
            6,
            [
                [-5, -3, -1, 1, 3, 5],
                [5, -1, -4, -4, -1, 5],
                [-5, 7, 4, -4, -7, 5],
                [1, -3, 2, 2, -3, 1],
                [-1, 5, -10, 10, -5, 1],
            ],
        ),
    ],
)
def test_poly_contrasts_match_r(k: int, want: list[list[int]]) -> None:
    assert poly([str(i) for i in range(k)]).coef == want


def test_mvt_is_deterministic() -> None:
    corr = np.array([[1.0, -0.5], [-0.5, 1.0]])
    t = np.array([2.2, -1.1])
    a = adjusted_p(t, np.full(2, np.inf), "mvt", fam_size=3, corr=corr)
    b = adjusted_p(t, np.full(2, np.inf), "mvt", fam_size=3, corr=corr)
    assert np.array_equal(a, b)
    # Bounded by the unadjusted and the Bonferroni p-values.
    p = 2 * (1 - __import__("scipy").stats.norm.cdf(np.abs(t)))
    assert np.all(a >= p) and np.all(a <= np.minimum(1, 2 * p))


# --------------------------------------------------------------------------- behaviour and errors
@pytest.fixture(scope="module")
def warp() -> Any:
    return rglm.glm("breaks ~ wool * tension", rglm.datasets.load("warpbreaks"), family=rglm.Poisson())


def test_specs_forms() -> None:
    assert parse_specs("g", None) == (["g"], [])
    assert parse_specs(["a", "b"], "c") == (["a", "b"], ["c"])
    assert parse_specs(["a", "b"], "b") == (["a"], ["b"])
    assert parse_specs("~ a * b", None) == (["a", "b"], [])
    assert parse_specs("~ a | b", ["c"]) == (["a"], ["b", "c"])
    with pytest.raises(rglm.ArgumentError, match="contrast on the left"):
        parse_specs("pairwise ~ a", None)


def test_errors_name_the_problem(warp: Any) -> None:
    with pytest.raises(rglm.ArgumentError, match="no variable named 'nope'"):
        rglm.emmeans(warp, "nope")
    with pytest.raises(rglm.ArgumentError, match="weights must be one of"):
        rglm.emmeans(warp, "wool", weights="heavy")
    with pytest.raises(rglm.ArgumentError, match="type must be"):
        rglm.emmeans(warp, "wool", type="prob")
    with pytest.raises(rglm.ArgumentError, match="unknown contrast method"):
        rglm.contrast(rglm.emmeans(warp, "wool"), "sideways")
    with pytest.raises(rglm.ArgumentError, match="ref 'Q' is not one of"):
        rglm.contrast(rglm.emmeans(warp, "tension"), "trt.vs.ctrl", ref="Q")
    with pytest.raises(rglm.ArgumentError, match="not recognized"):
        rglm.pairs(rglm.emmeans(warp, "tension"), adjust="magic").to_frame()
    with pytest.raises(rglm.ArgumentError, match="result of rglm.emmeans"):
        rglm.contrast(warp, "pairwise")
    with pytest.raises(rglm.ArgumentError, match="vcov must be"):
        rglm.emmeans(warp, "wool", vcov=np.eye(2))
    assert normalize_adjust("bh") == "BH" and normalize_adjust("bonf") == "bonferroni"


def test_tukey_on_non_pairs_becomes_sidak(warp: Any) -> None:
    con = rglm.contrast(rglm.emmeans(warp, "~ tension | wool"), "trt.vs.ctrl", adjust="tukey")
    assert con.adjust == "sidak"
    assert "P value adjustment: sidak method for 2 tests" in con.messages


def test_user_vcov_equals_model_vcov(warp: Any) -> None:
    a = rglm.emmeans(warp, "~ tension").to_frame()
    b = rglm.emmeans(warp, "~ tension", vcov=warp.cov_params()).to_frame()
    c = rglm.emmeans(warp, "~ tension", vcov=warp.cov_params().to_numpy()).to_frame()
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_exports_share_the_table(warp: Any) -> None:
    pairs = rglm.pairs(rglm.emmeans(warp, "tension", by="wool", type="response"))
    md, tex, html = pairs.to_markdown(), pairs.to_latex(), pairs.to_html()
    for text in (md, tex, html):
        assert "0.551" in text and "1.856" in text  # R's printed ratios (shared case)
    assert "wool = A:" in md and "| contrast" in md
    assert "\\toprule" in tex and "<table>" in html
    assert "tukey method for comparing a family of 3 estimates" in md


def test_no_data_is_a_clear_error(warp: Any) -> None:
    with pytest.raises(rglm.DataError, match="needs the model's data"):
        rglm.emmeans(warp.without_data(), "wool")


def test_interaction_note_as_r_gives_it() -> None:
    """R's "NOTE: Results may be misleading due to involvement in interactions" message."""
    seen = 0
    for path in sorted((DATA / "shared" / "cases").glob("*.json")):
        case, _, objs = run_case(path)
        for c in case["calls"]:
            obj = objs[c["id"]]
            if c["fn"] in ("emmeans", "emtrends"):
                want = [x for x in c["r_messages"] if x.startswith("NOTE: Results may be misleading")]
                assert obj.notes == want, c["id"]
                seen += bool(want)
    assert seen == 3


def test_wide_tables_wrap_as_r_prints_them() -> None:
    long1, long2 = (
        "a_very_long_level_name_number_one_xxxxxxxxxxxx",
        "another_quite_long_level_name_two_yyyyyyyyyyyy",
    )
    d = pd.DataFrame({"y": np.arange(40) % 7 + 1, "g": [long1, long2] * 20})
    fit = rglm.glm("y ~ g", d, family=rglm.Poisson())
    r_printed = f"""\
 g                                              rate    SE  df asymp.LCL
 {long1} 3.90 0.442 Inf      3.12
 {long2} 3.85 0.439 Inf      3.08
 asymp.UCL
      4.87
      4.81

Confidence level used: 0.95
Intervals are back-transformed from the log scale
"""  # R: print(emmeans(glm(y ~ g, family = poisson, data = d), ~ g, type = "response"))
    assert not compare_printed(str(rglm.emmeans(fit, "~ g", type="response")), r_printed, mvt=False)


def test_intercept_only_model_has_one_overall_mean() -> None:
    mt = rglm.datasets.load("mtcars")
    row = rglm.emmeans(rglm.glm("mpg ~ 1", mt), "~ 1").to_frame().iloc[0]
    y = mt["mpg"].to_numpy()
    assert row["1"] == "overall" and row["df"] == len(y) - 1
    assert row["estimate"] == pytest.approx(y.mean(), rel=1e-12)
    assert row["std_error"] == pytest.approx(y.std(ddof=1) / np.sqrt(len(y)), rel=1e-10)
