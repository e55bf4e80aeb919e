"""Dirichlet regression of a composition: sand, silt and clay against depth (R's ``DirichletReg``).

Simulated sediment samples: with depth the share of sand falls and that of clay rises.  The
common parametrization models every component's log-alpha; the alternative models the mean
shares by a multinomial logit against sand and the precision by a log link.  In R:
``DirichReg(DR_data(d[, c("sand", "silt", "clay")]) ~ depth, d)``.

Run: python examples/dirichlet_compositions.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import rglm


def main() -> None:
    rng = np.random.default_rng(4711)
    n = 80
    d = pd.DataFrame({"depth": np.sort(rng.uniform(5, 100, n)).round(1)})
    depth = d["depth"].to_numpy()
    alpha = np.exp(np.column_stack([1.4 - 0.012 * depth, 0.6 + 0.006 * depth, -0.9 + 0.025 * depth]))
    d[["sand", "silt", "clay"]] = np.array([rng.dirichlet(a) for a in alpha])

    common = rglm.dirichlet("cbind(sand, silt, clay) ~ depth", d)
    print(common.summary())
    alternative = rglm.dirichlet("cbind(sand, silt, clay) ~ depth | depth", d, parametrization="alternative")
    print("\nAlternative parametrization (means against sand, log precision):\n")
    print(alternative.params_table.to_string(float_format=lambda v: f"{v:.4f}"))
    print(f"\nlog-likelihoods: common {common.llf:.3f}, alternative {alternative.llf:.3f}")

    new = pd.DataFrame({"depth": [10.0, 50.0, 90.0]})
    print("\nExpected composition by depth:\n")
    print(
        common.predict(new)
        .assign(depth=new["depth"])
        .to_string(index=False, float_format=lambda v: f"{v:.3f}")
    )


if __name__ == "__main__":
    main()
