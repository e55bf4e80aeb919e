"""One spelling for R's and formulaic's names of the same coefficient, for the R-reference
tests: ``(Intercept)``/``Intercept``, ``factor(cyl)6``/``C(cyl)[T.6]``, ``sexM``/``sex[T.M]``."""

from __future__ import annotations

import re


def r_key(name: str) -> str:
    """The shared spelling of a coefficient name."""
    s = name.replace(" ", "").replace("(Intercept)", "Intercept")
    s = re.sub(r"(?:factor|C)\(([\w.]+)\)", r"\1", s)
    s = re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", s)
    return s.replace("**", "^").replace("`", "")
