"""Logistic regression on the budworm data (Venables & Ripley, MASS ch. 7).

Twenty moths of each sex were exposed to six doses (log2 scale) of a pyrethroid;
the response is the number killed out of 20, given to glm as ``cbind(dead, alive)``
exactly as in R.  Prints R's summary, a markdown table, predicted kill probabilities
with standard errors (R's ``predict(fit, newdata, type = "response", se.fit = TRUE)``),
LD50s, and a side-by-side table of nested models with their analysis of deviance.

Run: python examples/logistic_budworm.py
"""

from __future__ import annotations

import math

import pandas as pd

import rglm


def main() -> None:
    budworm = rglm.datasets.load("budworm")
    m = rglm.glm("cbind(numdead, numalive) ~ sex * ldose", budworm, family=rglm.Binomial())
    print(m.summary())

    print("Coefficient table (markdown):\n")
    print(m.summary().to_markdown())

    # Predicted probability of death at each dose for both sexes, on the response scale.
    grid = pd.DataFrame({"sex": ["F"] * 3 + ["M"] * 3, "ldose": [1.0, 3.0, 5.0] * 2})
    pred = m.predict(grid, type="response", se_fit=True)
    link = m.predict(grid, type="link", se_fit=True)
    table = grid.assign(
        p=pred["fit"].round(4),
        se=pred["se_fit"].round(4),
        eta=link["fit"].round(4),
        se_eta=link["se_fit"].round(4),
    )
    print("Predicted kill probability, with delta-method standard errors:\n")
    print(table.to_string(index=False))

    # LD50 for each sex: the dose where the linear predictor is 0.
    b = m.params
    for sex, (a0, a1) in {
        "F": (b["Intercept"], b["ldose"]),
        "M": (b["Intercept"] + b["sex[T.M]"], b["ldose"] + b["sex[T.M]:ldose"]),
    }.items():
        ld50 = -a0 / a1
        print(f"\nLD50 for sex {sex}: log2 dose {ld50:.3f}, i.e. {2**ld50:.2f} micrograms")
    assert math.isclose(m.deviance, 4.9937, abs_tol=5e-5)

    # A report table: three nested models side by side, odds ratios with 95% intervals.
    fam = rglm.Binomial()
    models = {
        "dose": rglm.glm("cbind(numdead, numalive) ~ ldose", budworm, family=fam),
        "sex + dose": rglm.glm("cbind(numdead, numalive) ~ sex + ldose", budworm, family=fam),
        "sex * dose": m,
    }
    print("\nOdds ratios, markdown for a report:\n")
    print(rglm.compare(models, stat="ci", exponentiate=True, digits=2).to_markdown())
    print(rglm.anova(models["dose"], models["sex + dose"], m, test="Chisq"))


if __name__ == "__main__":
    main()
