"""Estimated marginal means of a Poisson rate model: ship damage incidents (MASS ``ships``).

Means per ship type on the log scale and as rates per 1000 months of service, comparisons
with type B (Dunnett-style, emmeans' ``dunnettx`` adjustment) as rate ratios, Tukey-adjusted
pairwise ratios with sandwich (HC3) standard errors, and year means averaged with weights
proportional to the data, all as R's ``emmeans`` prints them.

Run: python examples/emmeans_ships.py
"""

from __future__ import annotations

import numpy as np

import rglm


def main() -> None:
    ships = rglm.datasets.load("ships")
    fit = rglm.glm(
        "incidents ~ type + C(year) + C(period) + offset(np.log(service))", ships, family=rglm.Poisson()
    )
    print(fit.summary())
    print(rglm.emmeans(fit, "~ type"))

    rates = rglm.emmeans(fit, "~ type", offset=np.log(1000), type="response")
    print(rates)
    print(rglm.contrast(rates, "trt.vs.ctrl", ref="B"))

    robust = rglm.emmeans(fit, "~ type", type="response", vcov=fit.robust("HC3").cov_params())
    print(rglm.pairs(robust))

    print(rglm.emmeans(fit, "~ year", weights="proportional"))


if __name__ == "__main__":
    main()
