"""Multinomial logit on the warpbreaks data: which tension produced a number of breaks?

R's ``nnet::multinom(tension ~ breaks * wool, warpbreaks)``, fitted to the exact MLE.  Prints
nnet's summary (with the z and p-value matrices R users compute by hand), predicted
probabilities with delta-method standard errors, the most probable tension, and the
likelihood-ratio test of the interaction (nnet's ``anova.multinom``).

Run: python examples/multinom_warpbreaks.py
"""

from __future__ import annotations

import pandas as pd

import rglm


def main() -> None:
    wb = rglm.datasets.load("warpbreaks")
    # Low tension is the baseline: the Categorical's order, as R's factor levels.
    wb["tension"] = pd.Categorical(wb["tension"], categories=["L", "M", "H"])
    m = rglm.multinom("tension ~ breaks * wool", wb)
    print(m.summary(tests=True))

    grid = pd.DataFrame({"breaks": [15, 25, 40, 60], "wool": ["A", "B", "A", "B"]})
    probs, se = m.predict(grid, se_fit=True)
    print("\nPredicted probabilities (delta-method standard errors in brackets):\n")
    cells = probs.round(3).astype(str) + " (" + se.round(3).astype(str) + ")"
    print(pd.concat([grid, cells], axis=1).to_string(index=False))
    print("\nMost probable tension:", list(m.predict(grid, type="class")))

    additive = rglm.multinom("tension ~ breaks + wool", wb)
    print()
    print(rglm.anova(additive, m))


if __name__ == "__main__":
    main()
