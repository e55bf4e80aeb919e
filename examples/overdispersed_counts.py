"""Over-dispersed counts: Poisson, quasi-Poisson and negative binomial on the quine data.

Days absent from school for 146 Australian children (Venables & Ripley, MASS).  A Poisson
model's Pearson statistic is far above its degrees of freedom, so the counts vary more
than a Poisson allows.  A quasi-Poisson model keeps the coefficients and inflates the
standard errors by the estimated dispersion; a negative binomial model (MASS::glm.nb,
theta estimated) changes the variance function to mu + mu^2/theta.  A side-by-side
table shows the three together.

Run: python examples/overdispersed_counts.py
"""

from __future__ import annotations

import rglm


def main() -> None:
    quine = rglm.datasets.load("quine")
    formula = "Days ~ Eth + Sex + Age + Lrn"
    pois = rglm.glm(formula, quine, family=rglm.Poisson())
    ratio = pois.pearson_chi2 / pois.df_resid
    print(f"Poisson: Pearson X^2 / df = {pois.pearson_chi2:.1f} / {pois.df_resid} = {ratio:.2f}\n")

    quasi = rglm.glm(formula, quine, family=rglm.QuasiPoisson())
    nb = rglm.glm(formula, quine, family=rglm.NegativeBinomial())
    print(nb.summary())

    print(
        f"theta = {nb.theta:.4f} (SE {nb.theta_se:.4f}); AIC Poisson {pois.aic:.1f} vs negative binomial "
        f"{nb.aic:.1f}\n"
    )
    table = rglm.compare(
        {"Poisson": pois, "quasi-Poisson": quasi, "neg. binomial": nb},
        exponentiate=True,
        extra=("nobs", "aic", "dispersion"),
    )
    print("Rate ratios (exp of the coefficients):\n")
    print(table)
    # As MASS's anova.negbin, this warns (AnovaWarning) that the sequential tests keep theta
    # fixed at its estimate for the full model: the warning is expected.
    print("\nAnalysis of deviance (expect AnovaWarning: tests made without re-estimating 'theta'):")
    print(rglm.anova(nb, test="Chisq"))


if __name__ == "__main__":
    main()
