#!/usr/bin/env python
"""Small fits, where analysts wait: formula -> fit -> printed summary, rglm against R and statsmodels.

Usage: ``python benchmarks/bench_small.py [--quick] [--reps 30] [--batches 5] [--markdown out.md]``
(also ``python benchmarks/bench_glm.py --small ...``).

Each problem is a Poisson or logistic model with ten numeric predictors and a 20-level factor,
at n = 1,000 and n = 10,000.  The data are generated once from a fixed seed and written to a
CSV that every package reads before the clock starts.  A *batch* fits the model ``--reps``
times in a loop and prints its summary each time (``str(m.summary())`` in Python,
``capture.output(print(summary(m)))`` in R); the figure is the median time per fit over
``--batches`` batches.  R runs through ``Rscript`` in a child process when it is installed;
its start-up and the CSV read are outside the timed loop.  Packages are interleaved batch by
batch so that load on the machine affects each alike.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # benchmark the working tree's rglm
SEED = 20261203
FORMULA = "y ~ " + " + ".join(f"x{i}" for i in range(1, 11)) + " + g"


def make_csv(family: str, n: int, path: Path) -> None:
    import pandas as pd

    rng = np.random.default_rng([SEED, n, family == "poisson"])
    x = rng.standard_normal((n, 10))
    codes = rng.integers(0, 20, n)
    eta = x @ rng.uniform(-0.2, 0.2, 10) + rng.normal(0.0, 0.3, 20)[codes]
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(1, 11)])
    df["g"] = [f"g{c:02d}" for c in codes]
    if family == "poisson":
        df["y"] = rng.poisson(np.exp(0.5 + eta))
    else:
        df["y"] = rng.binomial(1, 1.0 / (1.0 + np.exp(-eta)))
    df.to_csv(path, index=False)


R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); d$g <- factor(d$g)
fam <- if (args[2] == "poisson") poisson() else binomial()
reps <- as.integer(args[3]); f <- as.formula(args[4])
invisible(capture.output(print(summary(glm(f, family = fam, data = d)))))  # warm up
t0 <- proc.time()[["elapsed"]]
for (i in seq_len(reps)) { m <- glm(f, family = fam, data = d); s <- capture.output(print(summary(m))) }
cat(sprintf("%.9f %s\n", (proc.time()[["elapsed"]] - t0) / reps, format(coef(m)[["x1"]], digits = 17)))
"""


def time_r(csv: Path, family: str, reps: int, script: Path) -> tuple[float, float]:
    out = subprocess.run(
        ["Rscript", str(script), str(csv), family, str(reps), FORMULA],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def time_rglm(df: object, family: str, reps: int) -> tuple[float, float]:
    import rglm

    fam = rglm.Poisson() if family == "poisson" else rglm.Binomial()
    t0 = time.perf_counter()
    for _ in range(reps):
        m = rglm.glm(FORMULA, df, family=fam)
        str(m.summary())
    return (time.perf_counter() - t0) / reps, float(m.params["x1"])


def time_statsmodels(df: object, family: str, reps: int) -> tuple[float, float]:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    fam = sm.families.Poisson() if family == "poisson" else sm.families.Binomial()
    t0 = time.perf_counter()
    for _ in range(reps):
        res = smf.glm(FORMULA, df, family=fam).fit()
        str(res.summary())
    return (time.perf_counter() - t0) / reps, float(res.params["x1"])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="n = 1,000 only, few repetitions (a smoke run)")
    ap.add_argument("--reps", type=int, default=30, help="fits per batch")
    ap.add_argument("--batches", type=int, default=5, help="batches per package (median reported)")
    ap.add_argument("--markdown", metavar="FILE", help="also append the table to this file")
    args = ap.parse_args(argv)
    import pandas as pd

    sizes = (1_000,) if args.quick else (1_000, 10_000)
    reps, batches = (3, 1) if args.quick else (args.reps, args.batches)
    has_r = shutil.which("Rscript") is not None
    try:
        import statsmodels  # noqa: F401

        has_sm = True
    except ImportError:
        has_sm = False
    lines = [
        "| problem | n | rglm ms | R ms | statsmodels ms | rglm / R | rglm / statsmodels |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "small.R"
        script.write_text(R_SCRIPT)
        for family in ("poisson", "binomial"):
            for n in sizes:
                csv = Path(tmp) / f"{family}_{n}.csv"
                make_csv(family, n, csv)
                df = pd.read_csv(csv)
                time_rglm(df, family, 1)  # warm up imports and caches
                if has_sm:
                    time_statsmodels(df, family, 1)
                runs: dict[str, list[float]] = {"rglm": [], "R": [], "statsmodels": []}
                coefs: dict[str, float] = {}
                for _ in range(batches):
                    runs["rglm"].append((r := time_rglm(df, family, reps))[0])
                    coefs["rglm"] = r[1]
                    if has_r:
                        runs["R"].append((r := time_r(csv, family, reps, script))[0])
                        coefs["R"] = r[1]
                    if has_sm:
                        runs["statsmodels"].append((r := time_statsmodels(df, family, reps))[0])
                        coefs["statsmodels"] = r[1]
                for other, c in coefs.items():  # the same model, or the timing means nothing
                    if abs(c - coefs["rglm"]) > 1e-8 * max(abs(c), 1.0):
                        raise SystemExit(f"{other} fitted a different model: {c} vs {coefs['rglm']}")
                med = {k: statistics.median(v) * 1e3 if v else float("nan") for k, v in runs.items()}
                lines.append(
                    f"| {family} | {n:,} | {med['rglm']:.1f} | {med['R']:.1f} | {med['statsmodels']:.1f} "
                    f"| {med['rglm'] / med['R']:.2f} | {med['rglm'] / med['statsmodels']:.2f} |"
                )
                print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(f"\nformula: {FORMULA}; {reps} fits per batch, median of {batches} batches\n{table}")
    if args.markdown:
        with open(args.markdown, "a") as fh:
            fh.write(table + "\n")


if __name__ == "__main__":
    main()
