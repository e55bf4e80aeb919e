"""Term selection: R's ``drop1.glm``, ``add1.glm`` and ``step``.

``drop1`` refits the model without each droppable term, ``add1`` with each addable term, on
the model's rows, and tabulates the deviance, an AIC and optionally a test.  The AIC column
is R's approximation, aligned so that the model's own row equals ``extractAIC``:

.. math::

    \\mathrm{AIC}_j = \\ell_j + k\\,p_j + (\\mathrm{AIC}_0 - \\ell_0 - k\\,p_0), \\qquad
    \\ell = \\begin{cases} n \\log(D/n) & \\text{Gaussian (} D/s - n \\text{ with a given scale } s)\\\\
    D/\\phi & \\text{otherwise} \\end{cases}

with :math:`p` the rank, :math:`\\phi` the model's dispersion and :math:`\\mathrm{AIC}_0 =
\\mathrm{AIC} + (k - 2)\\,\\mathrm{edf}` (R's ``extractAIC.glm``, ``edf`` = rows minus
residual df).  ``step`` moves, one term at a time, to the neighbour with the smallest such
AIC until none improves on the current model, refitting each chosen model with
:meth:`rglm.GLMResult.update`.
"""

from __future__ import annotations

import math
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from rglm.exceptions import AnovaWarning, ArgumentError, DataError, FamilyError, FitError, warn
from rglm.families.family import Binomial, QuasiBinomial
from rglm.fit.irls import irls
from rglm.frame.formula import update_formula
from rglm.frame.model_frame import build_frame
from rglm.inference.anova import chisq_pvalues, f_pvalues, score_statistic
from rglm.inference.refit import refit
from rglm.inference.scope import (
    Term,
    add_scope,
    drop_scope,
    factor_scope,
    formula_terms,
    model_formula,
    model_terms,
    scope_terms,
    shown_formula,
)
from rglm.numerics.format import format_real, r_round
from rglm.results.glm import GLMStatistics
from rglm.results.table import AnovaTable, deparse_formula, na_vector

FloatArray = npt.NDArray[np.float64]

__all__ = ["add1", "drop1", "extract_aic", "step"]

SELECT_TESTS = ("none", "Chisq", "LRT", "F", "Rao")


def _check_test(test: str | None) -> str:
    if test is None:
        return "none"
    if test not in SELECT_TESTS:
        raise ArgumentError(f"unknown test {test!r}; use one of {', '.join(repr(t) for t in SELECT_TESTS)}")
    return "LRT" if test == "Chisq" else test


def extract_aic(m: GLMStatistics, k: float = 2.0) -> tuple[float, float]:
    """R's ``extractAIC.glm``: ``(edf, AIC + (k - 2) edf)`` with ``edf`` the rows used minus
    the residual degrees of freedom, and the AIC of the IRLS fit (for a negative binomial, the
    likelihood at the fitted :math:`\\theta`, which is not counted, as MASS's
    ``extractAIC.negbin``).  The AIC is NaN for quasi families."""
    edf = float(m.fit.n_rows - m.df_resid)
    aic = math.nan if m.family.is_quasi else float(m.fit.aic)
    return edf, aic + (k - 2) * edf


def _heading(kind: str, m: GLMStatistics, scale: float) -> list[str]:
    head = [kind, "\nModel:", *deparse_formula(shown_formula(m))]
    if scale > 0:
        head.append(f"\nscale:  {format_real([scale], 7)[0]} \n")
    return head


def _finish(
    m: GLMStatistics,
    labels: list[str],
    dfs: FloatArray,
    dev: FloatArray,
    score: FloatArray | None,
    n: int,
    test: str,
    k: float,
    scale: float,
    dropping: bool,
) -> AnovaTable:
    """The common tail of drop1.glm and add1.glm: AIC, the test columns and the heading."""
    dispersion = m.scale if scale == 0 else scale
    if m.family.name == "gaussian":
        with np.errstate(divide="ignore"):
            loglik = dev / scale - n if scale > 0 else n * np.log(dev / n)
    else:
        loglik = dev / dispersion
    aic = loglik + k * dfs
    aic = aic + (extract_aic(m, k)[1] - aic[0])
    ddf = dfs[0] - dfs if dropping else dfs - dfs[0]
    ddf[0] = na_vector(1)[0]
    cols: dict[str, FloatArray] = {"Df": ddf, "Deviance": dev.copy()}
    if not np.all(np.isnan(aic)):
        cols["AIC"] = aic
    fam = m.family.name
    if test == "LRT":
        stat = np.maximum(0.0, loglik - loglik[0] if dropping else loglik[0] - loglik)
        stat[0] = na_vector(1)[0]
        cols["LRT" if dispersion == 1 else "scaled dev."] = stat
        cols["Pr(>Chi)"] = chisq_pvalues(stat, ddf)
    elif test == "Rao":
        assert score is not None
        # The <none> row of the scores is R's NA, a signalling NaN: arithmetic on it would
        # raise "invalid value" (an error under -W error), so only the terms' rows are scaled.
        stat = na_vector(score.size)
        stat[1:] = np.maximum(0.0, score[1:]) / dispersion
        cols["Rao score" if dispersion == 1 else "scaled Rao sc."] = stat
        cols["Pr(>Chi)"] = chisq_pvalues(stat, ddf)
    elif test == "F":
        if fam in ("binomial", "poisson"):
            quoted = f"'quasi{fam}'" if dropping else f"quasi{fam}"
            warn(f"F test assumes {quoted} family", AnovaWarning)
        rdf = float(m.df_resid)
        with np.errstate(invalid="ignore", divide="ignore"):
            if dropping:
                fs = np.maximum(0.0, dev - dev[0]) / ddf / (dev[0] / rdf)
                df2: float | FloatArray = rdf
            else:
                fs = np.maximum(0.0, (dev[0] - dev) / ddf) / (dev / (rdf - ddf))
                df2 = rdf - ddf
        small = np.zeros(fs.size, dtype=bool)
        small[1:] = ddf[1:] < (1e-4 if dropping else np.finfo(np.float64).eps)
        fs[small] = na_vector(int(small.sum()))
        fs[0] = na_vector(1)[0]
        cols["F value"] = fs
        cols["Pr(>F)"] = f_pvalues(fs, ddf, df2)
    kind = "Single term deletions" if dropping else "Single term additions"
    return AnovaTable(cols, index=["<none>", *labels], heading=_heading(kind, m, scale))


def _check_scale(scale: float) -> float:
    if not (scale >= 0 and math.isfinite(scale)):
        raise ArgumentError(f"scale must be 0 (the model's dispersion) or a positive number, got {scale!r}")
    return float(scale)


def drop1(
    model: GLMStatistics, scope: Any = None, test: str = "none", k: float = 2.0, scale: float = 0.0
) -> AnovaTable:
    """Refit without each term in turn, as R's ``drop1.glm``.

    Parameters
    ----------
    model : GLMStatistics (such as a GLMResult)
    scope : str or list of str, optional
        Terms to try dropping: a formula (``"~ x1 + x2"``, ``.`` for the model's terms) or
        term labels.  By default every term that no other term contains (R's
        ``drop.scope``: a main effect stays while an interaction with it is in the model).
    test : {"none", "Chisq", "LRT", "F", "Rao"}
        ``"Chisq"``/``"LRT"``: the change in :math:`\\ell` (above) against :math:`\\chi^2`
        (named ``scaled dev.`` when the dispersion is not 1); ``"F"``: :math:`F = (\\Delta D /
        \\mathrm{Df}) / (D_0/\\nu_0)` on (Df, :math:`\\nu_0`) df, :math:`\\nu_0` the model's
        residual df; ``"Rao"``: the score statistic of each smaller model.
    k : float
        Penalty per parameter in the AIC column (2; ``log(n)`` for BIC).
    scale : float
        A known dispersion (0: the model's).

    Returns
    -------
    AnovaTable
        Rows ``<none>`` and each term; columns ``Df``, ``Deviance``, ``AIC`` (absent for
        quasi families), then the test's columns.

    Examples
    --------
    >>> import rglm
    >>> budworm = rglm.datasets.load("budworm")
    >>> m = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", budworm, family="binomial")
    >>> list(rglm.drop1(m).index)
    ['<none>', 'sex:ldose']
    """
    test = _check_test(test)
    scale = _check_scale(scale)
    terms = model_terms(model)
    if scope is None:
        chosen = drop_scope(terms)
    else:
        by_key = {t.factors: t for t in terms}
        wanted = scope_terms(model, scope, "scope")
        missing = [t.label for t in wanted if t.factors not in by_key]
        if missing:
            raise ArgumentError(
                f"scope is not a subset of the model's terms: {', '.join(repr(x) for x in missing)} "
                f"not in {', '.join(t.label for t in terms)}"
            )
        chosen = [by_key[t.factors] for t in wanted]
    spec = model.model_frame.spec
    n, p = model.fit.n_rows, len(spec.column_names)
    design = model.model_frame.design if test == "Rao" else None  # a chunked fit has no design in memory
    dfs = np.empty(len(chosen) + 1)
    dev = np.empty(len(chosen) + 1)
    score = na_vector(len(chosen) + 1) if test == "Rao" else None
    dfs[0], dev[0] = model.rank, model.deviance
    for i, term in enumerate(chosen, start=1):
        drop = set(spec.term_columns[term.label])
        z = refit(model, [j for j in range(p) if j not in drop])
        dfs[i], dev[i] = z.rank, z.deviance
        if score is not None:
            # R regresses on the full model's columns with an intercept, whatever the model.
            assert design is not None
            score[i] = score_statistic(design, z.working_residuals, z.working_weights, intercept=True)
    return _finish(model, [t.label for t in chosen], dfs, dev, score, n, test, k, scale, dropping=True)


def add1(
    model: GLMStatistics, scope: Any = None, test: str = "none", k: float = 2.0, scale: float = 0.0
) -> AnovaTable:
    """Refit with each term of ``scope`` added in turn, as R's ``add1.glm``.

    Parameters
    ----------
    model : GLMStatistics (such as a GLMResult)
        Must keep its data (models from :func:`rglm.glm` do): the larger models are built
        from the same data, weights, offset and subset, and must use the same rows.
    scope : str or list of str
        A formula giving the largest model (``"~ . + x3 + x1:x2"``; R's ``add.scope`` then
        offers a term only once the terms it contains are in the model), or term labels
        (used as given).
    test, k, scale
        As for :func:`drop1`; the F test uses each larger model's deviance and residual df,
        :math:`F = (\\Delta D/\\mathrm{Df}) / (D_j/(\\nu_0 - \\mathrm{Df}))`.

    Returns
    -------
    AnovaTable
        Rows ``<none>`` and each candidate term; columns as :func:`drop1`'s.
    """
    test = _check_test(test)
    scale = _check_scale(scale)
    if scope is None:
        raise ArgumentError(
            "add1 needs a scope: the terms that may be added, as a formula such as '~ . + x3 + x4' "
            "or a list of term labels"
        )
    terms = model_terms(model)
    if isinstance(scope, str):
        chosen = add_scope(terms, scope_terms(model, scope, "scope"))
    else:
        present = {t.factors for t in terms}
        chosen = [t for t in scope_terms(model, scope, "scope") if t.factors not in present]
    if not chosen:
        raise ArgumentError("no terms in scope for adding to the model")
    frame = _combined_frame(
        model, update_formula(model_formula(model), "~ . + " + " + ".join(t.label for t in chosen)), chosen
    )
    design = frame.design
    n = design.shape[0]
    combined = {t.factors: t.label for t in formula_terms(frame.spec.parsed.rhs)}
    cols_of = frame.spec.term_columns

    def columns(ts: list[Term]) -> list[int]:
        return [c for t in ts for c in cols_of[combined.get(t.factors, t.label)]]

    base = sorted(columns(terms) + (list(cols_of["1"]) if model.has_intercept and "1" in cols_of else []))

    def fit(cols: list[int]) -> Any:
        return irls(
            design.columns(np.asarray(cols, dtype=np.intp)),
            frame.y,
            model.family,
            weights=frame.weights,
            offset=frame.offset,
            control=model.control,
        )

    dfs = np.empty(len(chosen) + 1)
    dev = np.empty(len(chosen) + 1)
    score = na_vector(len(chosen) + 1) if test == "Rao" else None
    z0 = fit(base)
    dfs[0], dev[0] = z0.rank, z0.deviance
    for i, term in enumerate(chosen, start=1):
        cols = sorted(set(base) | set(columns([term])))
        z = fit(cols)
        dfs[i], dev[i] = z.rank, z.deviance
        if score is not None:
            # As R: an intercept always, and the offset in the residual regression.
            score[i] = score_statistic(
                design.columns(np.asarray(cols, dtype=np.intp)),
                z0.working_residuals,
                z0.working_weights,
                intercept=True,
                offset=frame.offset,
            )
    return _finish(model, [t.label for t in chosen], dfs, dev, score, n, test, k, scale, dropping=False)


def _combined_frame(m: GLMStatistics, formula: str, added: list[Term]) -> Any:
    """The model frame of the larger formula on the model's data, with the model's weights,
    offset and subset, checked to hold exactly the model's rows."""
    if m.data is None:
        raise ArgumentError(
            "add1 builds the larger models from the model's data, which this model does not keep; "
            "fit it with rglm.glm"
        )
    call = m.call
    frame = build_frame(
        formula,
        m.data,
        weights=call.get("weights"),
        offset=call.get("offset"),
        subset=call.get("subset"),
        na_action=call.get("na_action", "omit"),
        binomial=isinstance(m.family, (Binomial, QuasiBinomial)),
        contrasts=call.get("contrasts"),
        names=call.get("names", "default"),
    )
    if not frame.index.equals(m.model_frame.index):
        lost = m.model_frame.index.difference(frame.index)
        raise DataError(
            f"the terms to add ({', '.join(t.label for t in added)}) have missing values in {len(lost)} of "
            f"the model's {len(m.model_frame.index)} rows (first: row {lost[0]!r}), so the larger models "
            "would use other rows; drop those rows and refit the model first"
        )
    return frame


def step(  # noqa: C901 - follows R's function step for step; to be split
    model: GLMStatistics,
    scope: Any = None,
    direction: str | None = None,
    k: float = 2.0,
    trace: bool | int = True,
    steps: int = 1000,
    test: str = "none",
    scale: float = 0.0,
) -> GLMStatistics:
    """Choose a model by AIC in a stepwise algorithm, as R's ``step``.

    Parameters
    ----------
    model : GLMStatistics (such as a GLMResult)
        The starting model; it must keep its data (each chosen model is refitted with
        :meth:`~rglm.GLMResult.update`).
    scope : str or dict, optional
        The largest model as a formula (``"~ . + x3"`` or ``"~ x1 * x2"``), or
        ``{"lower": formula, "upper": formula}``.  Without it only backward steps are taken,
        down to the empty model.
    direction : {"both", "backward", "forward"}, optional
        ``"both"`` by default, except that without a ``scope`` only backward steps are
        taken (as R when ``direction`` is not given).
    k : float
        Penalty per parameter: 2 for AIC, ``math.log(n)`` for BIC.
    trace : bool
        Print each step as R does ("Start:  AIC=...", the candidate table sorted by AIC).
    steps : int
        At most this many steps.
    test, scale
        Passed to :func:`drop1` and :func:`add1` (the tables printed while tracing).

    Returns
    -------
    GLMResult
        The chosen model, whose :attr:`~rglm.GLMResult.step_path` is R's ``$anova``: one row
        per step with columns ``Step``, ``Df``, ``Deviance``, ``Resid. Df``, ``Resid. Dev``,
        ``AIC``.
    """
    if direction is not None and direction not in ("both", "backward", "forward"):
        raise ArgumentError(f"direction must be 'both', 'backward' or 'forward', got {direction!r}")
    if model.data is None:
        raise ArgumentError(
            "step refits the model at each step, which needs the data it was fitted to; this model "
            "does not keep it, so fit it with rglm.glm"
        )
    test = _check_test(test)
    scale = _check_scale(scale)
    backward = direction in (None, "both", "backward")
    forward = direction in (None, "both", "forward") and not (direction is None and scope is None)
    fdrop: list[Term] = []
    fadd: list[Term] | None
    if scope is None:
        fadd = model_terms(model)
    elif isinstance(scope, dict):
        unknown = set(scope) - {"lower", "upper"}
        if unknown:
            raise ArgumentError(f"scope dict takes the keys 'lower' and 'upper', got {sorted(unknown)}")
        fdrop = scope_terms(model, scope["lower"], "scope['lower']") if scope.get("lower") is not None else []
        fadd = (
            scope_terms(model, scope["upper"], "scope['upper']") if scope.get("upper") is not None else None
        )
    else:
        fadd = scope_terms(model, scope, "scope")
    n = model.nobs
    fit = model
    edf, aic_now = extract_aic(fit, k)
    if math.isnan(aic_now):
        raise FamilyError(
            f"AIC is not defined for this model ({fit.family.name} family), so step cannot proceed"
        )
    if aic_now == -math.inf:
        raise FitError("AIC is -infinity for this model, so step cannot proceed")
    if trace:
        _say(f"Start:  AIC={_aic_text(aic_now)}", fit)
    path = [("", fit.deviance, n - edf, aic_now)]
    while steps > 0:
        steps -= 1
        current = aic_now
        can_drop, can_add = factor_scope(model_terms(fit), drop=fdrop, add=fadd)
        aod: pd.DataFrame | None = None
        change: str | None = None
        if backward and can_drop:
            aod = pd.DataFrame(drop1(fit, [t.label for t in can_drop], test=test, k=k, scale=scale))
            aod.index = [aod.index[0], *(f"- {r}" for r in aod.index[1:])]
            zero = [r for r, d in zip(aod.index, aod["Df"], strict=False) if d == 0]
            if zero:
                change = zero[-1]  # terms with no degrees of freedom go first, one at a time
        if change is None:
            if forward and can_add:
                aodf = pd.DataFrame(add1(fit, [t.label for t in can_add], test=test, k=k, scale=scale))
                aodf.index = [aodf.index[0], *(f"+ {r}" for r in aodf.index[1:])]
                aod = aodf if aod is None else pd.concat([aod, aodf.iloc[1:]])
            if aod is None:
                break
            aod = aod[(aod["Df"] != 0) | aod["Df"].isna()]
            order = np.argsort(aod["AIC"].to_numpy(), kind="stable")
            if trace:
                print(AnovaTable(aod.iloc[order]))
            if order[0] == 0:
                break
            change = str(aod.index[order[0]])
        fit = _update(fit, f"~ . {change}")
        if fit.nobs != n:
            raise DataError("number of rows in use has changed: remove missing values?")
        edf, aic_now = extract_aic(fit, k)
        if trace:
            print()
            _say(f"Step:  AIC={_aic_text(aic_now)}", fit)
        if aic_now >= current + 1e-7:
            break
        path.append((change, fit.deviance, n - edf, aic_now))
    chosen: GLMStatistics = fit._replace(step_path=_path_table(path, model, fit))
    return chosen


@runtime_checkable
class Updatable(Protocol):
    """A model that refits itself with a changed formula, as R's ``update`` (``rglm.GLMResult``)."""

    def update(self, formula: str | None = None, **changes: Any) -> Any: ...


def _update(m: GLMStatistics, formula: str) -> GLMStatistics:
    if not isinstance(m, Updatable):
        raise ArgumentError(
            f"step refits the model at each step, which a {type(m).__name__} cannot do; fit it with rglm.glm"
        )
    new = m.update(formula)
    assert isinstance(new, GLMStatistics)
    return new


def _aic_text(aic: float) -> str:
    return format_real([r_round(aic, 2)], 7)[0]


def _say(first: str, m: GLMStatistics) -> None:
    print(first)
    print("\n".join(deparse_formula(shown_formula(m))))
    print()


def _path_table(
    path: list[tuple[str, float, float, float]], start: GLMStatistics, end: GLMStatistics
) -> AnovaTable:
    """R's ``step.results``: the model path as a table."""
    rd = np.array([p[1] for p in path])
    rdf = np.array([p[2] for p in path], dtype=np.float64)
    table = {
        "Step": [p[0] for p in path],
        "Df": np.concatenate([na_vector(1), np.diff(rdf)]),
        "Deviance": np.concatenate([na_vector(1), np.abs(np.diff(rd))]),
        "Resid. Df": rdf,
        "Resid. Dev": rd,
        "AIC": np.array([p[3] for p in path]),
    }
    heading = [
        "Stepwise Model Path \nAnalysis of Deviance Table",
        "\nInitial Model:",
        *deparse_formula(shown_formula(start)),
        "\nFinal Model:",
        *deparse_formula(shown_formula(end)),
        "\n",
    ]
    return AnovaTable(table, index=list(range(1, len(path) + 1)), heading=heading, print_style="data.frame")
