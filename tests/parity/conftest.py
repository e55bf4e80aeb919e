"""Configuration of the statsmodels-parity suite.

The shared machinery (case description, fitting both packages, the comparisons) lives in
``_sm_parity.py`` next to this file.  It is imported by module name, so this directory is
put on ``sys.path`` here: that works whatever pytest's import mode, and without an
``__init__.py`` that would turn ``tests/parity`` into a package.
"""

from __future__ import annotations

import os
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

# statsmodels is an optional (test) dependency of rglm.
pytest.importorskip("statsmodels", reason="the parity suite compares rglm against statsmodels")
