"""rglm against statsmodels on real data: rglm's bundled datasets and the datasets that
ship with statsmodels (all load offline).

Each case is a published or textbook model (R's ?glm Dobson example, MASS's budworm,
ships, quine and insurance models, statsmodels' star98 / scotland / cpunish examples, ...)
written once for rglm and once for statsmodels, and every group of results is compared
(see ``_sm_parity.CHECKS``).  Dedicated tests cover the forms R handles before fitting:
rows dropped for missing values, ``subset=``, and zero prior weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import _sm_parity as P
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _sm_parity import Case, Fam
from scipy import stats

import rglm


def _r(name: str) -> Callable[[], pd.DataFrame]:
    return lambda: rglm.datasets.load(name)


def _sm(name: str, n: int | None = None) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        d = getattr(sm.datasets, name).load_pandas().data
        return d.iloc[:n].copy() if n else d.copy()

    return load


def rows(step: int = 3, **scale: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """New data: every ``step``-th row with some numeric covariates rescaled, so that the
    predictions are for covariate values the model was not fitted to."""

    def fn(d: pd.DataFrame) -> pd.DataFrame:
        nd = d.iloc[::step].copy()
        for col, factor in scale.items():
            nd[col] = nd[col] * factor
        return nd

    return fn


def _log(col: str) -> Callable[[pd.DataFrame], np.ndarray]:
    return lambda d: np.log(d[col].to_numpy(float))


STAR98 = (
    "LOWINC + PERASIAN + PERBLACK + PERHISP + PCTCHRT + PCTYRRND + PERMINTE*AVYRSEXP*AVSALK"
    " + PERSPENK*PTRATIO*PCTAF"
)
SCOTLAND = "COUTAX + UNEMPF + MOR + ACT + GDP + AGE + COUTAX_FEMALEUNEMP"
RANDHIE = "lncoins + idp + lpi + fmde + physlm + disea + hlthg + hlthf + hlthp"
BIRTHWT = "age + lwt + C(race) + smoke + ptl + ht + ui"
FAIR = "rate_marriage + age + yrs_married + children + religious + educ"


def _cases() -> list[Case]:  # noqa: C901 - one case table, read top to bottom
    c: list[Case] = []
    add = c.append

    # --- R's ?glm: Dobson's randomized controlled trial --------------------------------
    for fam in (
        Fam("poisson", "log"),
        Fam("poisson", "identity"),
        Fam("poisson", "sqrt"),
        Fam("quasipoisson", "log"),
        Fam("negbin", "log", theta=10.0),
        Fam("gaussian", "log"),
    ):
        add(
            Case(
                f"dobson-{fam.label}",
                fam,
                _r("dobson"),
                "counts ~ C(outcome) + C(treatment)",
                "counts ~ C(outcome) + C(treatment)",
                newdata=rows(2),
            )
        )

    # --- MASS budworm: cbind() response, every binomial link ---------------------------
    for fam in (
        Fam("binomial", "logit"),
        Fam("binomial", "probit"),
        Fam("binomial", "cloglog"),
        Fam("binomial", "cauchit"),
        Fam("quasibinomial", "logit"),
        Fam("quasibinomial", "probit"),
    ):
        add(
            Case(
                f"budworm-{fam.label}",
                fam,
                _r("budworm"),
                "cbind(numdead, numalive) ~ sex * ldose",
                "numdead + numalive ~ sex * ldose",
                counts=P.cbind_counts("numdead", "numalive"),
                sm_two_column=True,
                binomial_form="cbind",
                newdata=rows(2, ldose=1.1),
            )
        )
    # the same model as a proportion with the trials as prior weights
    for link in ("logit", "cloglog"):
        add(
            Case(
                f"budworm-proportion-binomial-{link}",
                Fam("binomial", link),
                _r("budworm"),
                "prop ~ sex * ldose",
                "prop ~ sex * ldose",
                weights="total",
                counts=P.proportion_counts("prop", "total"),
                binomial_form="proportion",
                newdata=rows(2, ldose=1.1),
            )
        )
    # binomial log link: the probabilities stay below one at low doses
    add(
        Case(
            "budworm-low-dose-binomial-log",
            Fam("binomial", "log"),
            lambda: rglm.datasets.load("budworm").query("ldose <= 3").reset_index(drop=True),
            "cbind(numdead, numalive) ~ sex + ldose",
            "numdead + numalive ~ sex + ldose",
            counts=P.cbind_counts("numdead", "numalive"),
            sm_two_column=True,
            binomial_form="cbind",
            newdata=rows(2, ldose=0.9),
        )
    )

    # --- esoph: case-control counts with three factors ---------------------------------
    for fam in (Fam("binomial", "logit"), Fam("quasibinomial", "logit")):
        add(
            Case(
                f"esoph-{fam.label}",
                fam,
                _r("esoph"),
                "cbind(ncases, ncontrols) ~ agegp + tobgp + alcgp",
                "ncases + ncontrols ~ agegp + tobgp + alcgp",
                counts=P.cbind_counts("ncases", "ncontrols"),
                sm_two_column=True,
                binomial_form="cbind",
                newdata=rows(5),
            )
        )

    # --- mtcars: continuous responses with every Gaussian / Gamma / IG link ------------
    for fam in (
        Fam("gaussian", "identity"),
        Fam("gaussian", "log"),
        Fam("gaussian", "inverse"),
        Fam("gamma", "inverse"),
        Fam("gamma", "log"),
        Fam("gamma", "identity"),
        Fam("inverse_gaussian", "1/mu^2"),
        Fam("inverse_gaussian", "inverse"),
        Fam("inverse_gaussian", "log"),
        Fam("inverse_gaussian", "identity"),
        Fam("quasi", "log", variance="mu^2"),
    ):
        add(
            Case(
                f"mtcars-{fam.label}",
                fam,
                _r("mtcars"),
                "mpg ~ wt + hp + C(cyl)",
                "mpg ~ wt + hp + C(cyl)",
                newdata=rows(3, wt=1.05, hp=0.95),
            )
        )
    for fam in (Fam("binomial", "logit"), Fam("binomial", "probit")):
        add(
            Case(
                f"mtcars-am-{fam.label}",
                fam,
                _r("mtcars"),
                "am ~ wt",
                "am ~ wt",
                counts=P.bernoulli_counts("am"),
                binomial_form="bernoulli",
                newdata=rows(3, wt=1.05),
            )
        )
    # no intercept (R's null model is then mu = linkinv(0), not a fitted constant)
    add(
        Case(
            "mtcars-no-intercept-gaussian-identity",
            Fam("gaussian", "identity"),
            _r("mtcars"),
            "mpg ~ 0 + wt + hp",
            "mpg ~ 0 + wt + hp",
            intercept=False,
            newdata=rows(3, wt=1.05),
        )
    )
    add(
        Case(
            "mtcars-no-intercept-gamma-log",
            Fam("gamma", "log"),
            _r("mtcars"),
            "mpg ~ wt + qsec - 1",
            "mpg ~ wt + qsec - 1",
            intercept=False,
            newdata=rows(3, wt=1.05),
        )
    )
    # no intercept with an offset: R's null model is mu = exp(offset)
    add(
        Case(
            "ships-no-intercept-poisson-log",
            Fam("poisson", "log"),
            _r("ships"),
            "incidents ~ 0 + C(type) + C(period) + offset(log(service))",
            "incidents ~ 0 + C(type) + C(period)",
            sm_offset=_log("service"),
            intercept=False,
            newdata=rows(3, service=1.5),
        )
    )

    # --- trees: bare log() transforms ----------------------------------------------------
    for fam in (
        Fam("gamma", "log"),
        Fam("gaussian", "log"),
        Fam("inverse_gaussian", "log"),
        Fam("gaussian", "identity"),
    ):
        add(
            Case(
                f"trees-{fam.label}",
                fam,
                _r("trees"),
                "Volume ~ log(Girth) + log(Height)",
                "Volume ~ np.log(Girth) + np.log(Height)",
                newdata=rows(4, Girth=1.1),
            )
        )

    # --- McCullagh & Nelder clotting times ---------------------------------------------
    # (inverse_gaussian-1/mu^2 is not used here: statsmodels' IRLS steps out of the link's
    # domain on these 9 rows -- "NaN, inf or invalid value detected in weights".)
    for fam in (Fam("gamma", "inverse"), Fam("gamma", "log"), Fam("quasi", "inverse", variance="mu^2")):
        add(
            Case(
                f"clotting-{fam.label}",
                fam,
                _r("clotting"),
                "lot1 ~ log(u)",
                "lot1 ~ np.log(u)",
                newdata=rows(2, u=1.2),
            )
        )

    # --- MASS quine: negative binomial with MASS's theta -------------------------------
    for fam in (
        Fam("negbin", "log", theta=1.275),
        Fam("negbin", "sqrt", theta=1.275),
        Fam("poisson", "log"),
        Fam("quasipoisson", "log"),
    ):
        add(
            Case(
                f"quine-{fam.label}",
                fam,
                _r("quine"),
                "Days ~ Eth + Sex + Age + Lrn",
                "Days ~ Eth + Sex + Age + Lrn",
                newdata=rows(7),
            )
        )

    # --- MASS ships: offset(log(service)) -------------------------------------------------
    for fam in (Fam("poisson", "log"), Fam("quasipoisson", "log"), Fam("negbin", "log", theta=5.0)):
        add(
            Case(
                f"ships-{fam.label}",
                fam,
                _r("ships"),
                "incidents ~ C(type) + C(year) + C(period) + offset(log(service))",
                "incidents ~ C(type) + C(year) + C(period)",
                sm_offset=_log("service"),
                newdata=rows(3, service=1.5),
            )
        )

    # --- MASS Insurance: offset as a formula term and as offset= -------------------------
    add(
        Case(
            "insurance-poisson-log",
            Fam("poisson", "log"),
            _r("insurance"),
            "Claims ~ C(District) + Group + Age + offset(log(Holders))",
            "Claims ~ C(District) + Group + Age",
            sm_offset=_log("Holders"),
            newdata=rows(4, Holders=2.0),
        )
    )
    add(
        Case(
            "insurance-offset-arg-negbin-log",
            Fam("negbin", "log", theta=30.0),
            lambda: rglm.datasets.load("insurance").assign(logH=lambda d: np.log(d.Holders)),
            "Claims ~ C(District) + Group + Age",
            "Claims ~ C(District) + Group + Age",
            roffset="logH",
            sm_offset=lambda d: d["logH"].to_numpy(),
            newdata=rows(4, logH=1.1),
        )
    )

    # --- warpbreaks / InsectSprays: counts against factors -------------------------------
    for fam in (
        Fam("poisson", "log"),
        Fam("poisson", "sqrt"),
        Fam("poisson", "identity"),
        Fam("quasipoisson", "log"),
        Fam("negbin", "log", theta=7.0),
        Fam("gamma", "log"),
        Fam("gaussian", "identity"),
    ):
        add(
            Case(
                f"warpbreaks-{fam.label}",
                fam,
                _r("warpbreaks"),
                "breaks ~ wool * tension",
                "breaks ~ wool * tension",
                newdata=rows(5),
            )
        )
    for fam in (Fam("poisson", "sqrt"), Fam("poisson", "identity"), Fam("quasipoisson", "sqrt")):
        add(
            Case(
                f"insectsprays-{fam.label}",
                fam,
                _r("insectsprays"),
                "count ~ spray",
                "count ~ spray",
                newdata=rows(6),
            )
        )

    # --- infert / birthwt: 0/1 responses -------------------------------------------------
    for fam in (
        Fam("binomial", "logit"),
        Fam("binomial", "probit"),
        Fam("binomial", "cloglog"),
        Fam("binomial", "cauchit"),
    ):
        add(
            Case(
                f"infert-{fam.label}",
                fam,
                _r("infert"),
                "case ~ spontaneous + induced + age",
                "case ~ spontaneous + induced + age",
                counts=P.bernoulli_counts("case"),
                binomial_form="bernoulli",
                newdata=rows(9, age=1.1),
            )
        )
    add(
        Case(
            "birthwt-binomial-logit",
            Fam("binomial", "logit"),
            _r("birthwt"),
            f"low ~ {BIRTHWT}",
            f"low ~ {BIRTHWT}",
            counts=P.bernoulli_counts("low"),
            binomial_form="bernoulli",
            newdata=rows(9, lwt=1.1),
        )
    )
    for fam in (Fam("gaussian", "identity"), Fam("gamma", "log")):
        add(
            Case(
                f"birthwt-bwt-{fam.label}",
                fam,
                _r("birthwt"),
                f"bwt ~ {BIRTHWT}",
                f"bwt ~ {BIRTHWT}",
                newdata=rows(9, lwt=1.1),
            )
        )

    # --- statsmodels datasets -----------------------------------------------------------
    for fam in (
        Fam("binomial", "logit"),
        Fam("binomial", "probit"),
        Fam("binomial", "cloglog"),
        Fam("binomial", "cauchit"),
        Fam("quasibinomial", "logit"),
    ):
        add(
            Case(
                f"star98-{fam.label}",
                fam,
                _sm("star98"),
                f"cbind(NABOVE, NBELOW) ~ {STAR98}",
                f"NABOVE + NBELOW ~ {STAR98}",
                counts=P.cbind_counts("NABOVE", "NBELOW"),
                sm_two_column=True,
                binomial_form="cbind",
                newdata=rows(10, LOWINC=1.05),
            )
        )
    for fam in (
        Fam("gamma", "inverse"),
        Fam("gamma", "log"),
        Fam("gaussian", "identity"),
        Fam("inverse_gaussian", "log"),
    ):
        add(
            Case(
                f"scotland-{fam.label}",
                fam,
                _sm("scotland"),
                f"YES ~ {SCOTLAND}",
                f"YES ~ {SCOTLAND}",
                newdata=rows(4, COUTAX=1.05),
            )
        )
    for fam in (Fam("poisson", "log"), Fam("quasipoisson", "log"), Fam("negbin", "log", theta=2.0)):
        add(
            Case(
                f"cpunish-{fam.label}",
                fam,
                _sm("cpunish"),
                "EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + log(VC100k96) + SOUTH + DEGREE",
                "EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + np.log(VC100k96) + SOUTH + DEGREE",
                newdata=rows(3, INCOME=1.05),
            )
        )
    for fam in (Fam("poisson", "log"), Fam("negbin", "log", theta=0.9), Fam("quasipoisson", "log")):
        add(
            Case(
                f"randhie-{fam.label}",
                fam,
                _sm("randhie", 4000),
                f"mdvis ~ {RANDHIE}",
                f"mdvis ~ {RANDHIE}",
                newdata=rows(200, lpi=1.1),
            )
        )
    add(
        Case(
            "anes96-binomial-logit",
            Fam("binomial", "logit"),
            _sm("anes96"),
            "vote ~ logpopul + TVnews + PID + age + educ + income",
            "vote ~ logpopul + TVnews + PID + age + educ + income",
            counts=P.bernoulli_counts("vote"),
            binomial_form="bernoulli",
            newdata=rows(40, age=1.1),
        )
    )
    for fam in (Fam("binomial", "probit"), Fam("binomial", "logit")):
        add(
            Case(
                f"spector-{fam.label}",
                fam,
                _sm("spector"),
                "GRADE ~ GPA + TUCE + PSI",
                "GRADE ~ GPA + TUCE + PSI",
                counts=P.bernoulli_counts("GRADE"),
                binomial_form="bernoulli",
                newdata=rows(4, GPA=0.95),
            )
        )
    for fam in (Fam("gaussian", "log"), Fam("gamma", "identity")):
        add(
            Case(
                f"copper-{fam.label}",
                fam,
                _sm("copper"),
                "WORLDCONSUMPTION ~ COPPERPRICE + INCOMEINDEX + ALUMPRICE + INVENTORYINDEX + TIME",
                "WORLDCONSUMPTION ~ COPPERPRICE + INCOMEINDEX + ALUMPRICE + INVENTORYINDEX + TIME",
                newdata=rows(4, COPPERPRICE=1.05),
            )
        )
    add(
        Case(
            "committee-negbin-log",
            Fam("negbin", "log", theta=5.0),
            _sm("committee"),
            "BILLS104 ~ SIZE + SUBS + STAFF + PRESTIGE + log(BILLS103 + 1)",
            "BILLS104 ~ SIZE + SUBS + STAFF + PRESTIGE + np.log(BILLS103 + 1)",
            newdata=rows(3, SIZE=1.1),
        )
    )
    # Longley: the classic ill-conditioned regression (condition number ~ 5e9)
    add(
        Case(
            "longley-gaussian-identity",
            Fam("gaussian", "identity"),
            _sm("longley"),
            "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR",
            "TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR",
            newdata=rows(3, GNP=1.01),
        )
    )
    # Fair's affairs: a continuous response with many zeros, the Tweedie use case
    for fam in (
        Fam("tweedie", "log", var_power=1.5, sm_as="tweedie"),
        Fam("tweedie", "log", var_power=1.3, sm_as="tweedie"),
        Fam("quasipoisson", "log"),
    ):
        add(
            Case(
                f"fair-{fam.label}",
                fam,
                _sm("fair", 3000),
                f"affairs ~ {FAIR}",
                f"affairs ~ {FAIR}",
                newdata=rows(150, age=1.1),
            )
        )
    for fam in (Fam("gamma", "log"), Fam("gaussian", "identity")):
        add(
            Case(
                f"engel-{fam.label}",
                fam,
                _sm("engel"),
                "foodexp ~ log(income)",
                "foodexp ~ np.log(income)",
                newdata=rows(20, income=1.1),
            )
        )
    # cancer deaths against population: an intercept-only rate model (offset only) and a
    # log-population slope
    add(
        Case(
            "cancer-rate-poisson-log",
            Fam("poisson", "log"),
            _sm("cancer"),
            "cancer ~ 1 + offset(log(population))",
            "cancer ~ 1",
            sm_offset=_log("population"),
            newdata=rows(30, population=2.0),
        )
    )
    add(
        Case(
            "cancer-poisson-log",
            Fam("poisson", "log"),
            _sm("cancer"),
            "cancer ~ log(population)",
            "cancer ~ np.log(population)",
            newdata=rows(30, population=2.0),
        )
    )

    # --- rows rglm drops itself ---------------------------------------------------------
    # airquality: NA in Ozone (and Solar.R, not used) -- na_action="omit"
    for fam in (Fam("gamma", "log"), Fam("gaussian", "identity"), Fam("poisson", "log")):
        add(
            Case(
                f"airquality-na-omit-{fam.label}",
                fam,
                _r("airquality"),
                "Ozone ~ Wind + Temp + C(Month)",
                "Ozone ~ Wind + Temp + C(Month)",
                sm_rows=lambda d: d.dropna(subset=["Ozone"]),
                newdata=lambda d: d.dropna(subset=["Ozone"]).iloc[::10].assign(Wind=lambda t: t.Wind * 1.1),
            )
        )
    # subset=: a query string
    add(
        Case(
            "warpbreaks-subset-poisson-log",
            Fam("poisson", "log"),
            _r("warpbreaks"),
            "breaks ~ tension",
            "breaks ~ tension",
            rglm_kwargs=(("subset", "wool == 'A'"),),
            sm_rows=lambda d: d[d.wool == "A"],
            newdata=rows(5),
        )
    )
    # Titanic cell counts as prior weights: 8 cells have Freq = 0; R keeps them as
    # zero-weight rows (fitted, not counted), statsmodels is given the other rows.
    add(
        Case(
            "titanic-zero-weights-binomial-logit",
            Fam("binomial", "logit"),
            _r("titanic"),
            "Survived ~ Class + Sex + Age",
            "Survived ~ Class + Sex + Age",
            weights="Freq",
            counts=P.bernoulli_counts("Survived", "Freq"),
            binomial_form="bernoulli",
            sm_rows=lambda d: d[d.Freq > 0],
            zero_weight_rows=True,
            newdata=rows(3),
        )
    )
    return c


CASES = _cases()
IDS = [c.id for c in CASES]
assert len(set(IDS)) == len(IDS), "duplicate case ids"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_coefficients(case: Case) -> None:
    P.check_coefficients(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_covariance(case: Case) -> None:
    P.check_covariance(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pvalues(case: Case) -> None:
    P.check_pvalues(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conf_int(case: Case) -> None:
    P.check_conf_int(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_deviance(case: Case) -> None:
    P.check_deviance(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_dispersion(case: Case) -> None:
    P.check_dispersion(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fitted(case: Case) -> None:
    P.check_fitted(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_residuals(case: Case) -> None:
    P.check_residuals(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_predict_insample(case: Case) -> None:
    P.check_predict_insample(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_predict_newdata(case: Case) -> None:
    P.check_predict_newdata(P.fit_case(case))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_likelihood(case: Case) -> None:
    P.check_likelihood(P.fit_case(case))


# -----------------------------------------------------------------------------------------
# the rows R handles before fitting
# -----------------------------------------------------------------------------------------


def _case(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)


def test_na_omit_drops_exactly_the_incomplete_rows() -> None:
    f = P.fit_case(_case("airquality-na-omit-gamma-log"))
    complete = f.data.dropna(subset=["Ozone"])
    assert f.m.n_dropped == len(f.data) - len(complete) > 0
    pd.testing.assert_index_equal(f.m.fittedvalues.index, complete.index)
    assert f.m.nobs == f.s.nobs == len(complete)
    with pytest.raises(rglm.DataError):
        rglm.glm("Ozone ~ Wind + Temp", f.data, family=rglm.Gamma(link="log"), na_action="fail")


def test_zero_weight_rows_are_fitted_but_not_counted() -> None:
    """R keeps zero-weight rows: they get fitted values and response/working residuals,
    their Pearson and deviance residuals are 0, and they count neither in nobs/df_resid nor
    in the deviance; the fit equals statsmodels' fit without those rows."""
    f = P.fit_case(_case("titanic-zero-weights-binomial-logit"))
    zero = f.data["Freq"].to_numpy() == 0
    assert zero.sum() > 0
    m = f.m
    assert len(m.fittedvalues) == len(f.data)
    assert m.nobs == int((~zero).sum()) == f.s.nobs
    assert m.df_resid == f.s.df_resid
    assert np.all(m.resid_pearson.to_numpy()[zero] == 0)
    assert np.all(m.resid_deviance.to_numpy()[zero] == 0)
    # the zero-weight rows are predicted like new data
    pred = f.s.predict(f.data[zero])
    P.close(m.fittedvalues.to_numpy()[zero], np.asarray(pred), "fitted values of zero-weight rows")
    # R's binomial initialize sets y[weights == 0] <- 0, so their response residual is -mu
    # whatever the recorded outcome (two of these rows have Survived = 1).
    assert f.data["Survived"].to_numpy()[zero].any()
    P.close(m.resid_response.to_numpy()[zero], -np.asarray(pred), "response residuals of zero-weight rows")
    # R's BIC counts every row of logLik (glm.fit computes residuals for zero-weight rows too)
    P.close(m.bic, -2 * m.llf + math.log(len(f.data)) * m.rank, "bic")


def test_subset_equals_fit_on_the_selected_rows() -> None:
    f = P.fit_case(_case("warpbreaks-subset-poisson-log"))
    direct = rglm.glm("breaks ~ tension", f.data[f.data.wool == "A"], family=rglm.Poisson(), tol=P.FIT_TOL)
    P.close(f.m.params, direct.params, "params")
    P.close(f.m.null_deviance, f.s.null_deviance, "null deviance")
    pd.testing.assert_index_equal(f.m.fittedvalues.index, f.smdata.index)


def test_ill_conditioned_longley_matches_nist_certified_values() -> None:
    """Longley is NIST's StRD test of least squares accuracy; both packages must reproduce
    the certified coefficients (to 1e-6 relative, far less than a QR solver achieves)."""
    f = P.fit_case(_case("longley-gaussian-identity"))
    certified = [
        -3482258.63459582,
        15.0618722713733,
        -0.358191792925910e-01,
        -2.02022980381683,
        -1.03322686717359,
        -0.511041056535807e-01,
        1829.15146461355,
    ]
    P.close(f.m.params, certified, "params vs NIST certified values")
    P.close(
        f.m.bse,
        [
            890420.383607373,
            84.9149257747669,
            0.334910077722432e-01,
            0.488399681651699,
            0.214274163161675,
            0.226073200069370,
            455.478499142212,
        ],
        "bse vs NIST",
    )
    P.close(f.m.deviance, 836424.055505915, "residual sum of squares vs NIST")


def test_every_family_and_link_has_a_real_data_case() -> None:
    """Every family x allowed link is fitted to at least one real dataset, except those
    with no natural real-data example here, which the generated-data suite covers."""
    covered = {(c.fam.family, c.fam.link) for c in CASES}
    generated_only = {
        ("quasibinomial", "cloglog"),
        ("quasibinomial", "cauchit"),
        ("quasibinomial", "log"),
        ("quasipoisson", "identity"),
        ("negbin", "identity"),
        ("gamma", "identity"),
    }
    for family, links in P.ALLOWED_LINKS.items():
        for link in links:
            if (family, link) not in generated_only:
                assert (family, link) in covered, (family, link)


def test_pvalue_reference_uses_t_for_estimated_dispersion() -> None:
    """For an estimated dispersion rglm's p-values are R's t-based ones, which differ from
    statsmodels' default normal-based p-values by more than rounding."""
    f = P.fit_case(_case("clotting-gamma-inverse"))  # 9 rows: t on 7 df
    t = f.m.tvalues.to_numpy()
    P.close(f.m.pvalues, 2 * stats.t.sf(np.abs(t), f.m.df_resid), "t-based p-values")
    # t on 7 df has far heavier tails than statsmodels' default normal reference
    assert np.all(f.m.pvalues.to_numpy() > 100 * f.s.pvalues.to_numpy()[P.sm_order(f)])
