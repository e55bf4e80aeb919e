"""The command line's parser: the commands, their options and the help text."""

from __future__ import annotations

import argparse
from typing import Any

from rglm import __version__

__all__ = ["EPILOG", "FAMILIES", "FORMATS", "TABLE_FORMATS", "CLIError", "build_parser"]

EPILOG = """\
examples:
  rglm fit "counts ~ C(outcome) + C(treatment)" --data dobson --family poisson
  rglm fit "cbind(numdead, numalive) ~ sex * ldose" --data budworm --family binomial --link probit
  rglm fit "incidents ~ type + C(year) + C(period) + offset(log(service))" --data ships \\
      --family poisson --format markdown
  rglm fit "lot1 ~ log(u)" --data clotting --family Gamma --format json --output fit.json
  rglm fit "y ~ x1 + x2" --data mydata.csv --family quasipoisson --subset "x1 > 0"
  rglm fit "Days ~ Eth + Sex + Age + Lrn" --data quine --family negbin          # theta estimated
  rglm fit "y ~ x" --data d.csv --family poisson --cov-type cluster --cluster firm
  rglm fit "y ~ x" --data d.csv --family binomial --save model.rglm
  rglm fit "HG ~ NV + PI + EH" --data endo.csv --family binomial --method brglm --type AS_median
  rglm fit "rating ~ price + brand" --data ratings.csv --model polr --method probit  # MASS::polr
  rglm compare "counts ~ C(outcome)" "counts ~ C(outcome) + C(treatment)" --data dobson \\
      --family poisson --names small big --format latex
  rglm anova "cbind(numdead, numalive) ~ sex * ldose" --data budworm --family binomial --test Chisq
  rglm anova "y ~ a" "y ~ a + b" --data d.csv            # compare nested models
  rglm drop1 "incidents ~ type + C(year) + offset(log(service))" --data ships --family poisson
  rglm predict "counts ~ C(outcome) + C(treatment)" --data dobson --family poisson \\
      --newdata new.csv --type response --se-fit --output predictions.csv
  rglm predict --model model.rglm --newdata new.csv
  rglm datasets

--data takes a bundled dataset name (see `rglm datasets`) or a CSV file
(Parquet too when pyarrow is installed).  Errors exit with status 2.
"""

#: R's family names accepted by ``--family`` (matched case-insensitively).
FAMILIES = (
    "gaussian",
    "binomial",
    "poisson",
    "Gamma",
    "exponential",
    "inverse.gaussian",
    "quasibinomial",
    "quasipoisson",
    "quasi",
    "tweedie",
    "negbin",
)
_ALIASES = {
    "negative.binomial": "negbin",
    "negativebinomial": "negbin",
    "inverse_gaussian": "inverse.gaussian",
}
FORMATS = ("text", "markdown", "latex", "html", "json")
TABLE_FORMATS = ("text", "markdown", "latex", "html", "csv")


class CLIError(Exception):
    """A user error reported as one ``rglm: error:`` line with exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rglm`` command.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="rglm",
        description="R's glm() for Python: fit GLMs from formulas and print R's summary.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rglm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common: dict[str, Any] = {"epilog": EPILOG, "formatter_class": argparse.RawDescriptionHelpFormatter}
    fit = sub.add_parser(
        "fit",
        help="fit a GLM and print its summary",
        parents=[_model_options()],
        description="Fit a GLM as R's glm() and print summary.glm.",
        **common,
    )
    fit.add_argument("formula", help='model formula, e.g. "counts ~ C(outcome) + C(treatment)"')
    fit.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    fit.add_argument(
        "--model",
        dest="model_kind",
        choices=("glm", "multinom", "polr"),
        default="glm",
        help="glm (default); multinom: a multinomial logit as nnet::multinom (--weights, --subset, "
        "--na-action, --tol, --max-iter and --trace apply); polr: a proportional-odds model as "
        "MASS::polr (--method gives its link); --format text or json for both",
    )
    fit.add_argument(
        "--save", metavar="FILE", help="also save the fitted model (read it back with rglm.load)"
    )
    _output_option(fit)
    cmp = sub.add_parser(
        "compare",
        help="fit several formulas and print a side-by-side table",
        parents=[_model_options()],
        description="Fit each formula and print rglm.compare().",
        **common,
    )
    cmp.add_argument("formulas", nargs="+", metavar="formula", help="model formulas, one per column")
    cmp.add_argument("--names", nargs="+", metavar="NAME", help="column headings, one per formula")
    cmp.add_argument(
        "--stat",
        choices=("se", "t", "p", "ci"),
        default="se",
        help="what goes beneath each estimate (default: se)",
    )
    cmp.add_argument("--digits", type=int, default=3, help="decimal places (default: 3)")
    cmp.add_argument("--exponentiate", action="store_true", help="report exp(estimate): odds or rate ratios")
    cmp.add_argument("--format", choices=TABLE_FORMATS, default="text", help="output format (default: text)")
    _output_option(cmp)
    for name, helptext in (
        ("anova", "analysis of deviance: sequential terms, or nested models"),
        ("drop1", "drop each term in turn (R's drop1)"),
    ):
        tab = sub.add_parser(
            name, help=helptext, parents=[_model_options()], description=helptext + ".", **common
        )
        tab.add_argument(
            "formulas",
            nargs="+" if name == "anova" else 1,
            metavar="formula",
            help="model formula(s); several for anova compare nested models",
        )
        tab.add_argument(
            "--test", default=None, help="test: Chisq, LRT, F, Rao, Cp or none (default: as R, Chisq or F)"
        )
        tab.add_argument(
            "--format", choices=TABLE_FORMATS, default="text", help="output format (default: text)"
        )
        _output_option(tab)
    pred = sub.add_parser(
        "predict",
        help="predict for new data from a formula or a saved model",
        parents=[_model_options(data_required=False, brglm_type=False)],
        description="Fit (or load) a model and predict for the rows of --newdata.",
        **common,
    )
    pred.add_argument("formula", nargs="?", help="model formula (omit with --model)")
    pred.add_argument(
        "--model-formula",
        dest="model_formula",
        metavar="FORMULA",
        help="the model formula, as an option instead of the positional argument",
    )
    pred.add_argument("--model", metavar="FILE", help="a model saved with --save or GLMResult.save")
    pred.add_argument(
        "--newdata", required=True, metavar="PATH|NAME", help="rows to predict (CSV, Parquet, dataset)"
    )
    pred.add_argument(
        "--type",
        choices=("response", "link"),
        default="response",
        help="scale of the predictions (default: response)",
    )
    pred.add_argument("--se-fit", action="store_true", help="add standard errors")
    pred.add_argument(
        "--format", choices=("csv", "json", "text"), default="csv", help="output format (default: csv)"
    )
    _output_option(pred)
    sub.add_parser(
        "datasets", help="list the bundled datasets", description="List the datasets bundled with rglm."
    )
    return parser


def _model_options(data_required: bool = True, brglm_type: bool = True) -> argparse.ArgumentParser:
    """The options every model-fitting command shares (R's ``glm()`` arguments; ``--type`` of
    ``--method brglm`` where the command has no ``--type`` of its own)."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("model")
    g.add_argument(
        "--data",
        required=data_required,
        metavar="PATH|NAME",
        help="a CSV (or Parquet) file, or a bundled dataset name",
    )
    g.add_argument(
        "--family",
        default="gaussian",
        metavar="NAME",
        help=f"error family, R's names: {', '.join(FAMILIES)} (default: gaussian)",
    )
    g.add_argument("--link", help="link function, e.g. logit, probit, cloglog, log, identity, inverse, sqrt")
    g.add_argument("--var-power", type=float, metavar="P", help="variance power for --family tweedie")
    g.add_argument("--theta", type=float, help="fixed theta for --family negbin (estimated when omitted)")
    g.add_argument(
        "--variance",
        default="constant",
        help='variance for --family quasi: constant, "mu(1-mu)", mu, "mu^2", "mu^3"',
    )
    g.add_argument("--weights", metavar="COL", help="column of prior weights")
    g.add_argument("--offset", metavar="COL", help="column added to the linear predictor")
    g.add_argument("--subset", metavar="EXPR", help='rows to use, a pandas expression such as "x > 0"')
    g.add_argument(
        "--na-action",
        choices=("omit", "exclude", "fail"),
        default="omit",
        help="rows with missing values: drop them (default), drop but pad, or stop",
    )
    g.add_argument("--dispersion", type=float, help="fix the dispersion (z tests instead of t)")
    g.add_argument(
        "--cov-type",
        default="nonrobust",
        metavar="TYPE",
        help="covariance: nonrobust (default), HC0, HC1, HC2, HC3, HC4, HC4m, HC5 or cluster",
    )
    g.add_argument("--cluster", nargs="+", metavar="COL", help="cluster column(s) for --cov-type cluster")
    g.add_argument(
        "--tol", type=float, help="convergence tolerance (default: 1e-8; with --method brglm 1e-6)"
    )
    g.add_argument(
        "--max-iter", type=int, metavar="N", help="iteration limit (default: 25; with --method brglm 100)"
    )
    g.add_argument(
        "--method",
        choices=("glm.fit", "brglm", "logistic", "probit", "loglog", "cloglog", "cauchit"),
        default=None,
        help="glm.fit: maximum likelihood (default); brglm: R's brglm2, bias-reduced estimates; "
        "with --model polr, MASS's link: logistic (default), probit, loglog, cloglog, cauchit",
    )
    if brglm_type:  # predict's --type is the scale of its predictions
        g.add_argument(
            "--type",
            dest="brglm_type",
            help="--method brglm's estimator: AS_mixed (default), AS_mean, AS_median, MPL_Jeffreys, "
            "correction, ML",
        )
    g.add_argument("--a", type=float, help="--type MPL_Jeffreys: power of Jeffreys' prior (default 0.5)")
    g.add_argument("--slowit", type=float, help="--method brglm: factor on every step (default 1)")
    g.add_argument(
        "--max-step-factor",
        type=int,
        metavar="K",
        help="--method brglm: step halvings per iteration (default 12)",
    )
    g.add_argument("--trace", action="store_true", help="print the deviance at each iteration (to stderr)")
    g.add_argument(
        "--contrasts",
        nargs="+",
        metavar="VAR=CONTR",
        help="contrasts by variable, R's names: e.g. tension=contr.sum wool=contr.helmert",
    )
    g.add_argument(
        "--r-names", action="store_true", help="name coefficients exactly as R does (sexM, (Intercept))"
    )
    return p


def _output_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
