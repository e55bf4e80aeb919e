"""Hypothesis profiles of the reliability (property-based) suite.

* ``ci`` (the default): few examples per test, no deadline (a test fits several GLMs,
  whose run time varies with the drawn problem), derandomized so that CI runs the same
  examples every time and a failure reproduces, and no example database written into the
  work tree.
* ``long``: many random examples, for an occasional deep run; failures are saved in the
  usual ``.hypothesis/`` database (git-ignored) and replayed first on the next run.

Select with the environment variable ``RGLM_HYPOTHESIS_PROFILE`` (``ci`` or ``long``)::

    RGLM_HYPOTHESIS_PROFILE=long python -m pytest tests/reliability -q
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, database=None, print_blob=True
)
settings.register_profile("long", max_examples=500, deadline=None, print_blob=True)

PROFILE = os.environ.get("RGLM_HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
