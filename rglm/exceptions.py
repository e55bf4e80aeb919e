"""Exception and warning classes raised by rglm.

Every error rglm raises on purpose derives from :class:`RGLMError`, and also from the
built-in class that fits it (``ValueError`` or ``TypeError``), so ``except ValueError``
keeps working for callers who do not know about rglm.  Warnings derive from
:class:`RGLMWarning` so that a user can silence or escalate all of them at once.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

__all__ = [
    "AnovaWarning",
    "BoundaryWarning",
    "ConvergenceWarning",
    "DataError",
    "DispersionWarning",
    "DomainError",
    "ExactFitWarning",
    "FamilyError",
    "FitError",
    "FitInterrupted",
    "FittedValueWarning",
    "FormulaError",
    "NaNProducedWarning",
    "FormulaWarning",
    "NonIntegerWarning",
    "OutOfCoreError",
    "PerfectFitWarning",
    "ProfileWarning",
    "RGLMError",
    "RGLMWarning",
    "RankDeficientWarning",
    "SeparationWarning",
    "StartWarning",
    "StepHalvingWarning",
    "muted",
    "collect_warnings",
    "warn",
]


class RGLMError(Exception):
    """Base class of all errors raised by rglm."""


class FormulaError(RGLMError, ValueError):
    """The formula cannot be parsed or refers to something that does not exist."""


class DataError(RGLMError, ValueError):
    """The data cannot be used as given (missing columns, wrong lengths, NA, ...)."""


class DataTypeError(RGLMError, TypeError):
    """A column has a type the model cannot use (text where numbers are needed, dates)."""


class ArgumentError(RGLMError, ValueError):
    """An argument has a value outside what the function accepts."""


class DomainError(RGLMError, ValueError):
    """The response lies outside the family's domain (for example negative Poisson counts).

    Raised by the array-level code with the offending rows' positions; :func:`rglm.glm`
    re-raises it naming the caller's row label (:meth:`with_row_labels`).
    """

    def __init__(
        self, prefix: str, count: int = 0, position: int = -1, value: float = 0.0, suffix: str = ""
    ) -> None:
        self.prefix, self.count, self.position, self.value, self.suffix = (
            prefix,
            count,
            position,
            value,
            suffix,
        )
        super().__init__(self._text(f"position {position}"))

    def _text(self, where: str) -> str:
        if self.count == 0:
            return self.prefix
        rows = "row" if self.count == 1 else "rows"
        return f"{self.prefix}: {self.count} {rows} (first: {self.value:g} at {where}){self.suffix}"

    def with_row_labels(self, labels: Any) -> DomainError:
        """The same error naming the caller's label of the first offending row."""
        err = DomainError(self.prefix, self.count, self.position, self.value, self.suffix)
        if self.count and 0 <= self.position < len(labels):
            err.args = (self._text(f"row {labels[self.position]!r}"),)
        return err


class FamilyError(RGLMError, ValueError):
    """An unknown family, link or variance function, or a link the family does not allow."""


class FitError(RGLMError, ValueError):
    """The iteratively reweighted least squares fit cannot proceed."""


class OutOfCoreError(ArgumentError):
    """A whole-data, per-row quantity (fitted values, residuals, influence) was asked of a model
    fitted to chunked or Dask data, whose rows are not held in memory; such quantities are
    available chunk by chunk (``GLMResult.iter_rows``, ``GLMResult.predict_to``)."""


class FitInterrupted(FitError):
    """A fit over chunked or Dask data was interrupted (Ctrl-C) between or during passes.

    ``coef`` holds the last coefficients reached (None before the first step); passing them
    as ``start=`` resumes the fit from there.
    """

    def __init__(self, message: str, coef: Any = None) -> None:
        super().__init__(message)
        self.coef = coef


class RGLMWarning(UserWarning):
    """Base class of all warnings issued by rglm."""


class ConvergenceWarning(RGLMWarning):
    """IRLS stopped at ``max_iter`` without meeting the convergence criterion."""


class BoundaryWarning(RGLMWarning):
    """IRLS stopped at a boundary value of the parameter space."""


class StepHalvingWarning(RGLMWarning):
    """A Fisher scoring step was truncated because it diverged or left the valid region."""


class StartWarning(RGLMWarning):
    """R's starting values led the first step outside the family's domain, where R's ``glm``
    stops ("no valid set of coefficients has been found"); the fit was restarted from a valid
    point (``start_method`` on the result says which)."""


class PerfectFitWarning(RGLMWarning):
    """Fitted probabilities numerically 0 or 1 (binomial), or fitted rates numerically 0."""


# Kept as an alias so both names read naturally at the call site.
FittedValueWarning = PerfectFitWarning


class ExactFitWarning(RGLMWarning):
    """The residual deviance is zero (the model reproduces the response exactly): the
    dispersion estimate is 0 and the AIC and log-likelihood are :math:`-\\infty` or NaN, as in R;
    or, for a negative binomial, :math:`\\theta` cannot be estimated."""


class RankDeficientWarning(RGLMWarning):
    """A prediction for new data from a model with aliased (NA) coefficients: the aliased
    columns contribute nothing, which may not hold for the new rows (R's "prediction from a
    rank-deficient fit may be misleading")."""


class SeparationWarning(RGLMWarning):
    """Binomial data are (quasi-)completely separated: some maximum likelihood estimates are infinite."""


class FormulaWarning(RGLMWarning):
    """A formula was read differently from how it was written, as R reads it (the response
    on the right-hand side is dropped)."""


class ProfileWarning(RGLMWarning):
    """A profile likelihood never reaches the confidence cutoff on one side (separated data,
    or an estimate on the boundary), so that end of the profile interval is infinite."""


class NonIntegerWarning(RGLMWarning):
    """Binomial counts or successes, or Poisson counts, that are not whole numbers."""


class NaNProducedWarning(RGLMWarning):
    """A transform in the formula (``log``, ``sqrt`` of a negative value) produced NaN, as R's
    "NaNs produced"; those rows are dropped as missing."""


class DispersionWarning(RGLMWarning):
    """The dispersion could not be estimated as usual (zero weights or no residual df)."""


class LeverageWarning(RGLMWarning):
    """Hat values so close to 1 that leverage-corrected covariances (HC2 to HC5) are unstable."""


class AnovaWarning(RGLMWarning):
    """A caveat of an analysis of deviance or a term selection: a test of doubtful validity
    (an F test with a fixed dispersion, tests made without re-estimating a negative binomial
    :math:`\\theta`) or models left out of a comparison."""


#: Per-thread stack of collectors opened by :func:`collect_warnings`.
_COLLECTORS = threading.local()


@contextlib.contextmanager
def collect_warnings() -> Iterator[list[tuple[type[Warning], str]]]:
    """Collect, instead of issuing, the warnings rglm issues in this thread.

    ``warnings.catch_warnings`` swaps the process-wide filter list, so while one thread holds
    it, warnings issued by every other thread are recorded or filtered by it and lost to their
    own callers.  rglm issues all its warnings through :func:`warn`, which appends them to the
    innermost collector of the calling thread when there is one; other threads are untouched.

    Yields
    ------
    list of (category, message)
        Filled with the warnings issued inside the block, in order.
    """
    stack: list[list[tuple[type[Warning], str]]] = _COLLECTORS.__dict__.setdefault("stack", [])
    caught: list[tuple[type[Warning], str]] = []
    stack.append(caught)
    try:
        yield caught
    finally:
        stack.pop()


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """Drop the warnings rglm issues through :func:`warn` inside the block, as R's
    ``options(warn = -1)`` around an inner fit whose warnings R discards (brglm2's starting
    fit).  Per thread, like :func:`collect_warnings`, whose collection it discards."""
    with collect_warnings():
        yield


def warn(message: str, category: type[Warning]) -> None:
    """Issue ``message`` attributed to the first caller outside the rglm package, or add it
    to this thread's innermost :func:`collect_warnings` block if one is open."""
    stack = _COLLECTORS.__dict__.get("stack")
    if stack:
        stack[-1].append((category, message))
        return
    pkg_dir = os.path.dirname(os.path.abspath(__file__))
    # stacklevel 1 is this function's own line; 2 its caller, which is inside rglm.
    level = 2
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(pkg_dir):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)
