"""Gamma regression with the inverse link: blood clotting times (McCullagh & Nelder 1989, sec. 8.4.2).

Clotting time falls with plasma concentration ``u``; the inverse of the mean is linear in
``log(u)``.  This is the example from R's ``?glm``:
``glm(lot1 ~ log(u), data = clotting, family = Gamma)``.  The dispersion is estimated,
so the summary reports t statistics.

Run: python examples/gamma_clotting.py
"""

from __future__ import annotations

import pandas as pd

import rglm


def main() -> None:
    clotting = rglm.datasets.load("clotting")
    fits = {lot: rglm.glm(f"{lot} ~ log(u)", clotting, family=rglm.Gamma()) for lot in ("lot1", "lot2")}
    print(fits["lot1"].summary())

    rows = []
    for lot, m in fits.items():
        rows.append(
            {
                "lot": lot,
                "intercept": m.params["Intercept"],
                "slope log(u)": m.params["log(u)"],
                "dispersion": m.scale,
                "deviance": m.deviance,
                "AIC": m.aic,
            }
        )
    print("Both lots (R: coef, summary()$dispersion, deviance, AIC):\n")
    print(pd.DataFrame(rows).set_index("lot").to_string(float_format=lambda v: f"{v:.6g}"))

    m = fits["lot1"]
    table = clotting[["u", "lot1"]].assign(
        fitted=m.fittedvalues.round(2),
        deviance_resid=m.resid_deviance.round(4),
        pearson_resid=m.resid_pearson.round(4),
    )
    print("\nlot1: fitted clotting times and residuals:\n")
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
