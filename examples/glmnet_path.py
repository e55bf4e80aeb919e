"""Lasso and elastic-net paths from a formula, with R's glmnet numbers (``mtcars``).

``rglm.glmnet`` fits glmnet's whole regularization path on ``model.matrix(formula)[, -1]``
(factors in treatment coding), and ``rglm.cv_glmnet`` picks lambda by cross-validation
with glmnet's folds statistics.  The path prints as ``print(glmnet)`` does: the number of
nonzero coefficients, the percentage of deviance explained and lambda.  A penalized path
has no honest standard errors, so no p-values are shown.

Run: python examples/glmnet_path.py
"""

from __future__ import annotations

import rglm


def main() -> None:
    mtcars = rglm.datasets.load("mtcars")
    formula = "mpg ~ wt + hp + disp + qsec + drat + am + C(cyl)"

    path = rglm.glmnet(formula, mtcars, family=rglm.Gaussian(), alpha=1.0)
    lines = str(path).splitlines()
    print("\n".join(lines[:14]), "\n   ...")

    cv = rglm.cv_glmnet(formula, mtcars, family=rglm.Gaussian(), nfolds=5, seed=2)
    print(cv)
    print("\nCoefficients at lambda.1se (the sparsest model within one SE of the best):")
    print(cv.coef(s="lambda.1se").round(4).to_string())

    new = mtcars.head(3)
    print("\nPredicted mpg for the first three cars at lambda.min:")
    print(cv.predict(new, s="lambda.min").round(3).to_string())

    # A Poisson elastic net on counts: the same call with another family.
    counts = rglm.glmnet("carb ~ wt + hp + disp + qsec + am", mtcars, family=rglm.Poisson(), alpha=0.5)
    print(
        f"\nPoisson elastic net: {counts.lambda_.size} lambdas, "
        f"{counts.dev_ratio[-1]:.1%} of the null deviance explained at the end of the path"
    )


if __name__ == "__main__":
    main()
