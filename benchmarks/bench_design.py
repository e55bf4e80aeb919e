#!/usr/bin/env python
"""rglm's split design against tabmat's ``SplitMatrix``: the per-pass kernels of IRLS.

Usage: ``python benchmarks/bench_design.py [--rows 1e6] [--repeats 5]``.

For each problem shape of ``bench_glm.py`` this times, in one process and interleaved,
the work one IRLS pass does with the design: :math:`X\\beta` and the normal equations
:math:`X^T W X`, :math:`X^T W z`.  rglm forms the normal equations in one read of the numeric
block (``SplitDesign.normal_equations``); tabmat needs ``sandwich`` and ``transpose_matvec``.
It also reports what building each representation costs from the data frame, and checks that
both give the same matrices.  The output is what ``benchmarks/README.md`` quotes as the reason
rglm keeps its own design classes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SHAPES = {  # name: (numeric columns, factor levels)
    "poisson_cat50": (10, 50),
    "logit_cat1000": (20, 1000),
    "gamma_dense50": (50, 0),
}


def _frame(n: int, k: int, levels: int, seed: int = 7) -> Any:
    import pandas as pd

    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.standard_normal((n, k)), columns=[f"x{i + 1}" for i in range(k)])
    if levels:
        df["g"] = pd.Categorical.from_codes(rng.integers(0, levels, n), [f"L{i:04d}" for i in range(levels)])
    return df.assign(y=rng.random(n))


def _median_time(f: Callable[[], Any], repeats: int) -> float:
    f()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=lambda s: int(float(s)), default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    import tabmat

    import rglm
    from rglm.frame.model_frame import build_frame

    n = args.rows
    print(f"rows {n:,}; median of {args.repeats}; tabmat {tabmat.__version__}, rglm {rglm.__version__}\n")
    print("| problem | step | rglm ms | tabmat ms | rglm / tabmat |")
    print("|---|---|---|---|---|")
    for name, (k, levels) in SHAPES.items():
        df = _frame(n, k, levels)
        terms = [f"x{i + 1}" for i in range(k)] + (["C(g)"] if levels else [])
        formula = "y ~ " + " + ".join(terms)
        rng = np.random.default_rng(1)
        w, z = rng.uniform(0.5, 2.0, n), rng.standard_normal(n)

        def build_rglm() -> Any:
            return build_frame(formula, df).X

        rhs = " + ".join(terms[:k] + (["g"] if levels else []))

        def build_tabmat() -> Any:
            # tabmat's own formulaic materializer, intercept first and the first level dropped
            # as R does; its columns come out in the same order as rglm's.
            return tabmat.from_formula(
                rhs, df, ensure_full_rank=True, include_intercept=True, cat_threshold=2
            )

        ours, theirs = build_rglm(), build_tabmat()
        if theirs.shape != ours.shape:
            raise SystemExit(f"{name}: tabmat built {theirs.shape}, rglm {ours.shape}")
        beta = rng.standard_normal(ours.shape[1]) * 0.01
        g_ours, r_ours = ours.normal_equations(w, z)
        g_theirs = theirs.sandwich(w)
        r_theirs = theirs.transpose_matvec(w * z)
        scale = float(np.max(np.abs(g_theirs)))
        # Same columns, possibly in another order: compare the sorted entries of each result.
        g_ours, g_theirs = np.sort(g_ours.ravel()), np.sort(np.asarray(g_theirs).ravel())
        r_ours, r_theirs = np.sort(r_ours), np.sort(np.asarray(r_theirs))
        agree = max(
            float(np.max(np.abs(g_ours - g_theirs))) / scale,
            float(np.max(np.abs(r_ours - r_theirs))) / float(np.max(np.abs(r_theirs))),
        )
        steps = [
            ("build from the frame and formula", build_rglm, build_tabmat),
            ("X beta", lambda: ours.matvec(beta), lambda: theirs.matvec(beta)),
            (
                "X'WX and X'Wz",
                lambda: ours.normal_equations(w, z),
                lambda: (theirs.sandwich(w), theirs.transpose_matvec(w * z)),
            ),
        ]
        for step, f_ours, f_theirs in steps:
            a, b = _median_time(f_ours, args.repeats), _median_time(f_theirs, args.repeats)
            print(f"| {name} | {step} | {a * 1e3:.1f} | {b * 1e3:.1f} | {a / b:.2f} |")
        print(f"| {name} | largest relative difference in X'WX, X'Wz | {agree:.1e} | | |")


if __name__ == "__main__":
    main()
