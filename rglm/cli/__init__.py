"""The ``rglm`` command line: fit a GLM from a formula and print R's ``summary.glm``.

Examples
--------
.. code-block:: console

    $ rglm fit "counts ~ C(outcome) + C(treatment)" --data dobson --family poisson
    $ rglm fit "cbind(numdead, numalive) ~ sex * ldose" --data budworm --family binomial --format json
    $ rglm compare "counts ~ C(outcome)" "counts ~ C(outcome) + C(treatment)" --data dobson --family poisson
    $ rglm anova "counts ~ C(outcome) + C(treatment)" --data dobson --family poisson
    $ rglm predict "counts ~ C(outcome) + C(treatment)" --data dobson --family poisson --newdata new.csv
    $ rglm datasets
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from rglm import datasets
from rglm.api import glm, multinom, polr
from rglm.exceptions import collect_warnings
from rglm.families import family as families
from rglm.inference.anova import anova
from rglm.inference.select import drop1
from rglm.models.multinom import MultinomResult
from rglm.models.polr import PolrResult
from rglm.output.multinom import multinom_document
from rglm.output.persist import load
from rglm.output.polr import polr_document
from rglm.output.report import compare

__all__ = ["build_parser", "main"]

from rglm.cli.parser import (
    _ALIASES,
    FAMILIES,
    CLIError,
    build_parser,
)


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
    if os.path.isfile(source):
        ext = os.path.splitext(source)[1].lower()
        try:
            if ext in (".parquet", ".pq"):
                try:
                    import pyarrow  # noqa: F401
                except ImportError:
                    raise CLIError(
                        f"reading Parquet file {source!r} needs pyarrow: pip install pyarrow"
                    ) from None
                return pd.read_parquet(source)
            return pd.read_csv(source, sep="\t" if ext == ".tsv" else ",")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise CLIError(f"cannot read {source!r}: {exc}") from exc
    if os.path.isdir(source):
        raise CLIError(f"--data {source!r} is a directory, not a data file")
    if source.lower() in datasets.names():
        return datasets.load(source)
    raise CLIError(
        f"--data {source!r}: file not found, and not a bundled dataset name "
        f"(bundled: {', '.join(datasets.names())})"
    )


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
    coefs = {
        name: {
            "estimate": _num(m.params[name]),
            "std_error": _num(m.bse[name]),
            "statistic": _num(m.tvalues[name]),
            "p_value": _num(m.pvalues[name]),
        }
        for name in m.exog_names
    }
    doc = {
        "formula": m.formula,
        "family": m.family.name,
        "link": m.family.link.name,
        "statistic": "t" if m.use_t else "z",
        "coefficients": coefs,
        "deviance": _num(m.deviance),
        "null_deviance": _num(m.null_deviance),
        "df_resid": int(m.df_resid),
        "df_null": int(m.df_null),
        "aic": _num(m.aic),
        "bic": _num(m.bic),
        "loglik": _num(m.llf),
        "dispersion": _num(m.scale),
        "nobs": int(m.nobs),
        "n_dropped": int(m.n_dropped),
        "iterations": int(m.iterations),
        "converged": bool(m.converged),
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
    if isinstance(m, PolrResult):
        if fmt == "json":
            return json.dumps(polr_document(m), indent=2, allow_nan=False) + "\n"
        if fmt != "text":
            raise CLIError(f"--format {fmt} is not available for --model polr; use text or json")
        return str(m.summary()) + "\n"
    if isinstance(m, MultinomResult):
        if fmt == "json":
            return json.dumps(multinom_document(m), indent=2, allow_nan=False) + "\n"
        if fmt != "text":
            raise CLIError(f"--format {fmt} is not available for --model multinom; use text or json")
        return str(m.summary()) + "\n"
    if fmt == "json":
        return to_json(m)
    s = m.summary()
    text: str = {
        "text": str,
        "markdown": type(s).to_markdown,
        "latex": type(s).to_latex,
        "html": type(s).to_html,
    }[fmt](s)
    return text if text.endswith("\n") else text + "\n"


def _contrasts(pairs: list[str] | None) -> dict[str, str] | None:
    """``--contrasts tension=contr.sum`` as ``{"tension": "contr.sum"}``."""
    if not pairs:
        return None
    out = {}
    for pair in pairs:
        var, sep, name = pair.partition("=")
        if not sep or not var.strip() or not name.strip():
            raise CLIError(f"--contrasts takes VARIABLE=CONTRASTS, such as tension=contr.sum; got {pair!r}")
        out[var.strip()] = name.strip()
    return out


def _fit(args: argparse.Namespace, formula: str, data: pd.DataFrame) -> Any:
    cov_kwds = None
    if args.cluster:
        if args.cov_type != "cluster":
            raise CLIError("--cluster needs --cov-type cluster")
        cov_kwds = {"groups": args.cluster if len(args.cluster) > 1 else args.cluster[0]}
    # The printed call names the data as the user gave it: a dataset name or a file.
    name = args.data if args.data and not os.path.exists(args.data) else repr(args.data)

    def fit() -> Any:
        if getattr(args, "model_kind", "glm") == "multinom":
            return _fit_multinom(args, formula, data)._replace(data_name=name)
        if getattr(args, "model_kind", "glm") == "polr":
            return _fit_polr(args, formula, data)._replace(data_name=name)
        m = glm(
            formula,
            data,
            family=make_family(args),
            weights=args.weights,
            offset=args.offset,
            subset=args.subset,
            na_action=args.na_action,
            tol=args.tol,
            max_iter=args.max_iter,
            dispersion=args.dispersion,
            cov_type=args.cov_type,
            cov_kwds=cov_kwds,
            trace=args.trace,
            method=_glm_method(args.method),
            type=getattr(args, "brglm_type", None),
            a=args.a,
            slowit=args.slowit,
            max_step_factor=args.max_step_factor,
            contrasts=_contrasts(getattr(args, "contrasts", None)),
            names="R" if getattr(args, "r_names", False) else "default",
        )
        return m._replace(data_name=name)

    if not args.trace:
        return fit()
    # The trace goes to stderr so that stdout stays the table or document asked for.
    with contextlib.redirect_stdout(sys.stderr):
        return fit()


def _glm_method(method: str | None) -> str:
    """glm's ``method=`` from ``--method``, which also names polr's links."""
    if method in (None, "glm.fit", "brglm"):
        return method or "glm.fit"
    raise CLIError(f"--method {method} is a link of --model polr; glm takes glm.fit or brglm")


def _fit_polr(args: argparse.Namespace, formula: str, data: pd.DataFrame) -> Any:
    """``rglm fit --model polr``: glm's options that apply; polr's own defaults for --tol and
    --max-iter unless they are given."""
    if args.family != "gaussian" or args.link or args.offset or args.dispersion is not None:
        raise CLIError(
            "--family, --link, --offset and --dispersion do not apply to --model polr (use --method)"
        )
    if args.cov_type != "nonrobust":
        raise CLIError("--cov-type is not available for --model polr")
    method = args.method or "logistic"
    if method in ("glm.fit", "brglm"):
        raise CLIError(f"--method {method} does not apply to --model polr; give its link, e.g. probit")
    extra = {k: v for k, v in (("tol", args.tol), ("max_iter", args.max_iter)) if v is not None}
    kw = {"weights": args.weights, "subset": args.subset, "na_action": args.na_action}
    return polr(formula, data, method=method, **kw, **extra)


def _fit_multinom(args: argparse.Namespace, formula: str, data: pd.DataFrame) -> Any:
    """``rglm fit --model multinom``; multinom's own --tol and --max-iter unless given."""
    if (
        args.family != "gaussian"
        or args.link
        or args.offset
        or args.dispersion
        or args.cov_type != "nonrobust"
    ):
        raise CLIError(
            "--family, --link, --offset, --dispersion and --cov-type do not apply to --model multinom"
        )
    extra = {k: v for k, v in (("tol", args.tol), ("max_iter", args.max_iter)) if v is not None}
    kw = {"weights": args.weights, "subset": args.subset, "na_action": args.na_action, "trace": args.trace}
    return multinom(formula, data, **kw, **extra)


def _emit(out: str, output: str | None) -> None:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(out)
        except OSError as exc:
            raise CLIError(f"cannot write {output!r}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(out)


def _with_warnings(work: Any) -> Any:
    """Run ``work()``; warnings go to stderr once each as ``rglm: warning:`` lines."""
    # rglm's own warnings are collected in this thread (catch_warnings would change the
    # filters of the whole process); others keep Python's default handling.
    with collect_warnings() as caught:
        result = work()
    seen: set[str] = set()
    for _, message in caught:
        msg = " ".join(message.split())
        if msg not in seen:
            seen.add(msg)
            print(f"rglm: warning: {msg}", file=sys.stderr)
    return result


def _table_text(table: Any, fmt: str) -> str:
    if fmt == "csv":
        frame = table.to_frame() if hasattr(table, "to_frame") else table
        return str(frame.to_csv())
    renderers: dict[str, Any] = {
        "text": str,
        "markdown": lambda t: t.to_markdown(),
        "latex": lambda t: t.to_latex(),
        "html": lambda t: t.to_html(),
    }
    text: str = renderers[fmt](table)
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
    data = read_data(args.data)

    def work() -> tuple[Any, str]:
        m = _fit(args, args.formula, data)
        return m, render(m, args.format)

    m, out = _with_warnings(work)
    if args.save:
        try:
            m.save(args.save)
        except OSError as exc:
            raise CLIError(f"cannot write {args.save!r}: {exc.strerror or exc}") from exc
    _emit(out, args.output)
    return 0


def run_compare(args: argparse.Namespace) -> int:
    """Run ``rglm compare``: fit each formula on the same data and print a compare table."""
    data = read_data(args.data)
    if args.names is not None and len(args.names) != len(args.formulas):
        raise CLIError(f"--names gives {len(args.names)} names for {len(args.formulas)} formulas")

    def work() -> Any:
        models = [_fit(args, f, data) for f in args.formulas]
        return compare(
            models, names=args.names, stat=args.stat, digits=args.digits, exponentiate=args.exponentiate
        )

    _emit(_table_text(_with_warnings(work), args.format), args.output)
    return 0


def run_table(args: argparse.Namespace) -> int:
    """Run ``rglm anova`` or ``rglm drop1``."""
    data = read_data(args.data)
    test = None if args.test is None else ("none" if args.test.lower() == "none" else args.test)

    def work() -> Any:
        models = [_fit(args, f, data) for f in args.formulas]
        if args.command == "drop1":
            return drop1(models[0], test=test or "none")
        return anova(*models, test=test)

    _emit(_table_text(_with_warnings(work), args.format), args.output)
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Run ``rglm predict``: predictions (and standard errors) for the rows of ``--newdata``."""
    if args.model_formula is not None:
        if args.formula is not None:
            raise CLIError("give the formula once: positionally or with --model-formula")
        args.formula = args.model_formula
    if (args.model is None) == (args.formula is None):
        raise CLIError("give either a formula (with --data) or --model FILE, not both")
    if args.model is None and args.data is None:
        raise CLIError("a formula needs --data to fit it on")
    newdata = read_data(args.newdata)

    def work() -> Any:
        m = load(args.model) if args.model is not None else _fit(args, args.formula, read_data(args.data))
        return m.predict(newdata, type=args.type, se_fit=args.se_fit)

    pred = _with_warnings(work)
    frame = pred.to_frame() if isinstance(pred, pd.Series) else pred
    if args.format == "csv":
        out = frame.to_csv(index_label="row")
    elif args.format == "json":
        out = frame.to_json(orient="split", double_precision=15) + "\n"
    else:
        out = frame.to_string() + "\n"
    _emit(out, args.output)
    return 0


def run_datasets() -> int:
    """Run ``rglm datasets``: one line per bundled dataset with its description.

    Returns
    -------
    int
        The exit status.
    """
    width = max(len(n) for n in datasets.names())
    for name in datasets.names():
        print(f"{name:<{width}}  {datasets.DESCRIPTIONS[name]}")
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
        if args.tol is not None and (args.tol <= 0 or not math.isfinite(args.tol)):
            raise CLIError(f"--tol must be a positive number, got {args.tol}")
        if args.max_iter is not None and args.max_iter < 1:
            raise CLIError(f"--max-iter must be at least 1, got {args.max_iter}")
        runners = {
            "fit": run_fit,
            "compare": run_compare,
            "anova": run_table,
            "drop1": run_table,
            "predict": run_predict,
        }
        return runners[args.command](args)
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
