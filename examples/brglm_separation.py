"""Separated data: maximum likelihood diverges, bias reduction gives finite estimates.

In the endometrial cancer data (Heinze and Schemper 2002; brglm2) every patient with
neovasculization (NV = 1) has a high histology grade, so the maximum likelihood estimate of
NV's coefficient is infinite: rglm warns with a SeparationWarning and the summary says so.
``method="brglm"`` fits R's brglm2 estimators instead, which are finite; the figures are
brglm2's (R: ``glm(HG ~ NV + PI + EH, binomial, endometrial, method = "brglmFit")``).

Run: python examples/brglm_separation.py
"""

from __future__ import annotations

import rglm

endo = rglm.datasets.load("endometrial")
formula = "HG ~ NV + PI + EH"

ml = rglm.glm(formula, endo, family=rglm.Binomial())  # SeparationWarning (on stderr)
print(ml.separation.note())
print(f"ML: NV = {ml.params['NV']:.2f} (se {ml.bse['NV']:.0f}): where IRLS stopped, not an estimate\n")

fits = {"ML": ml}
for kind in ("AS_mean", "AS_median", "MPL_Jeffreys"):
    fits[kind] = rglm.glm(formula, endo, family=rglm.Binomial(), method="brglm", type=kind)
print(rglm.compare(fits))

median = fits["AS_median"]
print(median.summary())
# brglm2 0.9: NV 3.86921, SE 2.29824 (type = "AS_median")
assert abs(median.params["NV"] - 3.86921) < 1e-5 and abs(median.bse["NV"] - 2.29824) < 1e-5
print(median.conf_int())
