"""Dask DataFrames fitted on a two-worker distributed.LocalCluster equal the in-memory fit."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _outofcore import close, same_fit

import rglm

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
        client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.mark.parametrize(
    ("name", "formula", "family", "kw"),
    [
        ("insurance", "Claims ~ District + Group + Age + offset(log(Holders))", rglm.Poisson(), {}),
        ("budworm", "cbind(numdead, numalive) ~ sex * ldose", rglm.Binomial(link="probit"), {}),
        ("mtcars", "mpg ~ wt + I(2 * wt) + C(cyl)", rglm.Gamma(link="log"), {"weights": "disp"}),
    ],
    ids=["poisson-offset", "binomial-cbind", "gamma-weights-aliased"],
)
def test_dask_fit_on_a_local_cluster_equals_in_memory(
    client: Any, name: str, formula: str, family: rglm.Family, kw: dict[str, Any]
) -> None:
    df = rglm.datasets.load(name)
    ddf = dd.from_pandas(df, npartitions=3)
    m = rglm.glm(formula, ddf, family=family, **kw)
    same_fit(m, rglm.glm(formula, df, family=family, **kw))


def test_dask_per_row_values_and_predictions(client: Any, tmp_path: Path) -> None:
    df = rglm.datasets.load("warpbreaks")
    ddf = dd.from_pandas(df, npartitions=2)
    m0 = rglm.glm("breaks ~ wool + tension", df, family="quasipoisson")
    m = rglm.glm("breaks ~ wool + tension", ddf, family="quasipoisson")
    rows = pd.concat(list(m.iter_rows(["fitted", "hat"])))
    close(rows["fitted"].sort_index(), m0.fittedvalues)
    close(rows["hat"].sort_index(), m0.influence()["hat"])
    out = tmp_path / "p.parquet"
    assert m.predict_to(out) == len(df)
    close(pd.read_parquet(out)["fit"].to_numpy(), np.asarray(m0.predict(df)))
    a0, a = rglm.anova(m0, test="F"), rglm.anova(m, test="F")
    close(a.to_numpy(dtype=float), a0.to_numpy(dtype=float))


def _scheduler_tasks(client: Any) -> int:
    n: int = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
    return n


@pytest.mark.parametrize("scheduler", ["distributed", "threads"])
def test_kept_model_rows_give_the_fit_bit_for_bit_and_are_released(client: Any, scheduler: str) -> None:
    import dask

    from rglm.backends.dask import DaskExecutor

    df = rglm.datasets.load("insurance")
    ddf = dd.from_pandas(df, npartitions=4)
    formula = "Claims ~ District + Group + Age + offset(log(Holders))"
    config: dict[str, Any] = {} if scheduler == "distributed" else {"scheduler": "threads"}
    fits = {}
    for keep in (False, None):  # off, and the default (these rows are small enough to keep)
        with dask.config.set({**config, "rglm.persist": keep}):
            fits[keep] = rglm.glm(formula, ddf, family=rglm.Poisson())
    off, kept = fits[False], fits[None]
    ex_off, ex_kept = off.model_frame.executor, kept.model_frame.executor
    assert isinstance(ex_off, DaskExecutor) and isinstance(ex_kept, DaskExecutor)
    assert ex_off.kept_passes == 0
    # The start pass reads, the first iteration reads and keeps, every later pass sums kept rows.
    assert ex_kept.kept_passes == kept.fit.passes - 2 > 0
    assert off.fit.passes == kept.fit.passes
    np.testing.assert_array_equal(kept.params.to_numpy(), off.params.to_numpy())
    np.testing.assert_array_equal(kept.bse.to_numpy(), off.bse.to_numpy())
    for name in ("deviance", "null_deviance", "aic", "pearson_chi2"):
        assert getattr(kept, name) == getattr(off, name), name
    same_fit(kept, rglm.glm(formula, df, family=rglm.Poisson()))
    # The fit ended: nothing is kept, on this process or on the workers.
    assert ex_kept._kept is None
    if scheduler == "distributed":
        deadline = time.monotonic() + 5
        while _scheduler_tasks(client) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _scheduler_tasks(client) == 0


def test_model_rows_too_large_for_the_workers_are_not_kept(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rglm.backends import dask as backend

    monkeypatch.setattr(backend, "WORKER_KEEP_SHARE", 1e-12)
    df = rglm.datasets.load("insurance")
    m = rglm.glm("Claims ~ District + Age", dd.from_pandas(df, npartitions=2), family=rglm.Poisson())
    assert m.model_frame.executor.kept_passes == 0
    same_fit(m, rglm.glm("Claims ~ District + Age", df, family=rglm.Poisson()))
