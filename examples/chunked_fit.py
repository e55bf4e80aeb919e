"""A fit that never holds the data in memory: Parquet files read in chunks.

Writes a generated claims table (200,000 policies, four Parquet files) to a temporary
directory, fits a Poisson rate model to the files chunk by chunk -- each IRLS iteration is
one pass that keeps only p-by-p sums -- and checks the result against the in-memory fit of
the same rows.  Predictions are written back to Parquet chunk by chunk.

Run: python examples/chunked_fit.py          (needs pyarrow: pip install "rglm[parquet]")
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import rglm


def make_claims(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west", "centre"], n)
    age = rng.uniform(18, 80, n)
    exposure = rng.uniform(0.1, 1.0, n)
    effect = {"north": 0.0, "south": 0.2, "east": -0.1, "west": 0.1, "centre": 0.3}
    rate = np.exp(-2.0 + 0.01 * (age - 50) + np.vectorize(effect.get)(region))
    return pd.DataFrame(
        {"claims": rng.poisson(rate * exposure), "age": age, "region": region, "exposure": exposure}
    )


def main() -> None:
    formula = "claims ~ age + region + offset(log(exposure))"
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for part in range(4):
            path = Path(tmp) / f"claims-{part}.parquet"
            make_claims(50_000, seed=part).to_parquet(path)
            files.append(str(path))

        m = rglm.glm(formula, files, family=rglm.Poisson(), chunksize=25_000)
        print(m.summary())

        whole = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        ref = rglm.glm(formula, whole, family=rglm.Poisson())
        diff = float(np.max(np.abs(m.params.to_numpy() - ref.params.to_numpy())))
        print(f"largest difference from the in-memory coefficients: {diff:.1e}")
        assert diff < 1e-8

        out = Path(tmp) / "predictions.parquet"
        m.predict_to(out)
        pred = pd.read_parquet(out)
        print(f"wrote {len(pred):,} predictions; first rows:\n{pred.head()}")


if __name__ == "__main__":
    main()
