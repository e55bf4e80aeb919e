"""The user-facing result classes: each model's statistics (:mod:`rglm.results`) with the
convenience methods that call inference and output (prediction, diagnostics, tests,
printing, saving, refitting).  One module per model."""
