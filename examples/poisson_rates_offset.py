"""Poisson rate model with an exposure offset: ship damage incidents (MASS ``ships``).

The number of damage incidents is modelled per month of service by putting
``offset(log(service))`` in the formula, as in McCullagh & Nelder (1989, sec. 6.3.2).
``exp(coefficient)`` is then a rate ratio; its Wald interval is ``exp`` of the
interval from ``conf_int()`` (R's ``exp(confint.default(fit))``).

Run: python examples/poisson_rates_offset.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import rglm


def main() -> None:
    ships = rglm.datasets.load("ships")
    m = rglm.glm(
        "incidents ~ type + C(year) + C(period) + offset(log(service))", ships, family=rglm.Poisson()
    )
    print(m.summary())

    ci = m.conf_int(level=0.95)
    rr = pd.DataFrame(
        {"rate ratio": np.exp(m.params), "2.5 %": np.exp(ci["lower"]), "97.5 %": np.exp(ci["upper"])}
    ).round(4)
    rr["p-value"] = m.pvalues.map(lambda p: f"{p:.3g}")
    print("Rate ratios with 95% Wald intervals:\n")
    print(rr.to_string())

    # The Poisson fit is overdispersed if Pearson's X^2 is well above its df.
    print(f"\nPearson X^2 / df = {m.pearson_chi2:.2f} / {m.df_resid} = {m.pearson_chi2 / m.df_resid:.3f}")
    q = rglm.glm(
        "incidents ~ type + C(year) + C(period) + offset(log(service))", ships, family=rglm.QuasiPoisson()
    )
    print(
        f"quasipoisson dispersion: {q.scale:.4f}; standard errors grow by sqrt(phi) = {np.sqrt(q.scale):.4f}"
    )

    # Expected incidents for 1000 months of service of a type B ship built 1965-69, period 1975-79.
    new = pd.DataFrame({"type": ["B"], "year": [65], "period": [75], "service": [1000]})
    pred = m.predict(new, type="response", se_fit=True)
    print(
        f"\nExpected incidents in 1000 months (type B, built 65-69, 75-79): "
        f"{pred['fit'].iloc[0]:.3f} (se {pred['se_fit'].iloc[0]:.3f})"
    )


if __name__ == "__main__":
    main()
