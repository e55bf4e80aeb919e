"""How many times an out-of-core fit reads its data: a fit of k iterations reads it k + 2 times
(the scan, the start, one pass per iteration), including R's null refit when there is an
offset, and gives R's numbers and the in-memory fit's.

The reads are counted at the source: a callable that returns a fresh iterator of chunks each
time it is called (its first call is the sample that fixes the columns, before the scan).  The
oracles are the R reference cases of tests/data/r_cases (R 4.2.2).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _outofcore import close, same_fit

import rglm

CASES = Path(__file__).parent / "data" / "r_cases"


def fit_counting_reads(name: str) -> tuple[rglm.GLMResult, rglm.GLMResult, dict[str, Any], int]:
    """The out-of-core fit of an R case in three chunks, the in-memory fit, R's figures and the
    number of reads of the data after the sample."""
    case = json.loads((CASES / "cases" / f"{name}.json").read_text())
    py = case["python"]
    df = pd.read_csv(CASES / py["data"])
    family = getattr(rglm, py["family"])(**({"link": py["link"]} if py["link"] else {}))
    size = max(5, len(df) // 3)
    calls = {"n": 0}

    def chunks() -> Iterator[pd.DataFrame]:
        calls["n"] += 1
        for a in range(0, len(df), size):
            yield df.iloc[a : a + size]

    m = rglm.glm(py["formula"], chunks, family=family)
    m0 = rglm.glm(py["formula"], df, family=family)
    return m, m0, case["r"], calls["n"] - 1


def check_r(m: rglm.GLMResult, r: dict[str, Any]) -> None:
    for ours, key in ((m.deviance, "deviance"), (m.null_deviance, "null_deviance"), (m.aic, "aic")):
        close(ours, r[key], 1e-6)
    assert m.iterations == r["iter"]


@pytest.mark.parametrize(
    "name",
    [
        "insurance_poisson_offset_formula",  # null model: the intercept refitted with the offset
        "mtcars_logit",  # null model: the weighted mean
        "infert_cloglog",
    ],
)
def test_a_fit_of_k_iterations_reads_the_data_k_plus_2_times(name: str) -> None:
    m, m0, r, reads = fit_counting_reads(name)
    same_fit(m, m0)
    check_r(m, r)
    assert reads == m.iterations + 2 == m.fit.passes + 1


def test_gamma_aic_reads_the_data_once_more() -> None:
    # The Gamma AIC's row terms use the final dispersion D / sum(w), known only once the last
    # pass has summed D: one pass after the loop adds them up.
    m, m0, r, reads = fit_counting_reads("trees_gamma_log")
    same_fit(m, m0)
    check_r(m, r)
    assert reads == m.iterations + 3 == m.fit.passes + 1


def test_a_null_refit_longer_than_the_fit_goes_on_alone_after_it() -> None:
    # Started at its optimum the fit converges in 2 iterations; R's null refit (offset and
    # intercept) needs more, and its remaining passes run after the fit's.
    m, m0, r, _ = fit_counting_reads("insurance_poisson_offset_formula")
    case = json.loads((CASES / "cases" / "insurance_poisson_offset_formula.json").read_text())
    df = pd.read_csv(CASES / case["python"]["data"])
    start = m0.params.to_numpy()
    calls = {"n": 0}

    def chunks() -> Iterator[pd.DataFrame]:
        calls["n"] += 1
        yield from (df.iloc[a : a + 20] for a in range(0, len(df), 20))

    again = rglm.glm(case["python"]["formula"], chunks, family="poisson", start=start)
    same_fit(again, rglm.glm(case["python"]["formula"], df, family="poisson", start=start))
    close(again.null_deviance, r["null_deviance"], 1e-6)
    assert again.iterations < m.iterations
    assert calls["n"] - 1 == again.fit.passes + 1 > again.iterations + 2


def test_an_interrupted_fit_stops_its_null_refit() -> None:
    case = json.loads((CASES / "cases" / "insurance_poisson_offset_formula.json").read_text())
    df = pd.read_csv(CASES / case["python"]["data"])
    calls = {"n": 0}

    def chunks() -> Iterator[pd.DataFrame]:
        calls["n"] += 1
        if calls["n"] == 5:  # the sample, the scan, the start, iteration 1, then Ctrl-C
            raise KeyboardInterrupt
        yield df

    before = threading.active_count()
    with pytest.raises(rglm.FitInterrupted, match="after 2 passes"):
        rglm.glm(case["python"]["formula"], chunks, family="poisson")
    assert threading.active_count() == before


def test_a_chunk_split_over_threads_gives_the_same_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Large chunks read from files are summed in one row block per thread, in block order.
    from rglm.inference import outofcore

    monkeypatch.setattr(outofcore, "_MIN_BLOCK_ROWS", 4)
    monkeypatch.setattr(outofcore, "worker_threads", lambda: 3)
    m, m0, r, reads = fit_counting_reads("insurance_poisson_offset_formula")
    same_fit(m, m0)
    check_r(m, r)
    assert reads == m.iterations + 2
    # A bad row in the third block is named by its row in the data, not in its block.
    bad = pd.DataFrame({"y": [1.0] * 25 + [-1.0] + [1.0] * 4, "x": np.arange(30.0)})
    with pytest.raises(rglm.DomainError, match="row 25"):
        rglm.glm("y ~ x", lambda: iter([bad]), family="poisson")
