"""Analysis of deviance, as R's ``anova.glm`` and ``anova.glmlist``.

One model gives the sequential table: the terms are added one at a time, in the formula's
order, by refitting the model's family to the model's own rows with the columns of the
first :math:`k` terms (R's ``x[, varseq <= k]``), and each row reports the drop in deviance
:math:`D_{k-1} - D_k` on :math:`\\mathrm{df}_{k-1} - \\mathrm{df}_k` degrees of freedom.
Several models give one row per model and the differences between consecutive models.

Tests (R's ``stat.anova``), with :math:`\\phi` the dispersion of the largest model:

* ``"Chisq"``/``"LRT"``: :math:`P(\\chi^2_{\\mathrm{df}} > \\Delta D/\\phi)`;
* ``"F"``: :math:`F = (\\Delta D/\\mathrm{df})/\\phi` on :math:`(\\mathrm{df}, \\nu)`
  degrees of freedom, :math:`\\nu` the residual df of the largest model when :math:`\\phi`
  is estimated and :math:`\\infty` when it is known;
* ``"Rao"``: the score statistic, the weighted regression sum of squares of the smaller
  model's working residuals on the larger model's columns (with the smaller model's working
  weights), referred to :math:`\\chi^2` after division by :math:`\\phi`;
* ``"Cp"``: Mallows' :math:`C_p = D + 2\\phi\\,(n - \\mathrm{df})`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
from scipy import special

from rglm.exceptions import AnovaWarning, ArgumentError, DataError, warn
from rglm.families.family import Gaussian
from rglm.fit.irls import IRLSControl, irls
from rglm.frame.formula import response_label
from rglm.inference.multinom import anova_multinom
from rglm.inference.polr import anova_polr
from rglm.inference.refit import refit
from rglm.inference.scope import shown_formula
from rglm.numerics import rmath as _rmath
from rglm.results.glm import GLMStatistics
from rglm.results.multinom import MultinomStatistics
from rglm.results.polr import PolrStatistics
from rglm.results.table import AnovaTable, deparse_formula, na_vector

if TYPE_CHECKING:
    from rglm.numerics.design import Design

FloatArray = npt.NDArray[np.float64]

__all__ = ["anova"]

TESTS = ("Chisq", "LRT", "F", "Rao", "Cp")

#: The module holding MASS's comparison of negative binomial fits with theta estimated.
_NEGBIN_TESTS = "rglm.inference.negbin"


def anova(
    model: GLMStatistics,
    *models: GLMStatistics,
    test: str | bool | None = None,
    dispersion: float | None = None,
) -> AnovaTable:
    """Analysis of deviance for one or more fitted models, as R's ``anova``.

    Parameters
    ----------
    model, *models : GLMStatistics
        One model gives the sequential table (terms added first to last); several give
        the comparison of consecutive models, which must be fitted to the same rows.
    test : {"Chisq", "LRT", "F", "Rao", "Cp"}, False or "none", optional
        By default (R >= 4.4) ``"Chisq"`` when the dispersion is known (binomial, Poisson,
        or a fixed ``dispersion``) and ``"F"`` when it is estimated; ``False`` or
        ``"none"`` for no test.
    dispersion : float, optional
        Use this dispersion instead of the model's (it is then treated as known).

    Returns
    -------
    AnovaTable
        Single model: rows ``NULL`` and each term label, columns ``Df``, ``Deviance``,
        ``Resid. Df``, ``Resid. Dev`` then the test's columns (``Pr(>Chi)``; ``F`` and
        ``Pr(>F)``; ``Rao`` and ``Pr(>Chi)``; ``Cp``).  Several models: rows 1, 2, ...,
        columns ``Resid. Df``, ``Resid. Dev``, ``Df``, ``Deviance`` then the test's.

    Notes
    -----
    A supplied ``dispersion`` is known, so an F test then has infinite denominator degrees
    of freedom, as in R before 4.4 (R 4.4 uses the residual df for families whose
    dispersion is estimated).  Comparing several negative binomial fits whose
    :math:`\\theta` was estimated is delegated to :func:`rglm.inference.negbin.anova_negbin`
    (likelihood-ratio tests re-estimating :math:`\\theta`, as MASS's ``anova.negbin``); one
    such fit is tested with :math:`\\theta` held at its estimate, as MASS does.

    Examples
    --------
    >>> import rglm
    >>> m = rglm.glm("counts ~ C(outcome) + C(treatment)", rglm.datasets.load("dobson"), family="poisson")
    >>> a = rglm.anova(m)
    >>> list(a.columns)
    ['Df', 'Deviance', 'Resid. Df', 'Resid. Dev', 'Pr(>Chi)']
    """

    everything = [model, *models]
    if any(isinstance(m, MultinomStatistics) for m in everything):
        # nnet's anova.multinom: likelihood-ratio tests between multinom fits.
        return anova_multinom(everything, "Chisq" if test is None else test)  # type: ignore[arg-type]
    if any(isinstance(m, PolrStatistics) for m in everything):
        # MASS's anova.polr: likelihood-ratio tests between polr fits.
        kind = "Chisq" if test is None else "none" if test is False else str(test)
        return anova_polr(everything, kind)  # type: ignore[arg-type]
    for i, m in enumerate(everything):
        if not isinstance(m, GLMStatistics):
            raise ArgumentError(
                f"anova compares fitted models (GLMResult); argument {i + 1} is a {type(m).__name__}"
            )
    chosen = _check_test(test)
    if dispersion is not None and not (float(dispersion) > 0 and math.isfinite(float(dispersion))):
        raise ArgumentError(f"dispersion must be a positive number, got {dispersion!r}")
    if models:
        nb = [_estimates_theta(m) for m in everything]
        if nb[0] and not all(nb):
            raise ArgumentError(
                "the first model is a negative binomial fit with estimated theta, but not all the "
                "others are; compare such fits only with each other"
            )
        if all(nb):
            try:
                # Looked up when needed, so anova() still works where MASS's comparison is absent.
                anova_negbin = importlib.import_module(_NEGBIN_TESTS).anova_negbin
            except (ImportError, AttributeError) as exc:
                raise ArgumentError(
                    "comparing negative binomial fits with estimated theta needs "
                    f"{_NEGBIN_TESTS}.anova_negbin, which this installation does not "
                    "have"
                ) from exc
            return cast(AnovaTable, anova_negbin(everything, test))
        return _anova_list(everything, chosen, dispersion)
    return _anova_one(model, chosen, dispersion)


def _check_test(test: str | bool | None) -> str | bool | None:
    """None (the default), False (no test) or one of R's test names."""
    if test is None or test is False:
        return test
    if test is True:
        raise ArgumentError(f"test must be one of {', '.join(TESTS)}, False or 'none'; got True")
    if isinstance(test, str):
        if test.lower() == "none":
            return False
        if test in TESTS:
            return test
    raise ArgumentError(
        f"unknown test {test!r}; use one of {', '.join(repr(t) for t in TESTS)}, False or 'none'"
    )


def _estimates_theta(m: GLMStatistics) -> bool:
    """A negative binomial fit whose theta was estimated (MASS's ``negbin`` class)."""
    return m.theta_se is not None


# -- shared computations --------------------------------------------------------------------------
def score_statistic(
    design: Design,
    resid: FloatArray,
    weights: FloatArray,
    *,
    intercept: bool,
    offset: FloatArray | None = None,
) -> float:
    """Rao's score statistic as R computes it: a Gaussian ``glm.fit`` of the working residuals
    ``resid`` on ``design`` with the working weights, whose null deviance minus deviance is the
    weighted regression sum of squares.

    The null deviance follows ``glm.fit``: about the weighted mean of ``resid`` with an
    intercept, about ``offset`` (zero by default) without one; ``offset`` enters only the
    deviance, as in R's ``add1.glm``.
    """
    fit = irls(design, resid, Gaussian(), weights=weights, offset=offset, control=IRLSControl())
    if intercept:
        centre = np.full_like(resid, _rmath.rsum(weights * resid) / _rmath.rsum(weights))
    else:
        centre = np.zeros_like(resid) if offset is None else offset
    null = _rmath.rsum(weights * (resid - centre) ** 2)
    return null - fit.deviance


def chisq_pvalues(stat: FloatArray, df: FloatArray) -> FloatArray:
    """:math:`P(\\chi^2_{df} > stat)`; R's NA where ``stat`` or ``df`` is NA."""
    out = na_vector(stat.size)
    ok = ~np.isnan(df)
    ok[ok] = df[ok] > 0
    ok &= ~(_is_na(stat))
    with np.errstate(invalid="ignore"):
        out[ok] = special.chdtrc(df[ok], stat[ok])
    return out


def f_pvalues(stat: FloatArray, df1: FloatArray, df2: float | FloatArray) -> FloatArray:
    """:math:`P(F_{df_1, df_2} > stat)`, with :math:`df_2 = \\infty` as the :math:`\\chi^2` limit;
    R's NA where ``stat`` or ``df1`` is NA."""
    out = na_vector(stat.size)
    d2 = np.broadcast_to(np.asarray(df2, dtype=np.float64), stat.shape)
    ok = ~np.isnan(df1)
    ok[ok] = df1[ok] > 0
    ok &= ~_is_na(stat)
    with np.errstate(invalid="ignore", divide="ignore"):
        inf = ok & np.isinf(d2)
        out[inf] = special.chdtrc(df1[inf], stat[inf] * df1[inf])
        fin = ok & ~np.isinf(d2)
        out[fin] = special.fdtrc(df1[fin], d2[fin], stat[fin])
    return out


def _is_na(x: FloatArray) -> npt.NDArray[np.bool_]:
    """R's NA (a NaN with R's payload), as opposed to a NaN from arithmetic."""
    bits = np.asarray(x, dtype=np.float64).view(np.uint64)
    na: npt.NDArray[np.bool_] = np.isnan(x) & ((bits & np.uint64(0xFFFFFFFF)) == np.uint64(1954))
    return na


def _stat_anova(
    columns: dict[str, FloatArray], test: str, scale: float, df_scale: float, n: int
) -> dict[str, FloatArray]:
    """R's ``stat.anova``: the test's columns for a table with ``Df`` and ``Deviance`` (or
    ``Rao``) columns; ``Df`` 0 or a negative statistic gives NA rather than p = 0."""
    dfs = columns["Df"]
    na_df = np.isnan(dfs)
    if test in ("Chisq", "LRT", "Rao"):
        dev = columns["Rao" if test == "Rao" else "Deviance"]
        with np.errstate(invalid="ignore"):
            vals = dev / scale * np.sign(dfs)
        blank = na_df | (dfs == 0) | (vals < 0)
        vals = np.where(blank, na_vector(vals.size), vals)
        return {"Pr(>Chi)": chisq_pvalues(vals, np.abs(dfs))}
    if test == "F":
        with np.errstate(invalid="ignore", divide="ignore"):
            fval = columns["Deviance"] / dfs / scale
        fval = np.where(na_df | (dfs == 0) | (fval < 0), na_vector(fval.size), fval)
        return {"F": fval, "Pr(>F)": f_pvalues(fval, np.abs(dfs), df_scale)}
    return {"Cp": columns["Resid. Dev"] + 2 * scale * (n - columns["Resid. Df"])}


def _test_setup(
    m: GLMStatistics,
    test: str | bool | None,
    dispersion: float | None,
) -> tuple[str | bool, float, float]:
    """The test to run, the dispersion and its degrees of freedom, as R (>= 4.4) decides them
    for the largest model ``m``."""
    if test is None:
        test = "Chisq" if dispersion is not None or not m.dispersion_is_estimated else "F"
    if test is False:
        return False, math.nan, math.nan
    if dispersion is not None:
        scale, df_scale = float(dispersion), math.inf
    else:
        scale = m.scale
        df_scale = float(m.df_resid) if m.dispersion_is_estimated else math.inf
    if test == "F" and df_scale == 0:
        return False, scale, df_scale
    if test == "F" and math.isinf(df_scale):
        fam = m.family.name
        if fam in ("binomial", "poisson"):
            warn(f"using F test with a '{fam}' family is inappropriate", AnovaWarning)
        else:
            warn("using F test with a fixed dispersion is inappropriate", AnovaWarning)
    return test, scale, df_scale


def _df_resid(fit: Any) -> int:
    return int(fit.n_ok - fit.rank)


# -- one model ---------------------------------------------------------------------------------------
def _anova_one(m: GLMStatistics, test: str | bool | None, dispersion: float | None) -> AnovaTable:
    if _estimates_theta(m):
        warn("tests made without re-estimating 'theta'", AnovaWarning)
        if test is None:
            test = "Chisq"  # MASS's anova.negbin default
    spec = m.model_frame.spec
    term_cols = spec.term_columns
    labels = [t for t in term_cols if t != "1"]
    base = list(term_cols.get("1", []))
    nvars = len(labels)
    doscore = test == "Rao"
    resdev: list[float] = []
    resdf: list[int] = []
    score = np.zeros(nvars)
    # Only the score test needs the rows (a chunked fit has none in memory and refuses here).
    design = m.model_frame.design if doscore else None

    def columns_upto(k: int) -> list[int]:
        return sorted(base + [c for t in labels[:k] for c in term_cols[t]])

    r = w = None
    if doscore:
        null_fit = refit(m, columns_upto(0))
        r, w = null_fit.working_residuals, null_fit.working_weights
    if nvars > 1 or doscore:
        for i in range(1, nvars):
            upto = columns_upto(i)
            fit = refit(m, upto, same_method=True)  # R refits with object$method
            if doscore:
                assert r is not None and w is not None and design is not None
                score[i - 1] = score_statistic(
                    design.columns(np.asarray(upto, dtype=np.intp)), r, w, intercept=spec.has_intercept
                )
                r, w = fit.working_residuals, fit.working_weights
            resdev.append(fit.deviance)
            resdf.append(_df_resid(fit))
        if doscore and nvars > 0:
            assert r is not None and w is not None and design is not None
            score[nvars - 1] = score_statistic(design, r, w, intercept=spec.has_intercept)
    rdf = np.array([m.df_null, *resdf, m.df_resid], dtype=np.float64)
    rdev = np.array([m.null_deviance, *resdev, m.deviance], dtype=np.float64)
    keep = nvars + 1 if nvars else 1
    cols: dict[str, FloatArray] = {
        "Df": np.concatenate([na_vector(1), -np.diff(rdf)])[:keep],
        "Deviance": np.concatenate([na_vector(1), np.maximum(0.0, -np.diff(rdev))])[:keep],
        "Resid. Df": rdf[:keep],
        "Resid. Dev": rdev[:keep],
    }
    if doscore:
        cols["Rao"] = np.concatenate([na_vector(1), score])[:keep]
    fam = m.family
    response = response_label(m.formula) if m.formula else "y"
    title = (
        f"Analysis of Deviance Table\n\nModel: {fam.name}, link: {fam.link.name}\n\nResponse: {response}"
        "\n\nTerms added sequentially (first to last)\n\n"
    )
    chosen, scale, df_scale = _test_setup(m, test, dispersion)
    if chosen is not False:
        cols.update(_stat_anova(cols, str(chosen), scale, df_scale, int(m.fit.n_rows)))
    return AnovaTable(cols, index=["NULL", *labels][:keep], heading=[title])


# -- several models ---------------------------------------------------------------------------------
def _anova_list(
    models: Sequence[GLMStatistics], test: str | bool | None, dispersion: float | None
) -> AnovaTable:
    responses = [response_label(m.formula) if m.formula else "" for m in models]
    same = [r == responses[0] for r in responses]
    if not all(same):
        dropped = ", ".join(f"'{r}'" for r, s in zip(responses, same, strict=False) if not s)
        warn(f"models with response {dropped} removed because response differs from model 1", AnovaWarning)
        models = [m for m, s in zip(models, same, strict=False) if s]
    _check_same_rows(models)
    if len(models) == 1:
        return _anova_one(models[0], test, dispersion)
    resdf = np.array([m.df_resid for m in models], dtype=np.float64)
    resdev = np.array([m.deviance for m in models], dtype=np.float64)
    cols: dict[str, FloatArray] = {
        "Resid. Df": resdf,
        "Resid. Dev": resdev,
        "Df": np.concatenate([na_vector(1), -np.diff(resdf)]),
        "Deviance": np.concatenate([na_vector(1), -np.diff(resdev)]),
    }
    if test == "Rao":
        score = na_vector(len(models))
        for i in range(len(models) - 1):
            d = resdf[i] - resdf[i + 1]
            small, big = (models[i], models[i + 1]) if d > 0 else (models[i + 1], models[i])
            s = score_statistic(
                big.model_frame.design,
                small.fit.working_residuals,
                small.fit.working_weights,
                intercept=small.has_intercept,
            )
            score[i + 1] = -s if d < 0 else s
        cols["Rao"] = score
    width = len(str(len(models)))
    notes = "\n".join(
        f"Model {str(i + 1).rjust(width)}: " + "\n".join(deparse_formula(shown_formula(m)))
        for i, m in enumerate(models)
    )
    big = models[int(np.argmin(resdf))]
    chosen, scale, df_scale = _test_setup(big, test, dispersion)
    if chosen is not False:
        cols.update(_stat_anova(cols, str(chosen), scale, df_scale, int(big.fit.n_rows)))
    return AnovaTable(
        cols, index=list(range(1, len(models) + 1)), heading=["Analysis of Deviance Table\n", notes]
    )


def _check_same_rows(models: Sequence[GLMStatistics]) -> None:
    """R refuses models fitted to different numbers of rows; the row labels must agree too."""
    first = models[0].model_frame.index
    for i, m in enumerate(models[1:], start=2):
        idx = m.model_frame.index
        if len(idx) != len(first):
            raise DataError(
                f"models were not all fitted to the same size of dataset: model 1 uses {len(first)} "
                f"rows and model {i} uses {len(idx)} (missing values in a variable only one model "
                "uses?); fit them to the same rows, e.g. drop the incomplete rows first"
            )
        if not idx.equals(first):
            raise DataError(
                f"models 1 and {i} were fitted to different rows of the data (same number, different "
                "row labels); fit them to the same rows"
            )
