"""Dask DataFrames fitted on a two-worker distributed.LocalCluster equal the in-memory fit."""

from __future__ import annotations

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
