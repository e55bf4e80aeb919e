"""``python -m rglm``: the same as the ``rglm`` command."""

from __future__ import annotations

import sys

from rglm.cli import main

if __name__ == "__main__":
    sys.exit(main())
