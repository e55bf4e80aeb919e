"""Classic public datasets bundled with rglm, as used in R's documentation and textbooks.

>>> import rglm
>>> rglm.datasets.load("dobson").shape
(9, 3)
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["DESCRIPTIONS", "load", "names"]

#: One line on each dataset and where it comes from.
DESCRIPTIONS: dict[str, str] = {
    "airquality": "New York air quality measurements, May-September 1973 (R datasets); has missing values",
    "birthwt": "Risk factors for low infant birth weight, Baystate Medical Center 1986 (MASS)",
    "budworm": "Tobacco budworm deaths by sex and log2 dose of pyrethroid, 20 moths per group (MASS ch. 7)",
    "clotting": "Blood clotting times against plasma concentration, two lots (McCullagh & Nelder 1989)",
    "dobson": "Randomized controlled trial counts by outcome and treatment (Dobson 1990, R's ?glm)",
    "endometrial": "Histology grade of endometrial cancer by neovasculization, pulsatility index and "
    "endometrium height, 79 patients (Heinze & Schemper 2002; brglm2); NV separates the grades",
    "esoph": "Oesophageal cancer case-control study, Ille-et-Vilaine (R datasets)",
    "infert": "Infertility after spontaneous and induced abortion, matched case-control (R datasets)",
    "insectsprays": "Insect counts after six insecticide sprays (R datasets)",
    "insurance": "Numbers of car insurance claims by district, car group and age (MASS)",
    "mtcars": "Motor Trend 1974 road tests of 32 cars (R datasets), plus wt2 = 2 * wt",
    "quine": "Days absent from school among Australian children (MASS)",
    "ships": "Ship damage incidents by type, construction year and period, service > 0 (MASS)",
    "titanic": "Titanic passengers by class, sex, age and survival, with cell counts Freq (R datasets)",
    "trees": "Girth, height and volume of 31 felled black cherry trees (R datasets)",
    "warpbreaks": "Warp breaks per loom by wool type and tension (R datasets)",
}


def names() -> list[str]:
    """Names of the bundled datasets."""
    return sorted(DESCRIPTIONS)


def load(name: str) -> pd.DataFrame:
    """Load a bundled dataset as a new DataFrame.

    Parameters
    ----------
    name : str
        One of :func:`names` (case-insensitive).
    """
    key = str(name).lower().removesuffix(".csv")
    if key not in DESCRIPTIONS:
        raise ValueError(f"unknown dataset {name!r}; bundled datasets are {', '.join(names())}")
    with resources.files(__name__).joinpath(f"{key}.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)
