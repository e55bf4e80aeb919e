"""Benchmark: a Poisson GLM on a large Parquet file, in chunks, against the in-memory fit.

Generates ``--rows`` rows (default 20 million, about 2-3 GB of Parquet; the file is NOT part
of the repository) with a numeric predictor, a 2-level and a 20-level factor, an exposure
offset and a Poisson response, then fits

    y ~ x1 + x2 + g + h + offset(log(t))

1. from the Parquet file in chunks of ``--chunksize`` rows (``rglm.glm(..., data=path)``),
   reporting the time per IRLS pass and the peak resident memory;
2. unless ``--no-memory``, in memory from ``pandas.read_parquet`` (in a child process, so
   that its peak memory is measured on its own), reporting time per iteration and peak memory.

Peak memory is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of each process.  Run::

    python benchmarks/bench_chunked.py --rows 2000000 --path /tmp/bench.parquet
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time

import numpy as np

# Benchmark the rglm of this working tree, not an installed copy (as bench_glm.py does).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FORMULA = "y ~ x1 + x2 + g + h + offset(log(t))"


def peak_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path: str, rows: int, seed: int = 1, batch: int = 1_000_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    levels = np.array([f"r{i:02d}" for i in range(20)])
    effects = rng.normal(scale=0.2, size=20)
    writer = None
    for start in range(0, rows, batch):
        n = min(batch, rows - start)
        x1, x2 = rng.normal(size=n), rng.uniform(size=n)
        g = rng.integers(0, 2, size=n)
        h = rng.integers(0, 20, size=n)
        t = rng.uniform(0.5, 2.0, size=n)
        eta = -0.5 + 0.3 * x1 - 0.2 * x2 + 0.25 * g + effects[h] + np.log(t)
        table = pa.table(
            {
                "y": rng.poisson(np.exp(eta)).astype(np.float64),
                "x1": x1,
                "x2": x2,
                "g": np.where(g == 1, "yes", "no"),
                "h": levels[h],
                "t": t,
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=256_000)
    assert writer is not None
    writer.close()


class PassTimes(logging.Handler):
    """Collects the per-pass log records of rglm.passes."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def fit_chunked(path: str, chunksize: int) -> dict[str, float]:
    import rglm

    handler = PassTimes()
    log = logging.getLogger("rglm.passes")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    t0 = time.perf_counter()
    m = rglm.glm(FORMULA, path, family="poisson", chunksize=chunksize)
    total = time.perf_counter() - t0
    passes = m.fit.passes
    return {
        "seconds": total,
        "passes": passes,
        "seconds_per_pass": total / passes,
        "iterations": m.iterations,
        "peak_mb": peak_mb(),
        "deviance": m.deviance,
        "coef0": float(m.params.iloc[0]),
    }


def fit_in_memory(path: str) -> dict[str, float]:
    import pandas as pd

    import rglm

    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    read = time.perf_counter() - t0
    t1 = time.perf_counter()
    m = rglm.glm(FORMULA, df, family="poisson")
    fit = time.perf_counter() - t1
    return {
        "read_seconds": read,
        "fit_seconds": fit,
        "seconds_per_iteration": fit / m.iterations,
        "iterations": m.iterations,
        "peak_mb": peak_mb(),
        "deviance": m.deviance,
        "coef0": float(m.params.iloc[0]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--chunksize", type=int, default=500_000)
    ap.add_argument("--path", default="bench_chunked.parquet")
    ap.add_argument("--no-memory", action="store_true", help="skip the in-memory fit")
    ap.add_argument("--child", choices=["chunked", "memory"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "chunked":
        print(json.dumps(fit_chunked(args.path, args.chunksize)))
        return
    if args.child == "memory":
        print(json.dumps(fit_in_memory(args.path)))
        return
    if not os.path.exists(args.path):
        t0 = time.perf_counter()
        generate(args.path, args.rows)
        print(
            f"generated {args.rows:,} rows in {time.perf_counter() - t0:.1f} s: {args.path} "
            f"({os.path.getsize(args.path) / 1e6:.0f} MB)"
        )
    runs = ["chunked"] + ([] if args.no_memory else ["memory"])
    for kind in runs:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                kind,
                "--path",
                args.path,
                "--chunksize",
                str(args.chunksize),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        res = json.loads(out.strip().splitlines()[-1])
        print(kind, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in res.items()}))


if __name__ == "__main__":
    main()
