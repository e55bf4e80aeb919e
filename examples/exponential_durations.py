"""Exponential regression of durations: a GLM with the exponential family.

Simulated repair times are exponential with a mean that grows with the size of the job.  The
exponential is the Gamma with its dispersion fixed at 1, so the tests are z tests, and its
log-likelihood is the one ``survival::survreg(Surv(time) ~ size + crew, dist =
"exponential")`` reports in R.

Run: python examples/exponential_durations.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import rglm


def main() -> None:
    rng = np.random.default_rng(5150)
    n = 120
    d = pd.DataFrame({"size": rng.uniform(0, 2, n).round(3), "crew": rng.choice(["A", "B", "C"], n)})
    mean = np.exp(0.5 + 0.7 * d["size"] - 0.3 * (d["crew"] == "B"))
    d["time"] = rng.exponential(mean).round(4)

    m = rglm.glm("time ~ size + crew", d, family=rglm.Exponential(link="log"))
    print(m.summary())
    print(f"log-likelihood {m.llf:.4f}, AIC {m.aic:.4f}, BIC {m.bic:.4f}\n")
    print(rglm.drop1(m, test="Chisq"))


if __name__ == "__main__":
    main()
