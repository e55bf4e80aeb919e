"""Benchmark: a Poisson GLM on a large Parquet file, in chunks, against the in-memory fit.

Generates ``--rows`` rows (default 20 million, about 2-3 GB of Parquet; the file is NOT part
of the repository) with a numeric predictor, a 2-level and a 20-level factor, an exposure
offset and a Poisson response, then fits

    y ~ x1 + x2 + g + h + offset(log(t))

1. from the Parquet file in chunks of ``--chunksize`` rows (``rglm.glm(..., data=path)``),
   reporting the passes (the scan included), the time per pass and the peak resident memory;
2. unless ``--no-memory``, in memory from ``pandas.read_parquet``, reporting time per
   iteration, peak memory and the fit's own peak allocation (tracemalloc, from before the fit
   to after its summary) against the size of the model's columns (the response, the numeric
   predictors and the offset as float64, and the factor codes at the width the model stores
   them) and of the design's (the numeric predictors and the factor codes);
3. unless ``--no-dask``, as a Dask DataFrame on a local cluster of 2 worker processes
   (``distributed.LocalCluster``), one partition per ``--row-groups`` row groups of the file,
   reporting the same as 1 (peak memory of the client and of the largest worker, and the CPU
   time of the workers and of the client, which runs the scheduler too).

Each fit runs in its own child process, so that its peak memory is its own.  Peak memory is
``resource.getrusage(RUSAGE_SELF).ru_maxrss``.  The last lines print the ratios the issue's
goals are stated in.  Run::

    python benchmarks/bench_chunked.py --rows 2000000 --path /tmp/bench.parquet
    python benchmarks/bench_chunked.py --quick        # 200,000 rows: a smoke run, not a timing
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


def cpu_seconds() -> float:
    """CPU time of this process, every thread, user and system."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


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
    t0, c0 = time.perf_counter(), time.process_time()
    m = rglm.glm(FORMULA, path, family="poisson", chunksize=chunksize)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    passes = m.fit.passes + 1  # and the scan
    return {
        "seconds": total,
        "cpu_seconds": cpu,
        "passes": passes,
        "seconds_per_pass": total / passes,
        "cpu_per_pass": cpu / passes,
        "iterations": m.iterations,
        "peak_mb": peak_mb(),
        "deviance": m.deviance,
        "coef0": float(m.params.iloc[0]),
    }


def _import_rglm() -> None:
    import rglm.api  # noqa: F401


def fit_dask(path: str, chunksize: int, row_groups: int = 1) -> dict[str, float]:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import rglm

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        # The workers import rglm (pandas, formulaic, SciPy) before the clock starts, as this
        # process did: a fit's time, not the imports', on both sides of the ratio.
        client.run(_import_rglm)
        before = client.run(cpu_seconds)
        t0, c0 = time.perf_counter(), cpu_seconds()
        # One partition per row group (256,000 rows) or per --row-groups of them, so that both
        # workers have work; by default Dask would read this file as one partition.
        ddf = dd.read_parquet(path, split_row_groups=True if row_groups == 1 else row_groups)
        m = rglm.glm(FORMULA, ddf, family="poisson")
        total, client_cpu = time.perf_counter() - t0, cpu_seconds() - c0
        workers = client.run(peak_mb)
        after = client.run(cpu_seconds)
    passes = m.fit.passes + 1
    return {
        "seconds": total,
        "passes": passes,
        "seconds_per_pass": total / passes,
        "iterations": m.iterations,
        "partitions": ddf.npartitions,
        "peak_mb": peak_mb(),
        "worker_peak_mb": max(workers.values()),
        "workers_cpu_seconds": sum(after.values()) - sum(before.values()),
        "client_cpu_seconds": client_cpu,
        "cpu_seconds": sum(after.values()) - sum(before.values()) + client_cpu,
        "deviance": m.deviance,
        "coef0": float(m.params.iloc[0]),
    }


def fit_in_memory(path: str) -> dict[str, float]:
    import tracemalloc

    import pandas as pd

    import rglm

    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    read = time.perf_counter() - t0
    str(rglm.glm(FORMULA, df.iloc[:1000], family="poisson").summary())  # imports, first calls
    # The allocation peak from before the fit to after its summary (what a user reads).
    tracemalloc.start()
    t1 = time.perf_counter()
    m = rglm.glm(FORMULA, df, family="poisson")
    fit = time.perf_counter() - t1
    str(m.summary())
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # The model's columns: the numeric columns it reads as float64 (the response y, x1, x2
    # and the offset log(t)) and one code per row of each factor, at the width the fitted
    # model stores it (8 bytes as intp, 1 byte as int8).  The design's columns alone (x1, x2
    # and the codes) are reported too.
    n = len(df)
    code_bytes = sum(b.codes.itemsize for b in getattr(m.model_frame.design, "blocks", ()))
    columns_mb = n * (4 * 8 + code_bytes) / 2**20
    design_mb = n * (2 * 8 + code_bytes) / 2**20
    t2, c2 = time.perf_counter(), time.process_time()
    rglm.glm(FORMULA, df, family="poisson")  # timed again without tracemalloc's overhead
    fit, cpu = min(fit, time.perf_counter() - t2), time.process_time() - c2
    return {
        "read_seconds": read,
        "fit_seconds": fit,
        "cpu_seconds": cpu,
        "seconds_per_iteration": fit / m.iterations,
        "cpu_per_iteration": cpu / m.iterations,
        "iterations": m.iterations,
        "peak_mb": peak_mb(),
        "fit_alloc_peak_mb": traced / 2**20,
        "model_columns_mb": columns_mb,
        "design_columns_mb": design_mb,
        "code_bytes_per_row": code_bytes,
        "deviance": m.deviance,
        "coef0": float(m.params.iloc[0]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--chunksize", type=int, default=500_000)
    ap.add_argument("--path", default="bench_chunked.parquet")
    ap.add_argument("--no-memory", action="store_true", help="skip the in-memory fit")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask local-cluster fit")
    ap.add_argument(
        "--row-groups", type=int, default=1, help="row groups per Dask partition (default 1: 256,000 rows)"
    )
    ap.add_argument("--quick", action="store_true", help="200,000 rows in chunks of 50,000 (a smoke run)")
    ap.add_argument("--child", choices=["chunked", "memory", "dask"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.rows, args.chunksize = 200_000, 50_000
        if args.path == "bench_chunked.parquet":
            args.path = "bench_chunked_quick.parquet"
    if args.child == "chunked":
        print(json.dumps(fit_chunked(args.path, args.chunksize)))
        return
    if args.child == "memory":
        print(json.dumps(fit_in_memory(args.path)))
        return
    if args.child == "dask":
        print(json.dumps(fit_dask(args.path, args.chunksize, args.row_groups)))
        return
    if not os.path.exists(args.path):
        t0 = time.perf_counter()
        generate(args.path, args.rows)
        print(
            f"generated {args.rows:,} rows in {time.perf_counter() - t0:.1f} s: {args.path} "
            f"({os.path.getsize(args.path) / 1e6:.0f} MB)"
        )
    runs = ["chunked"] + ([] if args.no_memory else ["memory"]) + ([] if args.no_dask else ["dask"])
    results = {}
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
                "--row-groups",
                str(args.row_groups),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        res = json.loads(out.strip().splitlines()[-1])
        results[kind] = res
        print(kind, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in res.items()}))
    report(results)


def report(results: dict[str, dict[str, float]]) -> None:
    """The ratios of the goals, and a check that every fit gave the same deviance."""
    chunked, memory, dask = (results.get(k) for k in ("chunked", "memory", "dask"))
    print(f"chunked: {chunked['passes']} passes (scan included) for {chunked['iterations']} iterations")
    for name, other in (("memory", memory), ("dask", dask)):
        if other is not None:
            rel = abs(other["deviance"] - chunked["deviance"]) / abs(chunked["deviance"])
            assert rel < 1e-9, f"{name} deviance differs from the chunked fit's by {rel:.2e}"
    if memory is not None:
        print(
            f"chunked pass / in-memory iteration: "
            f"{chunked['seconds_per_pass'] / memory['seconds_per_iteration']:.2f} wall, "
            f"{chunked['cpu_per_pass'] / memory['cpu_per_iteration']:.2f} CPU time "
            "(on a shared machine CPU time is the steadier measure)"
        )
        print(
            f"in-memory fit's allocation peak (fit and summary) / model columns (y, x1, x2, offset, "
            f"factor codes): {memory['fit_alloc_peak_mb'] / memory['model_columns_mb']:.2f}; "
            f"/ design columns (x1, x2, factor codes): "
            f"{memory['fit_alloc_peak_mb'] / memory['design_columns_mb']:.2f}"
        )
    if dask is not None:
        print(
            f"dask ({dask['passes']} passes, {dask['partitions']} partitions) / chunked: "
            f"{dask['seconds'] / chunked['seconds']:.2f} wall, "
            f"{dask['cpu_seconds'] / chunked['cpu_seconds']:.2f} "
            "CPU time (the workers' and the client's)"
        )


if __name__ == "__main__":
    main()
