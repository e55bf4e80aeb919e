"""Choosing terms: drop1, add1 and step on a Poisson model for ship damage.

The ships data (McCullagh & Nelder) count damage incidents by ship type, year of
construction and period of operation, with months of service as exposure (an offset).
drop1 tests each term against the full model, add1 tries an interaction, and step
searches by AIC (and by BIC with k = log n), exactly as R's functions do.

Run: python examples/model_selection.py
"""

from __future__ import annotations

import math

import rglm


def main() -> None:
    ships = rglm.datasets.load("ships")
    ships = ships[ships["service"] > 0]
    m = rglm.glm(
        "incidents ~ type + C(year) + C(period) + offset(log(service))", ships, family=rglm.Poisson()
    )
    print(m.summary())
    print(rglm.drop1(m, test="Chisq"))
    print(rglm.add1(m, "~ . + type:C(period)", test="Chisq"))

    print("Backward and forward search by AIC from the main-effects model:\n")
    best = rglm.step(
        m, scope={"lower": "~ 1", "upper": "~ type + C(year) + C(period) + C(year):C(period)"}, trace=False
    )
    print(best.step_path)
    bic = rglm.step(m, k=math.log(m.nobs), trace=False)
    print(f"\nAIC keeps: {best.formula}\nBIC keeps: {bic.formula}")


if __name__ == "__main__":
    main()
