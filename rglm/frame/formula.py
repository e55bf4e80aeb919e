"""R's formula forms on top of formulaic: ``cbind()`` responses, ``offset()`` terms and bare
function names such as ``log(x)``.

formulaic parses and materializes the right-hand side.  What R adds is handled here as
text, before formulaic sees it: the response may be ``cbind(successes, failures)``, and
``offset(expr)`` terms are taken out of the right-hand side and evaluated on their own,
because an offset is not a column of the model matrix.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass

import numpy as np
from formulaic import Formula
from formulaic.errors import FormulaicError
from formulaic.transforms import C as _formulaic_C

from rglm.exceptions import FormulaError

__all__ = [
    "ParsedFormula",
    "call_argument",
    "formula_context",
    "formula_names",
    "parse_formula",
    "quote_dotted_names",
    "rhs_terms",
    "split_top_level",
    "update_formula",
]

_OPEN = "([{"
_CLOSE = ")]}"


def _scan(text: str) -> list[tuple[int, str, int]]:
    """(position, character, depth) for characters outside quotes and backticks."""
    out: list[tuple[int, str, int]] = []
    depth = 0
    quote: str | None = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"`":
            quote = ch
            continue
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                raise FormulaError(
                    f"unbalanced parentheses in formula {text!r}: a ')' at position {i} closes nothing"
                )
        out.append((i, ch, depth))
    if quote:
        raise FormulaError(f"unterminated quote {quote} in formula {text!r}")
    if depth != 0:
        raise FormulaError(f"unbalanced parentheses in formula {text!r}: {depth} '(' not closed")
    return out


def split_top_level(text: str, seps: str) -> list[tuple[str, str]]:
    """Split ``text`` at characters of ``seps`` that are outside brackets and quotes.

    Returns (separator before the piece, piece) pairs; the first separator is ``""``.
    """
    pieces: list[tuple[str, str]] = []
    last, sep = 0, ""
    for i, ch, depth in _scan(text):
        if depth == 0 and ch in seps:
            # A sign in scientific notation (1e-3) is not an operator.
            if ch in "+-" and i > 1 and text[i - 1] in "eE" and text[i - 2].isdigit():
                continue
            pieces.append((sep, text[last:i]))
            sep, last = ch, i + 1
    pieces.append((sep, text[last:]))
    return pieces


_CALL = re.compile(r"^\s*([A-Za-z_.][\w.]*)\s*\((.*)\)\s*$", re.DOTALL)


def call_argument(text: str, name: str) -> str | None:
    """The argument text if ``text`` is exactly ``name(...)``, else None."""
    m = _CALL.match(text)
    if not m or m.group(1) != name:
        return None
    inner = m.group(2)
    # "offset(a) + offset(b)" also matches the pattern; make sure the parentheses pair up.
    try:
        scan = _scan(inner)
    except FormulaError:
        return None
    if any(d < 0 for _, _, d in scan):
        return None
    return inner


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into the parts R treats differently.

    Attributes
    ----------
    text : str
        The formula as given.
    response : tuple of str
        One expression, or two for ``cbind(successes, failures)``.
    rhs : str
        The right-hand side without ``offset()`` terms, for formulaic.
    offsets : tuple of str
        Expressions inside ``offset()`` terms.
    """

    text: str
    response: tuple[str, ...]
    rhs: str
    offsets: tuple[str, ...]

    @property
    def is_cbind(self) -> bool:
        return len(self.response) == 2

    @property
    def response_label(self) -> str:
        return f"cbind({', '.join(self.response)})" if self.is_cbind else self.response[0]


def parse_formula(formula: str) -> ParsedFormula:
    """Split an R-style formula into response, right-hand side and offsets.

    Examples
    --------
    >>> p = parse_formula("cbind(dead, alive) ~ sex * log(dose) + offset(log(n))")
    >>> p.response, p.rhs, p.offsets
    (('dead', 'alive'), 'sex * log(dose)', ('log(n)',))
    """
    if not isinstance(formula, str):
        raise FormulaError(f"formula must be a string such as 'y ~ x1 + x2', got {type(formula).__name__}")
    parts = split_top_level(formula, "~")
    if len(parts) != 2:
        if len(parts) == 1:
            raise FormulaError(f"formula {formula!r} has no '~': write it as 'response ~ predictors'")
        raise FormulaError(f"formula {formula!r} has more than one '~'")
    lhs, rhs = parts[0][1].strip(), parts[1][1].strip()
    if not lhs:
        raise FormulaError(f"formula {formula!r} has no response on the left of '~'")
    if not rhs:
        raise FormulaError(
            f"formula {formula!r} has nothing on the right of '~' (use '1' for an intercept-only model)"
        )
    inner = call_argument(lhs, "cbind")
    if inner is not None:
        args = [a.strip() for _, a in split_top_level(inner, ",")]
        if len(args) != 2 or not all(args):
            raise FormulaError(
                f"cbind() in the response takes exactly two columns (successes, failures), got {lhs!r}"
            )
        response: tuple[str, ...] = tuple(args)
    else:
        response = (lhs,)
    kept: list[tuple[str, str]] = []
    offsets: list[str] = []
    for sep, piece in split_top_level(rhs, "+-"):
        arg = call_argument(piece, "offset")
        if arg is None:
            kept.append((sep, piece))
            continue
        if sep == "-":
            raise FormulaError(f"an offset cannot be subtracted in {formula!r}; negate it inside: offset(-x)")
        if not arg.strip():
            raise FormulaError(f"offset() needs an expression in {formula!r}")
        offsets.append(arg.strip())
    rebuilt = "".join(f" {sep} {piece.strip()}" if sep else piece.strip() for sep, piece in kept).strip()
    if rebuilt.startswith("+"):
        rebuilt = rebuilt[1:].strip()
    if not rebuilt:
        rebuilt = "1"
    elif rebuilt.startswith("-"):
        rebuilt = "1 " + rebuilt
    return ParsedFormula(text=formula, response=response, rhs=rebuilt, offsets=tuple(offsets))


def _r_round(x: object, digits: int = 0) -> object:
    return np.round(x, digits)  # type: ignore[call-overload]


def formula_context() -> dict[str, object]:
    """Names usable in formulas as in R: ``log``, ``exp``, ``sqrt``, ``abs``, trigonometric
    functions, ``factor`` (an alias of formulaic's ``C``), ``np`` and ``numpy``."""
    ctx: dict[str, object] = {
        "np": np,
        "numpy": np,
        "log": np.log,
        "log2": np.log2,
        "log10": np.log10,
        "log1p": np.log1p,
        "exp": np.exp,
        "expm1": np.expm1,
        "sqrt": np.sqrt,
        "abs": np.abs,
        "sign": np.sign,
        "sin": np.sin,
        "cos": np.cos,
        "tan": np.tan,
        "asin": np.arcsin,
        "acos": np.arccos,
        "atan": np.arctan,
        "sinh": np.sinh,
        "cosh": np.cosh,
        "tanh": np.tanh,
        "floor": np.floor,
        "ceiling": np.ceil,
        "trunc": np.trunc,
        "round": _r_round,
        "pi": math.pi,
        "factor": _formulaic_C,
    }
    return ctx


_TOKEN = re.compile(r"(`[^`]*`|'[^']*'|\"[^\"]*\")|([A-Za-z_.][\w.]*)(\s*\()?")


def formula_names(text: str) -> tuple[set[str], set[str]]:
    """Names used as variables and names used as functions in ``text``."""
    variables: set[str] = set()
    calls: set[str] = set()
    for m in _TOKEN.finditer(text):
        quoted, name, call = m.group(1), m.group(2), m.group(3)
        if quoted is not None:
            if quoted.startswith("`"):
                variables.add(quoted.strip("`"))
        elif call:
            calls.add(name)
        else:
            variables.add(name)
    return variables, calls


def quote_dotted_names(text: str, columns: set[str]) -> str:
    """Backtick column names that contain dots (R's ``Solar.R``), so that Python code inside
    formulaic's terms (``log(Solar.R)``) reads them as one name."""

    def repl(m: re.Match[str]) -> str:
        quoted, name, call = m.group(1), m.group(2), m.group(3)
        if quoted is None and not call and "." in name and name in columns:
            return f"`{name}`"
        return m.group(0)

    return _TOKEN.sub(repl, text)


def rhs_terms(rhs: str, formula: str | None = None) -> list[tuple[str, frozenset[str]]]:
    """formulaic's terms of the right-hand side ``rhs``, in its order (by degree): each term's
    label and the set of its factors (backticks removed).  The intercept is ``("1", {"1"})``;
    a parse error names ``formula`` (default ``rhs``)."""
    try:
        terms = list(Formula(rhs))
    except FormulaicError as exc:
        raise FormulaError(f"cannot parse {formula or rhs!r}: {str(exc).splitlines()[0]}") from exc
    return [(str(t), frozenset(str(f).strip("`") for f in t.factors)) for t in terms]


_DOT = re.compile(r"(?<![\w.])\.(?![\w.])")


def _sides(formula: str) -> tuple[str, str]:
    parts = [p for _, p in split_top_level(formula, "~")]
    if len(parts) == 1:
        return "", parts[0].strip()
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    raise FormulaError(f"formula {formula!r} has more than one '~'")


def simplify_rhs(rhs: str, written: str | None = None) -> str:
    """The right-hand side with its terms expanded and ordered as R's ``terms`` does (main
    effects before interactions, offsets last, an interaction's variables in the order they
    first appear, in ``written`` if given), ``-`` removals applied, and ``- 1`` kept explicit."""
    try:
        parsed = list(Formula(rhs))
        appearance = list(Formula(rhs, _ordering="none"))
    except FormulaicError as exc:
        raise FormulaError(f"cannot parse {rhs!r}: {str(exc).splitlines()[0]}") from exc
    if written is not None:
        # When the written formula does not parse on its own, the simplified one's order will do.
        with contextlib.suppress(FormulaicError):
            appearance = list(Formula(written, _ordering="none")) + appearance
    # R names an interaction by its variables in the order they first appear in the formula
    # (``. + wool:tension`` on ``tension + wool`` reads ``tension:wool``).
    first: dict[str, int] = {}
    for t in appearance:
        for f in t.factors:
            first.setdefault(str(f), len(first))
    terms = [
        ":".join(sorted((str(f) for f in t.factors), key=lambda f: first.get(f, len(first))))
        if len(t.factors) > 1
        else str(t)
        for t in parsed
    ]
    # R's terms() writes offsets after the terms.
    body = [t for t in terms if t != "1" and call_argument(t, "offset") is None]
    body += [t for t in terms if call_argument(t, "offset") is not None]
    if "1" not in terms:
        return " + ".join(body + ["0"]) if not body else " + ".join(body) + " - 1"
    return " + ".join(body) if body else "1"


def update_formula(old: str, new: str) -> str:
    """R's ``update.formula``: ``.`` in ``new`` stands for the same side of ``old``.

    >>> update_formula("y ~ a * b", ". ~ . - a:b")
    'y ~ a + b'
    """
    old_l, old_r = _sides(old)
    new_l, new_r = _sides(new)
    lhs = _DOT.sub(lambda _: old_l, new_l) if new_l else old_l
    old_terms = simplify_rhs(old_r)
    no_intercept = old_terms.endswith(" - 1") or old_terms == "0"
    body = old_terms.removesuffix(" - 1")
    rhs = _DOT.sub(lambda _: f"({body})", new_r)
    # formulaic brings the intercept back around a parenthesised "- 1": keep R's reading.
    explicit_one = any(p.strip() == "1" for _, p in split_top_level(new_r, "+-"))
    if no_intercept and _DOT.search(new_r) and not explicit_one:
        rhs = f"{rhs} - 1"
    # R orders an interaction's variables as they appear in the formula with "." replaced.
    written = _DOT.sub(lambda _: f"({old_r})", new_r)
    return f"{lhs} ~ {simplify_rhs(rhs, written)}"
