"""A fit over passes whose end-of-fit sums and null refit ride on the loop's own passes.

Out of core, a pass costs a read of every chunk, so what matters is how many there are.
:func:`fit_and_finish` runs R's loop (:func:`rglm.fit.passes.fit_passes`) so that

* every pass after the start also computes the end-of-fit sums at its point (AIC share,
  Pearson's :math:`X^2`, R's dispersion sum, the null deviance of a constant or offset-only
  null model): the loop stops at the point of its last pass, so those sums are the final
  ones and no pass follows the loop;
* with an offset and an intercept, R's null model (the intercept refitted with the offset)
  is a second loop whose points ride on the first loop's passes (:class:`RiderRunner`): each
  pass evaluates the fit's point and the null model's, on the same chunk as it is read.

A fit of :math:`k` iterations then takes :math:`k + 1` passes after the scan, plus one per
halved step or QR fallback, plus the passes the null model needs beyond the fit's.

The null refit starts where R's loop starts when given no starting values (the family's
``initialize``), not at the fit's fitted values as R's ``glm`` does: the fit's values are
known only once its loop has ended.  Both converge to the same optimum; the deviance at
convergence differs by far less than R's tolerance (:math:`|D - D_{old}|/(|D| + 0.1) <
\\epsilon` leaves an error of order :math:`\\epsilon^2 D` at Fisher scoring's quadratic rate).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from rglm.families.family import Family
from rglm.fit.accumulate import PassRequest, Sums
from rglm.fit.loop import LoopResult, NullModel, null_model
from rglm.fit.passes import FinishPlan, MapReduce, PassFit, SumsPoint, finish_passes, fit_passes
from rglm.fit.plan import IRLSControl

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["RiderRunner", "fit_and_finish"]


class _Cancelled(Exception):
    """The loop the rider rode on stopped with an error: the rider stops too."""


class RiderRunner:
    """Runs the passes of a second loop (the rider, on its own thread) inside the passes of
    the first (on the caller's thread).

    Each pass of the first loop waits until the rider has asked for its next pass or ended,
    then runs both requests as one pass (``PassRequest.also``).  The pairing is therefore
    fixed (the rider's pass ``j`` rides on the first loop's pass ``j`` after it started), and
    so are the results.  Passes the rider needs after the first loop has ended run alone
    (:meth:`result`)."""

    def __init__(self, run: MapReduce) -> None:
        self.run = run
        self._cv = threading.Condition()
        self._pending: PassRequest | None = None
        self._result: Sums | None = None
        self._active = False
        self._cancelled = False
        self._error: BaseException | None = None
        self._outcome: LoopResult[SumsPoint] | None = None
        self._thread: threading.Thread | None = None

    def launch(self, body: Callable[[MapReduce], LoopResult[SumsPoint]]) -> None:
        """Start the rider: ``body(run)`` is its loop, ``run`` its passes."""

        def target() -> None:
            try:
                out = body(self._ride)
                with self._cv:
                    self._outcome = out
            except _Cancelled:
                pass
            except BaseException as exc:  # handed to the caller's thread by result()
                with self._cv:
                    self._error = exc
            finally:
                with self._cv:
                    self._active = False
                    self._cv.notify_all()

        self._active = True
        self._thread = threading.Thread(target=target, name="rglm-rider", daemon=True)
        self._thread.start()

    def _ride(self, request: PassRequest) -> Sums:
        """The rider's pass (on its thread): wait until a pass of the first loop carries it."""
        with self._cv:
            if self._cancelled:
                raise _Cancelled
            self._pending, self._result = request, None
            self._cv.notify_all()
            self._cv.wait_for(lambda: self._result is not None or self._cancelled)
            if self._cancelled:
                raise _Cancelled
            out, self._result = self._result, None
            assert out is not None
            return out

    def _next_rider(self) -> PassRequest | None:
        with self._cv:
            self._cv.wait_for(lambda: self._pending is not None or not self._active)
            request, self._pending = self._pending, None
            return request

    def _deliver(self, sums: Sums) -> None:
        with self._cv:
            self._result = sums
            self._cv.notify_all()

    def __call__(self, request: PassRequest) -> Sums:
        """A pass of the first loop, carrying the rider's pending pass if there is one."""
        rider = self._next_rider() if self._thread is not None else None
        if rider is None:
            return self.run(request)
        sums = self.run(replace(request, also=(rider,)))
        self._deliver(sums.also[0])
        return replace(sums, also=())

    def result(self) -> LoopResult[SumsPoint] | None:
        """The rider's loop, once its remaining passes have run alone; None if never launched."""
        if self._thread is None:
            return None
        while (rider := self._next_rider()) is not None:
            self._deliver(self.run(rider))
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._outcome

    def cancel(self) -> None:
        """Stop the rider (the first loop failed or was interrupted)."""
        with self._cv:
            self._cancelled = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join()


def fit_and_finish(
    run: MapReduce,
    p: int,
    family: Family,
    control: IRLSControl,
    *,
    p_total: int | None = None,
    columns: IntArray | None = None,
    start: FloatArray | None = None,
    intercept_column: int | None = None,
    null: bool = True,
) -> PassFit:
    """R's ``glm.fit`` by passes, with the end-of-fit sums and the null refit riding on the
    loop's passes (see the module docstring); the parameters are those of
    :func:`rglm.fit.passes.fit_passes` and :func:`rglm.fit.passes.finish_passes`."""
    have_start = start is not None
    rider = RiderRunner(run)
    refit = null and intercept_column is not None and columns is None

    def launch_null(first: SumsPoint) -> None:
        # R's null model is a refit only with an offset, known once the start pass has run.
        kind = null_model(intercept=True, offset_nonzero=first.sums.offset_nonzero)
        if not refit or kind is not NullModel.REFIT:
            return
        assert intercept_column is not None
        icpt = np.array([intercept_column], dtype=np.intp)
        shared = None
        if not have_start and first.sums.xtwx.size:
            # R's own start point has the same means whatever the columns: the null refit's
            # start is the fit's start pass restricted to the intercept.
            s = first.sums
            shared = replace(s, p=1, xtwx=s.xtwx[np.ix_(icpt, icpt)].copy(), xtwz=s.xtwz[icpt].copy())
        rider.launch(lambda side: fit_passes(side, 1, family, control, columns=icpt, first=shared))

    try:
        loop = fit_passes(
            rider,
            p,
            family,
            control,
            columns=columns,
            start=start,
            have_start=have_start,
            finish=FinishPlan(null=null, intercept_column=intercept_column),
            on_start=launch_null,
        )
        null_loop = rider.result()
    except BaseException:
        rider.cancel()
        raise
    return finish_passes(
        run,
        loop,
        family,
        control,
        p_total=p if p_total is None else p_total,
        columns=columns,
        intercept_column=intercept_column,
        null=null,
        have_start=have_start,
        null_refit=null_loop,
    )
