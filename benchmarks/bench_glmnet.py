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
cpus <- numeric(reps)
for (r in seq_len(reps)) {
  t0 <- proc.time(); fit <- glmnet(x, d$y, family = "poisson"); t1 <- proc.time() - t0
  times[r] <- t1[[3]]; cpus[r] <- t1[[1]] + t1[[2]]
}
cat(sprintf("R_PATH %.4f %d %.4f %.4f\n", min(times), length(fit$lambda), t_mm, min(cpus)))
writeLines(format(fit$lambda, digits = 17), args[4])
"""


def time_it(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall-clock and CPU seconds (this process, all threads) over ``repeat`` runs."""
    best, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return best, cpu, out


def run_r(data: pd.DataFrame, repeat: int) -> tuple[float, float, np.ndarray] | None:
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
        parts = line.split()
        return float(parts[1]), float(parts[4]), np.array([float(v) for v in lam.read_text().split()])


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
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    t_rglm, c_rglm, path = time_it(lambda: rglm.glmnet(FORMULA, data, family=rglm.Poisson()), repeat)
    lam = path.lambda_
    print(f"{'':34s}{'wall s':>9s}{'CPU s':>9s}   ratios (wall, CPU)")
    label = f"rglm.glmnet path ({lam.size} lambdas)"
    print(f"{label:34s}{t_rglm:9.2f}{c_rglm:9.2f}")
    r = None if a.no_r else run_r(data, repeat)
    if r is not None:
        t_r, c_r, r_lam = r
        k = min(r_lam.size, lam.size)
        agree = np.max(np.abs(lam[:k] / r_lam[:k] - 1))
        label = f"R glmnet path ({r_lam.size} lambdas)"
        print(
            f"{label:34s}{t_r:9.2f}{c_r:9.2f}   rglm / R = "
            f"{t_rglm / t_r:.2f}, {c_rglm / c_r:.2f}   (lambdas agree to {agree:.1e})"
        )
    g = glum_path(data, lam)
    if g is not None:
        fit, ridge = g
        t_g, c_g, _ = time_it(fit, repeat)
        print(
            f"{'glum path, same lambdas':34s}{t_g:9.2f}{c_g:9.2f}   rglm / glum = "
            f"{t_rglm / t_g:.2f}, {c_rglm / c_g:.2f}"
        )
    lam_ridge = float(lam[lam.size // 2])
    t_rr, c_rr, _ = time_it(
        lambda: rglm.glmnet(FORMULA, data, family=rglm.Poisson(), alpha=0.0, lambda_=[lam_ridge]), repeat
    )
    print(f"{'rglm.glmnet ridge, one lambda':34s}{t_rr:9.2f}{c_rr:9.2f}")
    if g is not None:
        t_gr, c_gr, _ = time_it(lambda: g[1](lam_ridge), repeat)
        print(
            f"{'glum ridge, one lambda':34s}{t_gr:9.2f}{c_gr:9.2f}   rglm / glum = "
            f"{t_rr / t_gr:.2f}, {c_rr / c_gr:.2f}"
        )


if __name__ == "__main__":
    main()
