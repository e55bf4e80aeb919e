"""Benchmark: rglm.glmnet against R's glmnet (via Rscript) and glum, side by side.

1. A Poisson lasso path (100 lambdas) on n = 500,000 rows, 40 numeric columns and a 100-level
   factor: rglm's path, R's ``glmnet`` on ``model.matrix`` of the same data (timed inside R,
   reading the CSV excluded), and glum's path over the same lambda sequence
   (``GeneralizedLinearRegressor(alpha_search=True, alphas=...)``).
2. A single ridge fit (``alpha=0``, one lambda) against glum.

Ratios are rglm's time over the other's (below 1: rglm is faster).  R and glum are optional:
without ``Rscript`` or ``import glum`` their columns are left out.

Run: ``python benchmarks/bench_glmnet.py [--quick] [--n N] [--repeat K]``
(``--quick``: 50,000 rows, one repeat).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rglm  # noqa: E402

N_NUM, N_LEVELS = 40, 100


def make_data(n: int, seed: int = 20261203) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, N_NUM))
    f = rng.integers(0, N_LEVELS, n)
    beta = np.zeros(N_NUM)
    beta[:8] = [0.3, -0.2, 0.15, 0.1, -0.1, 0.05, 0.05, -0.05]
    level_eff = rng.normal(0, 0.2, N_LEVELS) * (np.arange(N_LEVELS) < 20)
    mu = np.exp(0.2 + X @ beta + level_eff[f])
    data = pd.DataFrame(X, columns=[f"x{j + 1}" for j in range(N_NUM)])
    data["f"] = pd.Categorical([f"L{k:03d}" for k in f], categories=[f"L{k:03d}" for k in range(N_LEVELS)])
    data["y"] = rng.poisson(mu).astype(float)
    return data


FORMULA = "y ~ " + " + ".join(f"x{j + 1}" for j in range(N_NUM)) + " + f"

R_SCRIPT = r"""
suppressMessages(library(glmnet))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = TRUE)
t0 <- proc.time()[[3]]
x <- model.matrix(as.formula(args[2]), d)[, -1]
t_mm <- proc.time()[[3]] - t0
reps <- as.integer(args[3]); times <- numeric(reps)
for (r in seq_len(reps)) { t0 <- proc.time()[[3]]; fit <- glmnet(x, d$y, family = "poisson"); times[r] <- proc.time()[[3]] - t0 }
cat(sprintf("R_PATH %.4f %d %.4f\n", min(times), length(fit$lambda), t_mm))
writeLines(format(fit$lambda, digits = 17), args[4])
"""


def time_it(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_r(data: pd.DataFrame, repeat: int) -> tuple[float, np.ndarray] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script, lam = Path(tmp, "d.csv"), Path(tmp, "b.R"), Path(tmp, "lam.txt")
        data.to_csv(csv, index=False)
        script.write_text(R_SCRIPT)
        res = subprocess.run(
            ["Rscript", str(script), str(csv), FORMULA, str(repeat), str(lam)],
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((ln for ln in res.stdout.splitlines() if ln.startswith("R_PATH")), None)
        if line is None:
            print("R failed:", res.stderr[-500:])
            return None
        return float(line.split()[1]), np.array([float(v) for v in lam.read_text().split()])


def glum_path(data: pd.DataFrame, lambdas: np.ndarray):  # noqa: ANN201
    try:
        from glum import GeneralizedLinearRegressor  # optional comparison
    except ImportError:
        return None
    X = pd.get_dummies(data.drop(columns="y"), columns=["f"], drop_first=True, dtype=float)
    y = data["y"].to_numpy()

    def fit() -> object:
        m = GeneralizedLinearRegressor(
            family="poisson",
            alpha_search=True,
            alphas=lambdas,
            l1_ratio=1.0,
            scale_predictors=True,
            gradient_tol=1e-7,
        )
        return m.fit(X, y)

    def ridge(lam: float) -> object:
        m = GeneralizedLinearRegressor(family="poisson", alpha=lam, l1_ratio=0.0, scale_predictors=True)
        return m.fit(X, y)

    return fit, ridge


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--no-r", action="store_true")
    a = ap.parse_args()
    n = a.n or (50_000 if a.quick else 500_000)
    repeat = a.repeat or (1 if a.quick else 2)
    data = make_data(n)
    print(
        f"n = {n:,}, {N_NUM} numerics + a {N_LEVELS}-level factor; best of {repeat}; "
        f"threads: {os.environ.get('OMP_NUM_THREADS', 'default')}"
    )

    t_rglm, path = time_it(lambda: rglm.glmnet(FORMULA, data, family=rglm.Poisson()), repeat)
    lam = path.lambda_
    print(f"rglm.glmnet  Poisson lasso path ({lam.size} lambdas): {t_rglm:8.2f} s")
    rows = [("rglm", t_rglm)]
    r = None if a.no_r else run_r(data, repeat)
    if r is not None:
        t_r, r_lam = r
        k = min(r_lam.size, lam.size)
        print(
            f"R glmnet     same path ({r_lam.size} lambdas):            {t_r:8.2f} s   "
            f"rglm / R = {t_rglm / t_r:5.2f}   (lambdas agree to {np.max(np.abs(lam[:k] / r_lam[:k] - 1)):.1e})"
        )
    g = glum_path(data, lam)
    if g is not None:
        fit, ridge = g
        t_g, _ = time_it(fit, repeat)
        print(
            f"glum         path over rglm's lambdas:          {t_g:8.2f} s   rglm / glum = {t_rglm / t_g:5.2f}"
        )
    lam_ridge = float(lam[lam.size // 2])
    t_rr, _ = time_it(
        lambda: rglm.glmnet(FORMULA, data, family=rglm.Poisson(), alpha=0.0, lambda_=[lam_ridge]), repeat
    )
    print(f"rglm.glmnet  ridge, one lambda:                 {t_rr:8.2f} s")
    if g is not None:
        t_gr, _ = time_it(lambda: g[1](lam_ridge), repeat)
        print(
            f"glum         ridge, one lambda:                 {t_gr:8.2f} s   rglm / glum = {t_rr / t_gr:5.2f}"
        )


if __name__ == "__main__":
    main()
