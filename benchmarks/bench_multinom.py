#!/usr/bin/env python
"""Time rglm.multinom, statsmodels' MNLogit and scikit-learn's LogisticRegression side by side.

Usage: ``python benchmarks/bench_multinom.py [--quick] [--n N] [--repeats 3]``.

One DataFrame is generated once from a fixed seed: ``n`` rows (1e6; 1e5 with ``--quick``), a
response with K = 5 categories, ten numeric predictors and a 10-level factor.  Each package
runs in this one process, interleaved (rglm, statsmodels, scikit-learn, rglm, ...), and each run
times formula -> fit -> standard errors:

* rglm: ``rglm.multinom("y ~ x1 + ... + x10 + g", df).bse``;
* statsmodels: ``MNLogit.from_formula(...).fit(method="newton")`` and ``.bse``;
* scikit-learn: the design by ``pandas.get_dummies`` (its formula step), then
  ``LogisticRegression(penalty=None, solver="lbfgs")``, which gives no standard errors.

The median of the repeats is reported with the ratios rglm / other (targets: <= 0.25 against
MNLogit, <= 0.5 against scikit-learn) and the largest difference of the log-likelihoods.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # benchmark the working tree's rglm

import rglm  # noqa: E402

SEED = 20261203
K, N_NUM, N_LEVELS = 5, 10, 10
FORMULA = "y ~ " + " + ".join([f"x{i + 1}" for i in range(N_NUM)] + ["g"])


def make_data(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(n, N_NUM))
    g = rng.integers(0, N_LEVELS, size=n)
    B = rng.normal(scale=0.3, size=(K - 1, N_NUM))
    G = rng.normal(scale=0.4, size=(K - 1, N_LEVELS))
    eta = np.column_stack([np.zeros(n), X @ B.T + G[:, g].T])
    p = np.exp(eta - eta.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = (rng.random(n)[:, None] > p.cumsum(axis=1)).sum(axis=1)
    df = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(N_NUM)])
    df["g"] = np.array([f"g{j:02d}" for j in range(N_LEVELS)])[g]
    df["y"] = np.array(list("abcde"))[np.minimum(y, K - 1)]
    return df


def run_rglm(df: pd.DataFrame) -> float:
    m = rglm.multinom(FORMULA, df)
    m.bse  # noqa: B018 - the standard errors are part of what is timed
    return float(m.llf)


def run_statsmodels(df: pd.DataFrame) -> float:
    from statsmodels.discrete.discrete_model import MNLogit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # MNLogit's formula needs a numeric response: the category codes
        coded = df.assign(y=pd.Categorical(df["y"]).codes)
        res = MNLogit.from_formula(FORMULA, coded).fit(method="newton", maxiter=100, disp=0)
        res.bse  # noqa: B018
    return float(res.llf)


def run_sklearn(df: pd.DataFrame) -> float:
    from sklearn.linear_model import LogisticRegression

    X = pd.get_dummies(df.drop(columns="y"), columns=["g"], drop_first=True, dtype=float).to_numpy()
    y = df["y"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = LogisticRegression(penalty=None, solver="lbfgs", max_iter=1000).fit(X, y)
    # sklearn's symmetric parametrisation has the same maximised likelihood
    prob = clf.predict_proba(X)
    codes = pd.Categorical(y, categories=clf.classes_).codes
    return float(np.log(prob[np.arange(len(y)), codes]).sum())


RUNNERS: dict[str, Callable[[pd.DataFrame], float]] = {
    "rglm": run_rglm,
    "statsmodels": run_statsmodels,
    "sklearn": run_sklearn,
}


def available(name: str) -> bool:
    try:
        __import__({"statsmodels": "statsmodels", "sklearn": "sklearn"}.get(name, "rglm"))
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="n = 1e5 and one repeat (a smoke run)")
    ap.add_argument("--n", type=int, help="rows (default 1e6, or 1e5 with --quick)")
    ap.add_argument("--repeats", type=int, help="runs per package (default 3, or 1 with --quick)")
    args = ap.parse_args(argv)
    n = args.n or (100_000 if args.quick else 1_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    df = make_data(n)
    names = [k for k in RUNNERS if available(k)]
    times: dict[str, list[float]] = {k: [] for k in names}
    llf: dict[str, float] = {}
    for _ in range(repeats):
        for name in names:
            t0 = time.perf_counter()
            llf[name] = RUNNERS[name](df)
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"multinom: n = {n:,}, K = {K}, {N_NUM} numerics + a {N_LEVELS}-level factor, {repeats} repeat(s)")
    print(f"{'package':<12} {'seconds':>9} {'rglm / it':>10} {'logLik':>16}")
    for name in names:
        ratio = med["rglm"] / med[name]
        print(f"{name:<12} {med[name]:9.2f} {ratio:10.3f} {llf[name]:16.4f}")
    spread = max(llf.values()) - min(llf.values())
    print(f"largest logLik difference between packages: {spread:.3g}")
    targets: dict[str, Any] = {"statsmodels": 0.25, "sklearn": 0.5}
    for name, target in targets.items():
        if name in med:
            ok = med["rglm"] / med[name] <= target
            print(f"target rglm / {name} <= {target}: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
