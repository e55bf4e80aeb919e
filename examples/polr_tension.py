"""Ordinal regression: warp tension (low < medium < high) from breaks and wool, as MASS::polr.

The warpbreaks data record the number of breaks of 54 looms by wool type and tension.  Read
the other way round, tension is an ordered outcome: a proportional-odds model (logistic) and
its probit and complementary log-log variants give the thresholds between the levels, the
coefficients, MASS's summary and likelihood-ratio table, profile intervals and predicted
probabilities for new looms.

Run: python examples/polr_tension.py
"""

from __future__ import annotations

import pandas as pd

import rglm


def main() -> None:
    wb = rglm.datasets.load("warpbreaks")
    wb["tension"] = pd.Categorical(wb["tension"], categories=["L", "M", "H"], ordered=True)

    fits = {
        method: rglm.polr("tension ~ breaks + wool", wb, method=method)
        for method in ("logistic", "probit", "cloglog")
    }
    m = fits["logistic"]
    print(m.summary())
    print()
    print(rglm.compare(fits, extra=("aic",)))

    small = rglm.polr("tension ~ breaks", wb)
    print(rglm.anova(small, m))
    print()
    print("Profile-likelihood intervals (MASS's confint):")
    print(m.conf_int(method="profile"))

    new = pd.DataFrame({"breaks": [15, 30, 45], "wool": ["A", "B", "A"]})
    probs = m.predict(new)
    probs["most likely"] = m.predict(new, type="class")
    print("\nPredicted tension for three new looms:")
    print(probs.round(3))


if __name__ == "__main__":
    main()
