#!/usr/bin/env python
"""Time rglm.polr and statsmodels' OrderedModel side by side on one proportional-odds problem.

Usage: ``python benchmarks/bench_polr.py [--quick] [--n N] [--repeats R] [--sm-repeats R]``.

The problem (issue: n = 1e6, K = 5 ordered classes, ten numeric predictors and a 10-level
factor) is generated once from a fixed seed; both packages then run in this one process on the
same DataFrame, each timed from the formula to the standard errors (rglm: ``polr(...)`` then
``.bse``; statsmodels: ``OrderedModel.from_formula(...).fit(method="bfgs")`` then ``.bse``, its
documented route).  The script prints each package's median time, the ratio rglm/statsmodels
(target <= 0.25) and how far apart the two fits' coefficients and standard errors are.
``--quick`` uses n = 100,000.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # benchmark the working tree's rglm

import rglm  # noqa: E402

SEED = 20261203
K = 5
N_NUM = 10
N_LEVELS = 10


def make_data(n: int) -> tuple[pd.DataFrame, str]:
    """The benchmark's data frame and formula: y (ordered, K levels) on x1..x10 and g."""
    rng = np.random.default_rng([SEED, n])
    x = rng.standard_normal((n, N_NUM))
    df = pd.DataFrame(x, columns=[f"x{i + 1}" for i in range(N_NUM)])
    codes = rng.integers(0, N_LEVELS, n)
    df["g"] = pd.Categorical(np.array([f"g{j:02d}" for j in range(N_LEVELS)])[codes])
    eta = x @ rng.uniform(-0.4, 0.4, N_NUM) + rng.normal(0.0, 0.4, N_LEVELS)[codes]
    cuts = np.quantile(eta + rng.logistic(size=n), np.linspace(0, 1, K + 1)[1:-1])
    y = np.digitize(eta + rng.logistic(size=n), cuts)
    df["y"] = pd.Categorical.from_codes(y, [f"c{k}" for k in range(K)], ordered=True)
    formula = "y ~ " + " + ".join(df.columns[:N_NUM]) + " + C(g)"
    return df, formula


def run_rglm(df: pd.DataFrame, formula: str) -> tuple[float, pd.Series, pd.Series, int]:
    t0 = time.perf_counter()
    m = rglm.polr(formula, df)
    bse = m.bse
    elapsed = time.perf_counter() - t0
    return elapsed, m.params, bse.loc[m.params.index], m.iterations


def run_statsmodels(df: pd.DataFrame, formula: str) -> tuple[float, pd.Series, pd.Series, int]:
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = OrderedModel.from_formula(formula, df, distr="logit").fit(
            method="bfgs", maxiter=2000, disp=False
        )
        bse = res.bse
    elapsed = time.perf_counter() - t0
    names = [c for c in res.params.index if "/" not in c]  # thresholds are named "c0/c1"
    retvals = getattr(res, "mle_retvals", {}) or {}
    its = int(retvals.get("iterations", retvals.get("fcalls", -1)))
    return elapsed, res.params[names], bse[names], its


def timed(fn: Any, repeats: int, df: pd.DataFrame, formula: str) -> tuple[list[float], Any]:
    times, last = [], None
    for _ in range(repeats):
        gc.collect()
        last = fn(df, formula)
        times.append(last[0])
    return times, last


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n = 100,000 instead of 1,000,000")
    ap.add_argument("--n", type=int, help="rows (overrides --quick)")
    ap.add_argument("--repeats", type=int, default=3, help="rglm runs (median reported)")
    ap.add_argument("--sm-repeats", type=int, default=1, help="statsmodels runs (slow: default 1)")
    ap.add_argument("--no-statsmodels", action="store_true", help="time rglm alone")
    args = ap.parse_args(argv)
    n = args.n or (100_000 if args.quick else 1_000_000)
    df, formula = make_data(n)
    print(f"polr benchmark: n = {n:,}, K = {K}, {N_NUM} numerics + a {N_LEVELS}-level factor")
    print(f"formula: {formula}")
    versions = f"numpy {np.__version__}, pandas {pd.__version__}, rglm {rglm.__version__}"
    print(f"python {platform.python_version()}, {versions}")
    rt, (_, rp, rse, rit) = timed(run_rglm, args.repeats, df, formula)
    r_med = statistics.median(rt)
    runs = ", ".join(f"{t:.2f}" for t in rt)
    print(f"rglm.polr          median {r_med:8.2f} s  runs {runs}  ({rit} Newton steps)", flush=True)
    if args.no_statsmodels:
        return 0
    st, (_, sp, sse, sit) = timed(run_statsmodels, args.sm_repeats, df, formula)
    s_med = statistics.median(st)
    runs = ", ".join(f"{t:.2f}" for t in st)
    print(f"statsmodels        median {s_med:8.2f} s  runs {runs}  ({sit} BFGS function calls)", flush=True)
    dp = float(np.max(np.abs(rp.to_numpy() - sp.loc[rp.index].to_numpy()) / rse.to_numpy()))
    dse = float(np.max(np.abs(rse.to_numpy() / sse.loc[rse.index].to_numpy() - 1)))
    print(f"ratio rglm / statsmodels = {r_med / s_med:.3f}  (target <= 0.25)")
    print(f"max |params difference| = {dp:.1e} SE; max relative SE difference = {dse:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
