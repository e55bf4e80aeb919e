"""The ``rglm`` command line: fit a GLM from a formula and print R's ``summary.glm``.

Examples
--------
.. code-block:: console

    $ rglm fit "counts ~ C(outcome) + C(treatment)" --data dobson --family poisson
    $ rglm fit "cbind(numdead, numalive) ~ sex * ldose" --data budworm --family binomial --format json
    $ rglm datasets
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = ["build_parser", "main"]

EPILOG = """\
examples:
  rglm fit "counts ~ C(outcome) + C(treatment)" --data dobson --family poisson
  rglm fit "cbind(numdead, numalive) ~ sex * ldose" --data budworm --family binomial --link probit
  rglm fit "incidents ~ type + C(year) + C(period) + offset(log(service))" --data ships \\
      --family poisson --format markdown
  rglm fit "lot1 ~ log(u)" --data clotting --family Gamma --format json --output fit.json
  rglm fit "y ~ x1 + x2" --data mydata.csv --family quasipoisson --subset "x1 > 0"
  rglm datasets

--data takes a bundled dataset name (see `rglm datasets`) or a CSV file
(Parquet too when pyarrow is installed).  Errors exit with status 2.
"""

#: R's family names accepted by ``--family`` (matched case-insensitively).
FAMILIES = ("gaussian", "binomial", "poisson", "Gamma", "inverse.gaussian", "quasibinomial",
            "quasipoisson", "quasi", "tweedie", "negbin")
_ALIASES = {"negative.binomial": "negbin", "negativebinomial": "negbin", "inverse_gaussian": "inverse.gaussian"}
FORMATS = ("text", "markdown", "latex", "html", "json")


class CLIError(Exception):
    """A user error reported as one ``rglm: error:`` line with exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rglm`` command.

    Returns
    -------
    argparse.ArgumentParser
    """
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="rglm", description="R's glm() for Python: fit GLMs from formulas and print R's summary.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"rglm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    fit = sub.add_parser("fit", help="fit a GLM and print its summary", epilog=EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Fit a GLM as R's glm() and print summary.glm.")
    fit.add_argument("formula", help='model formula, e.g. "counts ~ C(outcome) + C(treatment)"')
    fit.add_argument("--data", required=True, metavar="PATH|NAME",
                     help="a CSV (or Parquet) file, or a bundled dataset name")
    fit.add_argument("--family", default="gaussian", metavar="NAME",
                     help=f"error family, R's names: {', '.join(FAMILIES)} (default: gaussian)")
    fit.add_argument("--link", help="link function, e.g. logit, probit, cloglog, log, identity, inverse, sqrt")
    fit.add_argument("--var-power", type=float, metavar="P", help="variance power for --family tweedie")
    fit.add_argument("--theta", type=float, help="fixed theta for --family negbin")
    fit.add_argument("--variance", default="constant",
                     help='variance for --family quasi: constant, "mu(1-mu)", mu, "mu^2", "mu^3"')
    fit.add_argument("--weights", metavar="COL", help="column of prior weights")
    fit.add_argument("--offset", metavar="COL", help="column added to the linear predictor")
    fit.add_argument("--subset", metavar="EXPR", help='rows to use, a pandas expression such as "x > 0"')
    fit.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    fit.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    fit.add_argument("--tol", type=float, default=1e-8, help="convergence tolerance (default: 1e-8)")
    fit.add_argument("--max-iter", type=int, default=25, metavar="N", help="IRLS iteration limit (default: 25)")
    sub.add_parser("datasets", help="list the bundled datasets",
                   description="List the datasets bundled with rglm.")
    return parser


def read_data(source: str) -> pd.DataFrame:
    """Read ``--data``: a file path, else a bundled dataset name.

    Parameters
    ----------
    source : str
        Path to a ``.csv``/``.tsv``/``.parquet`` file, or a name from ``rglm datasets``.

    Returns
    -------
    DataFrame
    """
    from . import datasets

    if os.path.isfile(source):
        ext = os.path.splitext(source)[1].lower()
        try:
            if ext in (".parquet", ".pq"):
                try:
                    import pyarrow  # noqa: F401
                except ImportError:
                    raise CLIError(f"reading Parquet file {source!r} needs pyarrow: pip install pyarrow") from None
                return pd.read_parquet(source)
            return pd.read_csv(source, sep="\t" if ext == ".tsv" else ",")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise CLIError(f"cannot read {source!r}: {exc}") from exc
    if os.path.isdir(source):
        raise CLIError(f"--data {source!r} is a directory, not a data file")
    if source.lower() in datasets.names():
        return datasets.load(source)
    raise CLIError(f"--data {source!r}: file not found, and not a bundled dataset name "
                   f"(bundled: {', '.join(datasets.names())})")


def make_family(args: argparse.Namespace) -> Any:
    """The rglm family object for ``--family``, ``--link`` and the family's extra options.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``fit`` arguments.

    Returns
    -------
    rglm.Family
    """
    from . import families

    key = args.family.strip().lower()
    key = _ALIASES.get(key, key)
    known = {f.lower(): f for f in FAMILIES}
    if key not in known:
        raise CLIError(f"unknown family {args.family!r}; use one of {', '.join(FAMILIES)}")
    if key == "tweedie":
        if args.var_power is None:
            raise CLIError("--family tweedie needs --var-power, e.g. --var-power 1.5")
        return families.Tweedie(var_power=args.var_power, link=args.link)
    if key == "negbin":
        if args.theta is None:
            raise CLIError("--family negbin needs a fixed --theta, e.g. --theta 2")
        return families.NegativeBinomial(theta=args.theta, link=args.link)
    if key == "quasi":
        return families.Quasi(variance=args.variance, link=args.link)
    return families.get_family(known[key], link=args.link)


def _num(x: Any) -> float | None:
    """A JSON-safe float: ``None`` for NaN and infinities."""
    v = float(x)
    return v if math.isfinite(v) else None


def to_json(m: Any) -> str:
    """The fit as a JSON document.

    Parameters
    ----------
    m : rglm.GLMResult

    Returns
    -------
    str
    """
    coefs = {name: {"estimate": _num(m.params[name]), "std_error": _num(m.bse[name]),
                    "statistic": _num(m.tvalues[name]), "p_value": _num(m.pvalues[name])}
             for name in m.exog_names}
    doc = {
        "formula": m.formula, "family": m.family.name, "link": m.family.link.name,
        "statistic": "t" if m.use_t else "z", "coefficients": coefs,
        "deviance": _num(m.deviance), "null_deviance": _num(m.null_deviance),
        "df_resid": int(m.df_resid), "df_null": int(m.df_null), "aic": _num(m.aic), "bic": _num(m.bic),
        "loglik": _num(m.llf), "dispersion": _num(m.scale), "nobs": int(m.nobs),
        "n_dropped": int(m.n_dropped), "iterations": int(m.iterations), "converged": bool(m.converged),
    }
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def render(m: Any, fmt: str) -> str:
    """The summary of ``m`` in format ``fmt`` (one of :data:`FORMATS`).

    Parameters
    ----------
    m : rglm.GLMResult
    fmt : str

    Returns
    -------
    str
    """
    if fmt == "json":
        return to_json(m)
    s = m.summary()
    text: str = {"text": str, "markdown": type(s).to_markdown, "latex": type(s).to_latex,
                 "html": type(s).to_html}[fmt](s)
    return text if text.endswith("\n") else text + "\n"


def run_fit(args: argparse.Namespace) -> int:
    """Run ``rglm fit``; fit warnings go to stderr as ``rglm: warning:`` lines.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        The exit status.
    """
    from .api import glm

    data = read_data(args.data)
    family = make_family(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = glm(args.formula, data, family=family, weights=args.weights, offset=args.offset,
                subset=args.subset, tol=args.tol, max_iter=args.max_iter)
        out = render(m, args.format)
    seen: set[str] = set()
    for w in caught:
        msg = " ".join(str(w.message).split())
        if msg not in seen:
            seen.add(msg)
            print(f"rglm: warning: {msg}", file=sys.stderr)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(out)
        except OSError as exc:
            raise CLIError(f"cannot write {args.output!r}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(out)
    return 0


def run_datasets() -> int:
    """Run ``rglm datasets``: one line per bundled dataset with its description.

    Returns
    -------
    int
        The exit status.
    """
    from .datasets import DESCRIPTIONS, names

    width = max(len(n) for n in names())
    for name in names():
        print(f"{name:<{width}}  {DESCRIPTIONS[name]}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rglm`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on a user error (after one ``rglm: error:`` line on stderr).
    """
    args = build_parser().parse_args(argv)
    try:
        if args.command == "datasets":
            return run_datasets()
        if args.tol <= 0 or not math.isfinite(args.tol):
            raise CLIError(f"--tol must be a positive number, got {args.tol}")
        if args.max_iter < 1:
            raise CLIError(f"--max-iter must be at least 1, got {args.max_iter}")
        return run_fit(args)
    except (CLIError, ValueError, TypeError, KeyError, OSError) as exc:
        # rglm's own errors (RGLMError) are ValueError or TypeError subclasses.
        text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        msg = " ".join(text.split()) or type(exc).__name__
        print(f"rglm: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rglm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
