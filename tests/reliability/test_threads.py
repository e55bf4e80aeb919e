"""Concurrent fits agree with serial ones, and a fit leaves no global state changed."""

from __future__ import annotations

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

import rglm

MODELS = [
    ("cbind(numdead, numalive) ~ sex * ldose", "budworm", rglm.Binomial()),
    ("counts ~ C(outcome) + C(treatment)", "dobson", rglm.Poisson()),
    ("lot1 ~ log(u)", "clotting", rglm.Gamma()),
    ("incidents ~ type + C(year) + C(period) + offset(log(service))", "ships", rglm.Poisson()),
    ("breaks ~ wool * tension", "warpbreaks", rglm.QuasiPoisson()),
    ("mpg ~ wt + wt2 + hp", "mtcars", rglm.Gaussian()),
    ("Ozone ~ Temp + Wind", "airquality", rglm.Gamma(link="log")),
    ("cbind(ncases, ncontrols) ~ agegp + tobgp + alcgp", "esoph", rglm.Binomial(link="probit")),
]


def _fit(i: int) -> tuple[np.ndarray, np.ndarray, float, str, np.ndarray]:
    formula, data, family = MODELS[i % len(MODELS)]
    m = rglm.glm(formula, rglm.datasets.load(data), family=family)
    pred = m.predict(rglm.datasets.load(data).head(5), se_fit=True).to_numpy()
    return m.params.to_numpy(), m.bse.to_numpy(), m.deviance, str(m.summary()), pred


def test_threads_give_identical_results() -> None:
    serial = [_fit(i) for i in range(len(MODELS))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(_fit, range(4 * len(MODELS))))
    for i, got in enumerate(parallel):
        want = serial[i % len(MODELS)]
        np.testing.assert_array_equal(got[0], want[0])  # bit for bit, NaN where aliased
        np.testing.assert_array_equal(got[1], want[1])
        assert got[2] == want[2] and got[3] == want[3]
        np.testing.assert_array_equal(got[4], want[4])


def test_fit_leaves_no_global_state_changed() -> None:
    before_err = np.geterr()
    before_filters = list(warnings.filters)
    d = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1.0], "x": [1, 2, 3, 4, 5, 6.0]})
    with warnings.catch_warnings(record=True):  # this fit warns (separation); record, then compare state
        warnings.simplefilter("always")
        inner_filters = list(warnings.filters)
        m = rglm.glm("y ~ x", d, family=rglm.Binomial())
        m.summary()
        m.predict(d)
        assert list(warnings.filters) == inner_filters
    rglm.glm("log(y + 1) ~ x", d)
    rglm.glm("counts ~ C(outcome)", rglm.datasets.load("dobson"), family=rglm.Poisson()).predict(
        pd.DataFrame({"outcome": [1, None]})
    )
    assert np.geterr() == before_err
    assert list(warnings.filters) == before_filters


def test_warnings_of_one_thread_survive_profiling_in_another() -> None:
    """Every non-converged fit keeps its ConvergenceWarning, turned into an error by the caller,
    while another thread computes profile intervals (whose refits collect their own warnings)."""
    budworm = rglm.datasets.load("budworm")
    dobson = rglm.datasets.load("dobson")
    profiled = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", budworm, family=rglm.Binomial())
    want = profiled.conf_int(method="profile")
    stop = threading.Event()
    profiles: list[pd.DataFrame] = []

    def profile() -> None:
        while not stop.is_set():
            profiles.append(profiled.conf_int(method="profile"))

    def unconverged() -> int:
        raised = 0
        for _ in range(60):
            try:
                rglm.glm("counts ~ C(outcome) + C(treatment)", dobson, family=rglm.Poisson(), max_iter=1)
            except rglm.ConvergenceWarning:
                raised += 1
        return raised

    with warnings.catch_warnings():  # set once, before the threads start
        warnings.simplefilter("error", rglm.ConvergenceWarning)
        with ThreadPoolExecutor(max_workers=2) as pool:
            profiler = pool.submit(profile)
            try:
                raised = pool.submit(unconverged).result()
            finally:
                stop.set()
            profiler.result()
    assert raised == 60
    assert profiles
    for got in profiles:
        pd.testing.assert_frame_equal(got, want)
