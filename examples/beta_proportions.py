"""Beta regression of a proportion, with a model for the precision (R's ``betareg``).

Simulated plant cover (a proportion in (0, 1)) rises with dose; the south site has a higher
mean and a higher precision.  The fit with a precision model (``| site``) is compared with the
constant-precision fit by a likelihood-ratio test, and predictions give the mean, the
precision and quantiles of the fitted beta distribution.  In R:
``betareg(cover ~ dose + site | site, data = d)``.

Run: python examples/beta_proportions.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import rglm


def main() -> None:
    rng = np.random.default_rng(2024)
    n = 200
    d = pd.DataFrame({"dose": rng.uniform(0, 3, n).round(3), "site": rng.choice(["north", "south"], n)})
    south = (d["site"] == "south").to_numpy()
    mu = 1 / (1 + np.exp(-(-1.0 + 0.6 * d["dose"].to_numpy() + 0.3 * south)))
    phi = np.exp(2.5 + 0.8 * south)
    d["cover"] = rng.beta(mu * phi, (1 - mu) * phi).round(6)

    constant = rglm.betareg("cover ~ dose + site", d)
    varying = rglm.betareg("cover ~ dose + site | site", d)
    print(varying.summary())
    print("\nDoes the precision differ between the sites?\n")
    print(varying.lr_test(constant))

    new = pd.DataFrame({"dose": [0.5, 1.5, 2.5] * 2, "site": ["north"] * 3 + ["south"] * 3})
    table = new.assign(
        mean=varying.predict(new),
        precision=varying.predict(new, type="precision"),
    ).join(varying.predict(new, type="quantile", at=[0.1, 0.9]))
    print("\nPredicted mean, precision and the 10% and 90% quantiles:\n")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    main()
