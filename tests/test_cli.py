"""The ``rglm`` command line, run as ``python -m rglm`` in a subprocess."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rglm

ROOT = Path(__file__).resolve().parents[1]
DOBSON = "counts ~ C(outcome) + C(treatment)"
BUDWORM = "cbind(numdead, numalive) ~ sex * ldose"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "rglm", *args],
        capture_output=True,
        text=True,
        check=False,
        encoding="utf-8",
        env=env,
        cwd=cwd or ROOT,
        timeout=120,
    )


def assert_user_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("rglm: error: ")
    assert "Traceback" not in proc.stderr
    for frag in fragments:
        assert frag in lines[0]
    assert proc.stdout == ""


# -- text output: R's printed figures -----------------------------------------------------------
def test_dobson_poisson_text_matches_r() -> None:
    proc = run("fit", DOBSON, "--data", "dobson", "--family", "poisson")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Residual deviance:  5.1291  on 4  degrees of freedom" in out
    assert "    Null deviance: 10.5814  on 8  degrees of freedom" in out
    assert "AIC: 56.761" in out
    assert "(Dispersion parameter for poisson family taken to be 1)" in out
    assert "Number of Fisher Scoring iterations: 4" in out
    assert "family = poisson()" in out
    assert "z value Pr(>|z|)" in out
    assert proc.stderr == ""


def test_budworm_binomial_text_matches_r() -> None:
    proc = run("fit", BUDWORM, "--data", "budworm", "--family", "binomial")
    assert proc.returncode == 0, proc.stderr
    assert "    Null deviance: 124.8756  on 11  degrees of freedom" in proc.stdout
    assert "Residual deviance:   4.9937  on  8  degrees of freedom" in proc.stdout
    assert "AIC: 43.104" in proc.stdout


def test_text_equals_python_summary() -> None:
    proc = run("fit", DOBSON, "--data", "dobson", "--family", "poisson")
    dobson = rglm.datasets.load("dobson")
    m = rglm.glm(DOBSON, dobson, family=rglm.Poisson())
    assert proc.stdout == str(m.summary())
    assert "data = dobson)" in proc.stdout


def test_gamma_uses_t_and_estimated_dispersion() -> None:
    proc = run("fit", "lot1 ~ log(u)", "--data", "clotting", "--family", "Gamma")
    assert proc.returncode == 0, proc.stderr
    assert "t value Pr(>|t|)" in proc.stdout
    assert "(Dispersion parameter for Gamma family taken to be 0.002446059)" in proc.stdout
    assert "AIC: 37.99" in proc.stdout


def test_family_names_case_insensitive_and_link() -> None:
    a = run("fit", BUDWORM, "--data", "budworm", "--family", "BINOMIAL", "--link", "probit")
    assert a.returncode == 0, a.stderr
    assert 'family = binomial(link = "probit")' in a.stdout
    b = run("fit", "lot1 ~ log(u)", "--data", "clotting", "--family", "gamma")
    assert b.returncode == 0, b.stderr


def test_offset_weights_subset() -> None:
    proc = run(
        "fit",
        "incidents ~ type + C(year) + C(period) + offset(log(service))",
        "--data",
        "ships",
        "--family",
        "poisson",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Residual deviance:  38.695  on 25  degrees of freedom" in proc.stdout
    assert "AIC: 154.56" in proc.stdout

    sub = run(
        "fit",
        "counts ~ C(outcome)",
        "--data",
        "dobson",
        "--family",
        "poisson",
        "--subset",
        "treatment != 3",
        "--format",
        "json",
    )
    assert sub.returncode == 0, sub.stderr
    assert json.loads(sub.stdout)["nobs"] == 6

    w = run(
        "fit",
        "prop ~ ldose",
        "--data",
        "budworm",
        "--family",
        "binomial",
        "--weights",
        "total",
        "--format",
        "json",
    )
    c = run(
        "fit",
        "cbind(numdead, numalive) ~ ldose",
        "--data",
        "budworm",
        "--family",
        "binomial",
        "--format",
        "json",
    )
    assert w.returncode == 0 and c.returncode == 0, w.stderr + c.stderr
    assert json.loads(w.stdout)["deviance"] == pytest.approx(json.loads(c.stdout)["deviance"], rel=1e-10)


def test_offset_column(tmp_path: Path) -> None:
    df = rglm.datasets.load("ships")
    df["logservice"] = df["service"].map(math.log)
    path = tmp_path / "ships.csv"
    df.to_csv(path, index=False)
    proc = run(
        "fit",
        "incidents ~ type + C(year) + C(period)",
        "--data",
        str(path),
        "--family",
        "poisson",
        "--offset",
        "logservice",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Residual deviance:  38.695  on 25  degrees of freedom" in proc.stdout


def test_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "dobson.csv"
    rglm.datasets.load("dobson").to_csv(path, index=False)
    proc = run("fit", DOBSON, "--data", str(path), "--family", "poisson")
    assert proc.returncode == 0, proc.stderr
    assert "AIC: 56.761" in proc.stdout


# -- other formats ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "family, formula, data",
    [
        ("poisson", DOBSON, "dobson"),
        ("binomial", BUDWORM, "budworm"),
        ("Gamma", "lot1 ~ log(u)", "clotting"),
        ("quasipoisson", DOBSON, "dobson"),
        ("gaussian", "mpg ~ wt + wt2 + hp", "mtcars"),
    ],
)
def test_json_matches_python_api(family: str, formula: str, data: str) -> None:
    proc = run("fit", formula, "--data", data, "--family", family, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    m = rglm.glm(formula, rglm.datasets.load(data), family=rglm.families.get_family(family))

    def same(a: float | None, b: float) -> bool:
        return (a is None and not math.isfinite(b)) or (a is not None and a == pytest.approx(b, rel=1e-12))

    assert list(doc["coefficients"]) == m.exog_names
    for name, row in doc["coefficients"].items():
        assert same(row["estimate"], m.params[name])
        assert same(row["std_error"], m.bse[name])
        assert same(row["statistic"], m.tvalues[name])
        assert same(row["p_value"], m.pvalues[name])
    for key, attr in [
        ("deviance", "deviance"),
        ("null_deviance", "null_deviance"),
        ("aic", "aic"),
        ("bic", "bic"),
        ("loglik", "llf"),
        ("dispersion", "scale"),
    ]:
        assert same(doc[key], getattr(m, attr)), key
    assert doc["df_resid"] == m.df_resid and doc["df_null"] == m.df_null
    assert doc["nobs"] == m.nobs and doc["iterations"] == m.iterations
    assert doc["converged"] is True
    assert doc["statistic"] == ("t" if m.use_t else "z")


def test_json_dobson_values() -> None:
    doc = json.loads(run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "--format", "json").stdout)
    assert round(doc["deviance"], 4) == 5.1291
    assert round(doc["aic"], 3) == 56.761
    assert doc["df_resid"] == 4 and doc["df_null"] == 8 and doc["nobs"] == 9
    assert doc["dispersion"] == 1.0


def test_json_quasi_has_null_aic_and_aliased_null() -> None:
    q = json.loads(
        run("fit", DOBSON, "--data", "dobson", "--family", "quasipoisson", "--format", "json").stdout
    )
    assert q["aic"] is None and q["loglik"] is None
    g = json.loads(run("fit", "mpg ~ wt + wt2", "--data", "mtcars", "--format", "json").stdout)
    assert g["coefficients"]["wt2"]["estimate"] is None


def test_markdown() -> None:
    proc = run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    dobson = rglm.datasets.load("dobson")
    m = rglm.glm(DOBSON, dobson, family=rglm.Poisson())
    assert proc.stdout == m.summary().to_markdown()
    assert "|-------" in proc.stdout
    assert "AIC: 56.761" in proc.stdout


@pytest.mark.parametrize("fmt, marker", [("latex", "\\begin{tabular}"), ("html", "<table>")])
def test_latex_html(fmt: str, marker: str) -> None:
    proc = run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout


def test_output_writes_file(tmp_path: Path) -> None:
    out = tmp_path / "fit.json"
    proc = run(
        "fit", DOBSON, "--data", "dobson", "--family", "poisson", "--format", "json", "--output", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert round(json.loads(out.read_text(encoding="utf-8"))["deviance"], 4) == 5.1291
    txt = tmp_path / "fit.txt"
    assert run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "-o", str(txt)).returncode == 0
    assert "AIC: 56.761" in txt.read_text(encoding="utf-8")


def test_tweedie_and_negbin() -> None:
    t = run(
        "fit",
        "lot1 ~ log(u)",
        "--data",
        "clotting",
        "--family",
        "tweedie",
        "--var-power",
        "2",
        "--link",
        "inverse",
        "--format",
        "json",
    )
    g = run("fit", "lot1 ~ log(u)", "--data", "clotting", "--family", "Gamma", "--format", "json")
    assert t.returncode == 0 and g.returncode == 0, t.stderr + g.stderr
    assert json.loads(t.stdout)["deviance"] == pytest.approx(json.loads(g.stdout)["deviance"], rel=1e-8)
    nb = run("fit", "Days ~ Eth + Sex", "--data", "quine", "--family", "negbin", "--theta", "1.5")
    assert nb.returncode == 0, nb.stderr
    assert "negative.binomial(theta = 1.5)" in nb.stdout
    est = run("fit", "Days ~ Eth + Sex + Age + Lrn", "--data", "quine", "--family", "negbin")
    assert est.returncode == 0, est.stderr
    quine = rglm.datasets.load("quine")
    m = rglm.glm("Days ~ Eth + Sex + Age + Lrn", quine, family=rglm.NegativeBinomial())
    assert est.stdout == str(m.summary())
    assert "Theta:  1.275" in est.stdout  # MASS's glm.nb on quine


# -- warnings and errors ------------------------------------------------------------------------
def test_fit_warning_goes_to_stderr() -> None:
    proc = run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "--max-iter", "1")
    assert proc.returncode == 0
    assert proc.stderr.startswith("rglm: warning: ")
    assert "converge" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Call:" in proc.stdout


def test_bad_formula() -> None:
    assert_user_error(run("fit", "counts ~ outcome +* treatment", "--data", "dobson"), "formula")
    assert_user_error(run("fit", "counts ~ ", "--data", "dobson"), "formula")


def test_missing_column() -> None:
    assert_user_error(run("fit", "counts ~ nope", "--data", "dobson"), "nope")
    assert_user_error(run("fit", DOBSON, "--data", "dobson", "--weights", "nope"), "nope")
    assert_user_error(run("fit", DOBSON, "--data", "dobson", "--offset", "nope"), "nope")
    assert_user_error(run("fit", DOBSON, "--data", "dobson", "--subset", "nope > 1"), "nope")


def test_unknown_family() -> None:
    assert_user_error(run("fit", DOBSON, "--data", "dobson", "--family", "poison"), "poison", "poisson")


def test_bad_link() -> None:
    assert_user_error(
        run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "--link", "logit"), "logit"
    )
    assert_user_error(
        run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "--link", "bogus"), "bogus"
    )


def test_family_options_required() -> None:
    assert_user_error(run("fit", DOBSON, "--data", "dobson", "--family", "tweedie"), "--var-power")


def test_file_not_found(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.csv")
    assert_user_error(run("fit", DOBSON, "--data", missing), "missing.csv", "not found")


def test_parquet_without_pyarrow_or_with(tmp_path: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        path = tmp_path / "x.parquet"
        path.write_bytes(b"PAR1")
        assert_user_error(run("fit", DOBSON, "--data", str(path), "--family", "poisson"), "pyarrow")
    else:
        path = tmp_path / "dobson.parquet"
        rglm.datasets.load("dobson").to_parquet(path)
        proc = run("fit", DOBSON, "--data", str(path), "--family", "poisson")
        assert proc.returncode == 0, proc.stderr
        assert "AIC: 56.761" in proc.stdout


def test_non_numeric_response(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("y,x\na,1\nb,2\nc,3\n", encoding="utf-8")
    assert_user_error(run("fit", "y ~ x", "--data", str(path)), "numeric")


def test_domain_error() -> None:
    assert_user_error(run("fit", "mpg ~ wt", "--data", "mtcars", "--family", "binomial"))


def test_unwritable_output(tmp_path: Path) -> None:
    bad = str(tmp_path / "no" / "such" / "dir" / "out.txt")
    assert_user_error(
        run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "--output", bad), "cannot write"
    )


def test_bad_tol_and_max_iter() -> None:
    assert_user_error(run("fit", DOBSON, "--data", "dobson", "--tol", "0"), "--tol")
    assert_user_error(run("fit", DOBSON, "--data", "dobson", "--max-iter", "0"), "--max-iter")


def test_usage_error_exits_2() -> None:
    proc = run("fit", DOBSON)  # --data missing
    assert proc.returncode == 2
    assert "rglm fit: error:" in proc.stderr and "--data" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- datasets and help --------------------------------------------------------------------------
def test_datasets_command() -> None:
    proc = run("datasets")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == len(rglm.datasets.names())
    for line, name in zip(lines, rglm.datasets.names(), strict=False):
        assert line.split()[0] == name
        assert rglm.datasets.DESCRIPTIONS[name] in line


def test_help_shows_examples() -> None:
    for args in (("--help",), ("fit", "--help")):
        proc = run(*args)
        assert proc.returncode == 0
        assert "examples:" in proc.stdout
        assert 'rglm fit "counts ~ C(outcome) + C(treatment)" --data dobson --family poisson' in proc.stdout


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert rglm.__version__ in proc.stdout


def test_main_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    from rglm.cli import main

    assert main(["fit", DOBSON, "--data", "dobson", "--family", "poisson"]) == 0
    assert "AIC: 56.761" in capsys.readouterr().out
    assert main(["fit", DOBSON, "--data", "dobson", "--family", "nope"]) == 2
    assert capsys.readouterr().err.startswith("rglm: error: unknown family")


# -- more glm() options ---------------------------------------------------------------------------
def test_fit_options_match_python_api() -> None:
    df = rglm.datasets.load("airquality")
    proc = run(
        "fit",
        "Ozone ~ Temp + Wind",
        "--data",
        "airquality",
        "--family",
        "Gamma",
        "--link",
        "log",
        "--na-action",
        "exclude",
        "--dispersion",
        "0.25",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    m = rglm.glm(
        "Ozone ~ Temp + Wind", df, family=rglm.Gamma(link="log"), na_action="exclude", dispersion=0.25
    )
    doc = json.loads(proc.stdout)
    assert doc["statistic"] == "z" and doc["dispersion"] == 0.25
    for name in m.exog_names:
        assert doc["coefficients"][name]["std_error"] == pytest.approx(m.bse[name], rel=1e-12)
    assert doc["n_dropped"] == m.n_dropped > 0


def test_cov_type_and_cluster() -> None:
    warpbreaks = rglm.datasets.load("warpbreaks")
    df = warpbreaks
    hc = run(
        "fit", "breaks ~ wool + tension", "--data", "warpbreaks", "--family", "poisson", "--cov-type", "HC3"
    )
    assert hc.returncode == 0, hc.stderr
    m = rglm.glm("breaks ~ wool + tension", warpbreaks, family=rglm.Poisson(), cov_type="HC3")
    assert hc.stdout == str(m.summary())
    assert "Standard errors: sandwich (HC3)" in hc.stdout
    cl = run(
        "fit",
        "breaks ~ wool",
        "--data",
        "warpbreaks",
        "--family",
        "poisson",
        "--cov-type",
        "cluster",
        "--cluster",
        "tension",
        "--format",
        "json",
    )
    assert cl.returncode == 0, cl.stderr
    mc = rglm.glm(
        "breaks ~ wool", df, family=rglm.Poisson(), cov_type="cluster", cov_kwds={"groups": "tension"}
    )
    assert json.loads(cl.stdout)["coefficients"]["Intercept"]["std_error"] == pytest.approx(
        mc.bse["Intercept"]
    )
    assert_user_error(
        run("fit", "breaks ~ wool", "--data", "warpbreaks", "--cluster", "tension"), "--cov-type"
    )
    assert_user_error(run("fit", "breaks ~ wool", "--data", "warpbreaks", "--cov-type", "HC9"), "HC9")


def test_save_then_predict_from_saved_model(tmp_path: Path) -> None:
    model = tmp_path / "dobson.rglm"
    fit = run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "--save", str(model))
    assert fit.returncode == 0, fit.stderr
    new = tmp_path / "new.csv"
    rglm.datasets.load("dobson").iloc[[0, 4, 8]].to_csv(new, index=False)
    a = run("predict", "--model", str(model), "--newdata", str(new), "--se-fit", "--type", "link")
    b = run(
        "predict",
        DOBSON,
        "--data",
        "dobson",
        "--family",
        "poisson",
        "--newdata",
        str(new),
        "--se-fit",
        "--type",
        "link",
    )
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert a.stdout == b.stdout
    import io

    import pandas as pd

    got = pd.read_csv(io.StringIO(a.stdout), index_col="row")
    m = rglm.glm(DOBSON, rglm.datasets.load("dobson"), family=rglm.Poisson())
    want = m.predict(pd.read_csv(new), type="link", se_fit=True)
    np.testing.assert_allclose(got[["fit", "se_fit"]].to_numpy(), want.to_numpy(), rtol=1e-12)
    js = run("predict", "--model", str(model), "--newdata", str(new), "--format", "json")
    assert json.loads(js.stdout)["columns"] == ["fit"]


def test_predict_argument_errors(tmp_path: Path) -> None:
    assert_user_error(run("predict", "--newdata", "dobson"), "either a formula")
    assert_user_error(run("predict", DOBSON, "--newdata", "dobson"), "--data")
    bad = tmp_path / "bad.rglm"
    bad.write_text("nothing")
    assert_user_error(run("predict", "--model", str(bad), "--newdata", "dobson"), "not a saved rglm model")


def test_compare_table() -> None:
    small, big = "counts ~ C(outcome)", DOBSON
    proc = run("compare", small, big, "--data", "dobson", "--family", "poisson", "--names", "small", "big")
    assert proc.returncode == 0, proc.stderr
    df = rglm.datasets.load("dobson")
    models = [rglm.glm(f, df, family=rglm.Poisson()) for f in (small, big)]
    assert proc.stdout == str(rglm.compare(models, names=["small", "big"]))
    tex = run(
        "compare",
        small,
        big,
        "--data",
        "dobson",
        "--family",
        "poisson",
        "--format",
        "latex",
        "--stat",
        "ci",
        "--digits",
        "2",
        "--exponentiate",
    )
    assert tex.returncode == 0, tex.stderr
    assert tex.stdout == rglm.compare(models, stat="ci", digits=2, exponentiate=True).to_latex()
    assert_user_error(run("compare", small, big, "--data", "dobson", "--names", "one"), "--names")


def test_anova_and_drop1_tables() -> None:
    df = rglm.datasets.load("budworm")
    m = rglm.glm(BUDWORM, df, family=rglm.Binomial())
    a = run("anova", BUDWORM, "--data", "budworm", "--family", "binomial", "--test", "Chisq")
    assert a.returncode == 0, a.stderr
    assert a.stdout.rstrip("\n") == str(rglm.anova(m, test="Chisq")).rstrip("\n")
    assert "Analysis of Deviance Table" in a.stdout
    small = "cbind(numdead, numalive) ~ sex + ldose"
    two = run("anova", small, BUDWORM, "--data", "budworm", "--family", "binomial", "--format", "csv")
    assert two.returncode == 0, two.stderr
    want = rglm.anova(rglm.glm(small, df, family=rglm.Binomial()), m)
    assert two.stdout == want.to_csv()
    d = run(
        "drop1", small, "--data", "budworm", "--family", "binomial", "--test", "Chisq", "--format", "markdown"
    )
    assert d.returncode == 0, d.stderr
    assert d.stdout.rstrip("\n") == rglm.drop1(
        rglm.glm(small, df, family=rglm.Binomial()), test="Chisq"
    ).to_markdown().rstrip("\n")
    assert_user_error(
        run("anova", BUDWORM, "--data", "budworm", "--family", "binomial", "--test", "Wald"), "Wald"
    )


def test_trace_goes_to_stderr_and_model_formula_option(tmp_path: Path) -> None:
    proc = run("fit", DOBSON, "--data", "dobson", "--family", "poisson", "--trace")
    assert proc.returncode == 0, proc.stderr
    dobson = rglm.datasets.load("dobson")
    m = rglm.glm(DOBSON, dobson, family=rglm.Poisson())
    assert proc.stdout == str(m.summary())
    assert proc.stderr.splitlines()[:4] == [
        f"Deviance = {d} Iterations - {i}"
        for i, d in enumerate(["5.179719", "5.129147", "5.129141", "5.129141"], 1)
    ]
    new = tmp_path / "new.csv"
    rglm.datasets.load("dobson").iloc[[1, 2]].to_csv(new, index=False)
    a = run(
        "predict", "--model-formula", DOBSON, "--data", "dobson", "--family", "poisson", "--newdata", str(new)
    )
    b = run("predict", DOBSON, "--data", "dobson", "--family", "poisson", "--newdata", str(new))
    assert a.returncode == 0 and a.stdout == b.stdout, a.stderr
    assert_user_error(
        run("predict", DOBSON, "--model-formula", DOBSON, "--data", "dobson", "--newdata", str(new)),
        "formula once",
    )
