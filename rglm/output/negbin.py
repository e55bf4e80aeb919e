"""Printing a ``glm.nb`` fit as MASS does: its call and the :math:`\\theta` lines of its summary."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from rglm.families.family import NegativeBinomial
from rglm.numerics.format import format_real, r_round, signif
from rglm.output.summary import Summary, deparse_call
from rglm.results.negbin import NegBinInfo, NegBinStatistics

__all__ = ["negbin_call", "negbin_summary", "negbin_trailer"]


def _r_number(x: float) -> str:
    """A number as R's ``deparse`` writes it (15 significant digits)."""
    return format_real([x], digits=15)[0].strip()


def negbin_call(m: NegBinStatistics) -> str:
    """The call as R records it, e.g. ``glm.nb(formula = y ~ x, data = data, init.theta =
    1.27, link = log)``: arguments in ``glm.nb``'s order (``offset`` among the dots, then
    MASS's ``init.theta``, the final :math:`\\theta` to 10 digits, and ``link``)."""
    info = m.negbin
    given: dict[str, Any] = m.call

    def named(key: str) -> str:
        value = given.get(key)
        return value if isinstance(value, str) else key

    frame, control = m.model_frame, m.control
    args = [f"formula = {m.formula}", f"data = {m.data_name}"]
    if frame.weights_given:
        args.append(f"weights = {named('weights')}")
    if given.get("subset") is not None:
        args.append(f"subset = {named('subset')}")
    if frame.na_action != "omit":
        args.append(f"na.action = na.{frame.na_action}")
    settings = [f"epsilon = {_r_number(control.tol)}"] if control.tol != 1e-8 else []
    settings += [f"maxit = {control.max_iter}"] if control.max_iter != 25 else []
    if settings:
        args.append(f"control = glm.control({', '.join(settings)})")
    if frame.offset_given:
        args.append(f"offset = {named('offset')}")
    init = f"init.theta = {_r_number(signif(info.theta, 10))}"
    link = f"link = {m.family.link.name}"
    # MASS sets Call$init.theta and Call$link: an argument the caller gave keeps its place
    # (init.theta before link), one they did not is appended.  A link other than log was given.
    given_link = m.family.link.name != NegativeBinomial.default_link
    args += [link, init] if given_link and info.init_theta is None else [init, link]
    return deparse_call("glm.nb", args)


def negbin_trailer(info: NegBinInfo) -> tuple[str, ...]:
    """The lines ``print.summary.negbin`` adds after ``print.summary.glm``'s."""
    se = info.theta_se
    dp = max(2 - math.floor(math.log10(se)), 0) if se > 0 and math.isfinite(se) else 0
    theta = format_real([r_round(info.theta, dp)], nsmall=dp)[0]
    se_txt = format_real([r_round(se, dp)], nsmall=dp)[0]
    lines = ["", f"              Theta:  {theta} ", f"          Std. Err.:  {se_txt} "]
    if info.warning is not None:
        lines.append(f"Warning while fitting theta: {info.warning} ")
    ll = format_real([r_round(info.twologlik, 3)], nsmall=dp)[0]
    lines += ["", f" 2 x log-likelihood:  {ll} "]
    return tuple(lines)


def negbin_summary(m: NegBinStatistics) -> Summary:
    """``summary()`` of a ``glm.nb`` fit: ``summary.glm`` with the dispersion 1, printed with
    MASS's call and its :math:`\\theta` lines."""
    s = Summary.from_result(m)
    return dataclasses.replace(s, call=negbin_call(m), trailer=negbin_trailer(m.negbin))
