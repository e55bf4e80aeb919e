#!/usr/bin/env python
"""Time rglm, statsmodels and glum side by side on the same GLM problems.

Usage: ``python benchmarks/bench_glm.py [--quick] [--problems NAME,...] [--repeats 3] [--markdown out.md]``
(``--small`` runs the small-fit problems of ``bench_small.py``, with R in the comparison).
By default every package runs in this one process, interleaved (rglm, statsmodels, glum, rglm, ...),
on the same DataFrame generated once from a fixed seed; each run times formula -> fit -> standard
errors -> summary table and reads its peak memory after resetting the kernel's peak counter.
``--isolated`` instead runs every fit in a fresh child process (this script with ``--child``), which
gives cleaner memory figures at the cost of regenerating the data.  See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.metadata as md
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # benchmark the working tree's rglm
PACKAGES = ("rglm", "statsmodels", "glum")
SEED = 20250101
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Problem:
    """A benchmark problem: family, predictors, sizes (full and ``--quick``); formula and size derived."""

    family: str
    n_num: int
    n_levels: int
    sizes: tuple[int, ...]
    quick_sizes: tuple[int, ...]

    @property
    def formula(self) -> str:
        terms = [f"x{i + 1}" for i in range(self.n_num)] + (["C(g)"] if self.n_levels else [])
        return "y ~ " + " + ".join(terms)

    @property
    def n_coef(self) -> int:
        return 1 + self.n_num + max(self.n_levels - 1, 0)


PROBLEMS: dict[str, Problem] = {
    "poisson_cat50": Problem("poisson", 10, 50, (100_000, 1_000_000, 5_000_000), (100_000, 1_000_000)),
    "logit_cat1000": Problem("binomial", 20, 1000, (100_000, 1_000_000), (100_000,)),
    "gamma_dense50": Problem("gamma", 50, 0, (1_000_000,), (1_000_000,)),
}


def make_data(problem: Problem, n: int) -> Any:
    """The problem's data frame of ``n`` rows; the same seed always gives the same data."""
    import pandas as pd

    rng = np.random.default_rng([SEED, n, problem.n_num, problem.n_levels])
    x = rng.standard_normal((n, problem.n_num))
    beta = rng.uniform(-0.2, 0.2, problem.n_num) / np.sqrt(problem.n_num / 10)
    eta = x @ beta + {"poisson": 0.5, "binomial": -0.5, "gamma": 1.0}[problem.family]
    df = pd.DataFrame(x, columns=[f"x{i + 1}" for i in range(problem.n_num)])
    if problem.n_levels:
        codes = rng.integers(0, problem.n_levels, n)
        eta += rng.normal(0.0, 0.3, problem.n_levels)[codes]
        labels = pd.Index([f"L{i:04d}" for i in range(problem.n_levels)])
        df["g"] = pd.Categorical.from_codes(codes, categories=labels)
    mu = np.exp(eta) if problem.family != "binomial" else 1.0 / (1.0 + np.exp(-eta))
    draw = {
        "poisson": lambda: rng.poisson(mu),
        "binomial": lambda: rng.random(n) < mu,
        "gamma": lambda: rng.gamma(2.0, mu / 2.0),
    }[problem.family]
    return df.assign(y=np.asarray(draw(), dtype=np.float64))


# --------------------------------------------------------------------------- child side
Fit = tuple[list[str], list[float], list[float], int]  # names, params, bse, iterations
Lap = Callable[[Any], Any]  # lap(value): mark the end of a phase (fit, SE, table), return value


def run_rglm(problem: Problem, df: Any, lap: Lap) -> Fit:
    """``rglm.glm(...)``, ``.bse``, ``str(.summary())``."""
    import rglm

    fam = {"poisson": rglm.Poisson(), "binomial": rglm.Binomial(), "gamma": rglm.Gamma(link="log")}
    m = lap(rglm.glm(problem.formula, df, family=fam[problem.family]))
    bse = lap(m.bse)
    lap(str(m.summary()))
    return list(m.params.index), list(m.params), list(bse), int(m.iterations)


def run_statsmodels(problem: Problem, df: Any, lap: Lap) -> Fit:
    """``smf.glm(...).fit()``, ``.bse``, ``str(.summary())``."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    f = sm.families
    fam = {"poisson": f.Poisson(), "binomial": f.Binomial(), "gamma": f.Gamma(f.links.Log())}
    r = lap(smf.glm(problem.formula, df, family=fam[problem.family]).fit())
    bse = lap(r.bse)
    lap(str(r.summary()))
    return list(r.params.index), list(r.params), list(bse), int(r.fit_history["iteration"])


def run_glum(problem: Problem, df: Any, lap: Lap) -> Fit:
    """glum, unpenalized, model-based (non-robust) covariance.

    Poisson/binomial: ``fit(df)`` then ``coef_table(X=df, dispersion=1, robust=False)``, the only way
    to fix the dispersion at 1 (``fit(store_covariance_matrix=True)`` always uses the Pearson
    estimate).  Gamma: ``fit(df, store_covariance_matrix=True)`` then ``coef_table()``.
    """
    from glum import GeneralizedLinearRegressor

    fixed = problem.family in ("poisson", "binomial")
    model = GeneralizedLinearRegressor(
        family=problem.family,
        link="auto" if fixed else "log",
        alpha=0,
        formula=problem.formula,
        drop_first=True,
        fit_intercept=True,
        robust=False,
    )
    lap(model.fit(df, store_covariance_matrix=not fixed))
    table = lap(model.coef_table(X=df, dispersion=1.0, robust=False) if fixed else model.coef_table())
    lap(table.to_string())
    return list(table.index), list(table["coef"]), list(table["se"]), int(model.n_iter_)


IMPORTS = {"rglm": ["rglm"], "statsmodels": ["statsmodels.api", "statsmodels.formula.api"], "glum": ["glum"]}
RUNNERS: dict[str, Callable[[Problem, Any, Lap], Fit]] = {
    "rglm": run_rglm,
    "statsmodels": run_statsmodels,
    "glum": run_glum,
}


def proc_mb(path: str, key: str) -> float:
    """A memory field (``VmRSS``, ``VmHWM``, ``MemAvailable``, ...) of a ``/proc`` file, in MB (0 if gone)."""
    try:
        with open(path) as fh:
            return next((int(ln.split()[1]) / 1024.0 for ln in fh if ln.startswith(key + ":")), 0.0)
    except OSError:
        return 0.0


def timed_run(package: str, problem: Problem, df: Any) -> dict[str, Any]:
    """One timed run of ``package`` on ``df``: reset the peak-RSS counter, fit, collect."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:  # reset VmHWM: the peak then excludes data generation
        fh.write("5")
    base, cpu0, marks = proc_mb("/proc/self/status", "VmRSS"), time.process_time(), [time.perf_counter()]

    def lap(value: Any) -> Any:
        """Mark the end of a phase and pass ``value`` through."""
        marks.append(time.perf_counter())
        return value

    names, params, bse, iters = RUNNERS[package](problem, df, lap)
    peak = proc_mb("/proc/self/status", "VmHWM")
    return {
        "seconds": marks[-1] - marks[0],
        "cpu": time.process_time() - cpu0,
        "names": names,
        **dict(zip(("fit", "se", "table"), np.diff(marks).tolist())),
        "params": params,
        "bse": bse,
        "iterations": iters,
        "base_mb": base,
        "peak_mb": peak,
        "rise_mb": peak - base,
        "y_sum": float(df["y"].sum()),
    }


def child_main(spec: dict[str, Any]) -> None:
    """One isolated run: import, generate data, then :func:`timed_run`; write JSON."""
    for module in IMPORTS[spec["package"]]:  # everything the runner imports, so imports are not timed
        importlib.import_module(module)
    problem = PROBLEMS[spec["problem"]]
    df = make_data(problem, spec["n"])
    Path(spec["out"]).write_text(json.dumps(timed_run(spec["package"], problem, df)))


# --------------------------------------------------------------------------- parent side
def busy_cpu_seconds() -> float:
    """CPU seconds spent non-idle by the whole machine since boot (from ``/proc/stat``)."""
    v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def run_child(spec: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Run one child; kill it if its RSS passes ``--mem-limit-gb`` or it outlives ``--timeout``.

    Also measures ``other_load``: CPU cores kept busy by everything except the child meanwhile.
    """
    with tempfile.TemporaryDirectory() as tmp:
        spec = {**spec, "out": os.path.join(tmp, "out.json")}
        err_path = os.path.join(tmp, "stderr")
        busy0, wall0 = busy_cpu_seconds(), time.perf_counter()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        killed = ""
        with open(err_path, "w") as err:
            threads = {v: str(args.threads) for v in THREAD_VARS} if args.threads else {}
            proc = subprocess.Popen(
                [sys.executable, __file__, "--child", json.dumps(spec)],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, **threads},
            )
            while proc.poll() is None:
                rss = proc_mb(f"/proc/{proc.pid}/status", "VmRSS")
                if rss > args.mem_limit_mb or time.perf_counter() - wall0 > args.timeout:
                    killed = f"RSS {rss / 1024:.1f} GB" if rss > args.mem_limit_mb else "timeout"
                    proc.kill()
                    proc.wait()
                time.sleep(0.05)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        child_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
        other = max(busy_cpu_seconds() - busy0 - child_cpu, 0.0) / (time.perf_counter() - wall0)
        if killed or proc.returncode != 0 or not os.path.exists(spec["out"]):
            tail = Path(err_path).read_text().strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            return {"error": f"killed: {killed}" if killed else tail[0][:100], "other_load": other}
        return {**json.loads(Path(spec["out"]).read_text()), "other_load": other}


def run_inline(package: str, name: str, df: Any) -> dict[str, Any]:
    """One run in this process, on data shared by every package (the default mode)."""
    busy0, wall0, cpu0 = busy_cpu_seconds(), time.perf_counter(), time.process_time()
    try:
        res = timed_run(package, PROBLEMS[name], df)
    except Exception as exc:  # noqa: BLE001 - a failed run is reported in the table, not fatal
        res = {"error": f"{type(exc).__name__}: {exc}"[:100]}
    own = time.process_time() - cpu0
    other = max(busy_cpu_seconds() - busy0 - own, 0.0) / (time.perf_counter() - wall0)
    return {**res, "other_load": other}


def canonical(name: str) -> str:
    """A coefficient name all packages share: ``C(g)[T.L01]`` and glum's ``C(g)[L01]`` -> ``g[L01]``."""
    name = "Intercept" if name.lower() == "intercept" else name
    return re.sub(r"^C\((\w+)\)\[(?:T\.)?(.*)\]$", r"\1[\2]", name)


def compare(fit: dict[str, Any], ref: dict[str, Any]) -> list[str]:
    """Max relative differences ``max_i |a_i - b_i| / max(|b_i|, 1e-300)`` of params and bse vs ``ref``.

    Coefficients are matched by :func:`canonical` name after checking that the names map one to one.
    """
    a, b = ({canonical(k): (v, s) for k, v, s in zip(f["names"], f["params"], f["bse"])} for f in (fit, ref))
    if set(a) != set(b) or len(a) != len(fit["names"]):
        return ["names differ"] * 2
    x, y = np.array([a[k] for k in b]), np.array(list(b.values()))
    return [f"{d:.1e}" for d in np.max(np.abs(x - y) / np.maximum(np.abs(y), 1e-300), axis=0)]


def med(runs: list[dict[str, Any]], key: str) -> float:
    """Median of ``key`` over successful runs."""
    return statistics.median(r[key] for r in runs)


@dataclass
class Report:
    """Collects headings, paragraphs and tables; renders as plain text or markdown."""

    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def add(self, kind: str, content: Any) -> None:
        self.blocks.append((kind, content))
        print(self.render_block(kind, content, False), flush=True)  # echo as the report grows

    def render_block(self, kind: str, content: Any, markdown: bool) -> str:
        """One block: ``kind`` is "h" (heading), "p" (text) or "table" (header, rows)."""
        if kind == "h":
            return f"## {content}\n" if markdown else f"\n=== {content} ==="
        if kind == "p":
            return content + ("\n" if markdown else "")
        cells = [content[0]] + content[1]
        if markdown:
            lines = ["| " + " | ".join(r) + " |" for r in cells]
            return "\n".join([lines[0], "|" + "---|" * len(cells[0])] + lines[1:]) + "\n"
        w = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
        lines = ["  ".join(c.rjust(w[i]) if i else c.ljust(w[i]) for i, c in enumerate(r)) for r in cells]
        return "\n".join([lines[0], "  ".join("-" * x for x in w)] + lines[1:])

    def render(self, markdown: bool) -> str:
        """The whole report."""
        return "\n".join(self.render_block(k, c, markdown) for k, c in self.blocks) + "\n"


def machine_description() -> list[str]:
    """CPU, RAM, load, BLAS and package versions, one item per line."""
    import rglm  # noqa: I001  (rglm, numpy and scipy: so that threadpoolctl sees their BLAS)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    pkgs = ", ".join(
        f"{p} {md.version(p)}"
        for p in ("numpy", "scipy", "pandas", "formulaic", "statsmodels", "glum", "tabmat")
    )
    git = (
        subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        or "?"
    )
    pools = "; ".join(
        f"{p['internal_api']} {p.get('version') or ''} ({p['num_threads']} threads, "
        f"{os.path.basename(p['filepath'])}, {p.get('architecture', '')})"
        for p in threadpool_info()
    )
    env = ", ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", *THREAD_VARS) if k in os.environ)
    ram = [proc_mb("/proc/meminfo", f) / 1024 for f in ("MemTotal", "MemAvailable")]
    return [
        f"- CPU: {cpu}; {os.cpu_count()} logical cores ({len(os.sched_getaffinity(0))} usable)",
        f"- RAM: {ram[0]:.1f} GB total, {ram[1]:.1f} GB available",
        f"- Load average at start (1/5/15 min): {' / '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- OS: {platform.platform()}; Python {platform.python_version()}",
        f"- rglm {rglm.__version__} from {Path(rglm.__file__).parent} (git {git}); {pkgs}",
        f"- Thread pools (threadpoolctl): {pools}",
        f"- Thread env vars: {env or 'none set'}",
    ]


def collect(
    name: str, n: int, todo: list[str], args: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, str]]:
    """Run the packages interleaved ``--repeats`` times; successful runs per package, and failures."""
    runs: dict[str, list[dict[str, Any]]] = {p: [] for p in todo}
    errors: dict[str, str] = {}
    df = None if args.isolated else make_data(PROBLEMS[name], n)
    for rep in range(args.repeats):
        for pkg in (p for p in todo if p not in errors):
            if df is None:
                res = run_child({"package": pkg, "problem": name, "n": n}, args)
            else:
                res = run_inline(pkg, name, df)
            msg = (
                f"FAILED ({res['error']})"
                if "error" in res
                else f"{res['seconds']:.2f} s, peak {res['peak_mb']:.0f} MB"
            )
            print(
                f"  {pkg} run {rep + 1}/{args.repeats}: {msg}, other load {res['other_load']:.2f}",
                file=sys.stderr,
                flush=True,
            )
            if "error" in res:
                errors[pkg] = res["error"]
            else:
                runs[pkg].append(res)
    return {p: r for p, r in runs.items() if r}, errors


def bench_case(
    name: str, n: int, pkgs: list[str], args: argparse.Namespace, report: Report
) -> dict[str, float]:
    """Benchmark one problem/size, add its table and notes to ``report``; median seconds per package."""
    problem = PROBLEMS[name]
    report.add("h", f"{name}, n = {n:,} ({problem.n_coef} coefficients, {problem.family})")
    notes = [f"Formula: `{problem.formula if len(problem.formula) < 70 else problem.formula[:60] + ' ...'}`"]
    sm_est_gb = n * problem.n_coef * 8 * 10 / 1024**3  # statsmodels peaks at ~5-25 dense n x p arrays
    skip_sm = "statsmodels" in pkgs and (n > args.sm_max_n or sm_est_gb * 1024 > args.mem_limit_mb)
    if skip_sm:
        notes.append(
            "statsmodels skipped: "
            + (
                f"n > {args.sm_max_n:,} (~5 GB, ~35 s at 1e6 x 60 here)."
                if n > args.sm_max_n
                else f"estimated peak {sm_est_gb:.0f} GB > memory limit."
            )
        )
    ok, errors = collect(name, n, [p for p in pkgs if not (skip_sm and p == "statsmodels")], args)
    ref = next((p for p in ("statsmodels", "rglm", "glum") if p in ok), "")
    if ref != "statsmodels":
        notes.append(f"No statsmodels fit: Δ columns are relative to {ref or 'nothing'}.")
    if len({r[0]["y_sum"] for r in ok.values()}) > 1:
        notes.append("WARNING: the packages saw different data (y sums differ).")
    times = {p: med(r, "seconds") for p, r in ok.items()}
    head = [
        "package",
        "median s",
        "x rglm",
        "fit/SE/table s",
        "CPU/wall",
        "iter",
        "base MB",
        "peak MB",
        "+MB",
        "Δparams",
        "Δbse",
        "runs",
        "other load",
    ]
    rows: list[list[str]] = []
    for pkg in pkgs:
        if pkg not in ok:
            rows.append([pkg, errors.get(pkg, "not run")] + [""] * (len(head) - 2))
            continue
        r, t = ok[pkg], times[pkg]
        phases = "/".join(f"{med(r, k):.2f}" for k in ("fit", "se", "table"))
        loads = [x["other_load"] for x in r]
        rows.append(
            [
                pkg,
                f"{t:.2f}",
                f"{t / times['rglm']:.2f}" if "rglm" in times else "-",
                phases,
                f"{med(r, 'cpu') / t:.2f}",
                str(r[0]["iterations"]),
                f"{med(r, 'base_mb'):.0f}",
                f"{med(r, 'peak_mb'):.0f}",
                f"{med(r, 'rise_mb'):.0f}",
                *(["ref", "ref"] if pkg == ref else compare(r[0], ok[ref][0])),
                f"{len(r)}{f' ({errors[pkg]})' if pkg in errors else ''}",
                f"{min(loads):.2f}-{max(loads):.2f}",
            ]
        )
    report.add("table", (head, rows))
    if ratios := [
        f"rglm / {p} = {times['rglm'] / times[p]:.2f}"
        for p in ("glum", "statsmodels")
        if p in times and "rglm" in times
    ]:
        notes.append("Time ratios: " + ", ".join(ratios) + " (< 1: rglm is faster).")
    report.add("p", "\n".join(f"- {x}" for x in notes))
    return times


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the benchmark (or one child run with ``--child``)."""
    argv = sys.argv[1:] if argv is None else argv
    if "--small" in argv:  # the small-fit problems, against R: benchmarks/bench_small.py
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import bench_small

        bench_small.main([a for a in argv if a != "--small"])
        return
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (see README)")
    ap.add_argument("--problems", default=",".join(PROBLEMS), help="comma-separated subset of %(default)s")
    ap.add_argument(
        "--sizes",
        type=lambda s: [int(float(x)) for x in s.split(",")],
        help="comma-separated n (e.g. 1e5,1e6) overriding every problem's sizes",
    )
    ap.add_argument("--repeats", type=int, default=3, help="runs per package and size (median reported)")
    ap.add_argument("--no-statsmodels", action="store_true", help="skip statsmodels")
    ap.add_argument(
        "--sm-max-n",
        type=lambda s: int(float(s)),
        default=10**6,
        help="largest n statsmodels is run at (default 1e6)",
    )
    ap.add_argument(
        "--mem-limit-gb",
        type=float,
        help="kill a run whose RSS passes this (default: 85%% of the memory available at start)",
    )
    ap.add_argument("--timeout", type=float, default=1800.0, help="kill a run after this many seconds")
    ap.add_argument("--threads", type=int, help="set OPENBLAS/OMP/MKL_NUM_THREADS in the children")
    ap.add_argument("--markdown", metavar="FILE", help="also write the report as markdown")
    ap.add_argument(
        "--isolated",
        action="store_true",
        help="run every fit in a fresh child process (default: all in this process, interleaved)",
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child_main(json.loads(args.child))
    if not args.isolated:
        for pkg in PACKAGES:  # import everything once, up front, so no run pays for an import
            for module in IMPORTS[pkg]:
                importlib.import_module(module)
    names = [p.strip() for p in args.problems.split(",") if p.strip()]
    if unknown := [p for p in names if p not in PROBLEMS]:
        ap.error(f"unknown problem(s) {unknown}; choose from {list(PROBLEMS)}")
    args.mem_limit_mb = 1024 * (args.mem_limit_gb or 0.85 * proc_mb("/proc/meminfo", "MemAvailable") / 1024)
    pkgs = [p for p in PACKAGES if not (p == "statsmodels" and args.no_statsmodels)]
    report = Report()
    report.add("h", "Machine")
    report.add(
        "p",
        "\n".join(
            [
                *machine_description(),
                (
                    f"- Settings: repeats={args.repeats}, quick={args.quick}, threads={args.threads or 'default'}, "
                    f"{'isolated child processes' if args.isolated else 'one process, packages interleaved'}, "
                    f"memory limit per run {args.mem_limit_mb / 1024:.1f} GB, timeout {args.timeout:.0f} s"
                ),
            ]
        ),
    )
    overview: list[list[str]] = []
    t0 = time.perf_counter()
    for name in names:
        for n in args.sizes or (PROBLEMS[name].quick_sizes if args.quick else PROBLEMS[name].sizes):
            t = bench_case(name, n, pkgs, args, report)
            overview.append(
                [name, f"{n:,}"]
                + [f"{t[p]:.2f}" if p in t else "-" for p in PACKAGES]
                + [
                    f"{t['rglm'] / t[p]:.2f}" if "rglm" in t and p in t else "-"
                    for p in ("statsmodels", "glum")
                ]
            )
    report.add("h", "Overview (median seconds, formula to summary table)")
    head = ["problem", "n"] + [f"{p} s" for p in PACKAGES] + ["rglm/statsmodels", "rglm/glum"]
    report.add("table", (head, overview))
    report.add(
        "p",
        f"Total wall time {time.perf_counter() - t0:.0f} s; load average at end "
        f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}.",
    )
    if args.markdown:
        Path(args.markdown).write_text("# rglm vs statsmodels vs glum\n\n" + report.render(True))
        print(f"\nMarkdown written to {args.markdown}")


if __name__ == "__main__":
    main()
