"""R's expression syntax, as far as a model formula uses it: a parser, R's ``deparse`` and a
translation to the Python code formulaic evaluates.

R reads a formula as an ordinary R expression and then gives the operators ``+ - * / : ^
%in%`` their model meaning (:mod:`rglm.frame.rterms`).  rglm does the same: the text is parsed
once into a small tree of :class:`Node` objects with R's operator precedence (``?Syntax``):

=====================  =====================================
``^`` (right)          highest
unary ``-`` ``+``
``:``
``%any%``
``*`` ``/``
``+`` ``-``
comparisons
``!``
``&`` ``&&``
``|`` ``||``           lowest (``~`` is split off before)
=====================  =====================================

A variable of the model (``log(x)``, ``I(x^2)``, ``poly(wt, 2)``) is a subtree.  Its R name is
:func:`deparse` (R's spacing: ``I(x^2)``, ``x > 2``, ``poly(wt, 2, raw = TRUE)``) and the code
formulaic evaluates is :func:`to_python`, where ``^`` is ``**`` (a power, not Python's XOR),
``TRUE`` is ``True`` and a column name that is not a Python identifier is backticked.
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass

from rglm.exceptions import FormulaError

__all__ = [
    "Node",
    "deparse",
    "is_syntactic",
    "names_in",
    "parse_r",
    "r_number",
    "to_python",
]


@dataclass(frozen=True)
class Node:
    """One node of an R expression.

    ``kind`` is ``"num"`` (``value`` is the number's text), ``"str"``, ``"name"`` (``value`` is
    the name without backticks), ``"call"`` (``value`` the function's name, ``args`` the
    arguments, ``keys`` their names or ``""``), ``"binop"``/``"unary"`` (``value`` the
    operator) or ``"paren"``.
    """

    kind: str
    value: str = ""
    args: tuple[Node, ...] = ()
    keys: tuple[str, ...] = ()


_BINARY = {
    "||": 1,
    "|": 1,
    "&&": 2,
    "&": 2,
    "==": 4,
    "!=": 4,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%%": 7,
    "//": 7,  # Python's integer division, as formulaic users write it: R's %/%
    ":": 8,
    "^": 10,
    "**": 10,  # R reads ** as ^; kept apart so that formulaic-style names keep the spelling
}
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?)
    |(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<bq>`[^`]*`)
    |(?P<name>(?:[^\W\d]|\.(?![0-9]))[\w.]*|\.)
    |(?P<op>%[^%]*%|//|\*\*|\|\||&&|<=|>=|==|!=|[-+*/^:<>!&|~(),=\[\]{}$])
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FormulaError(f"cannot read {text!r} at position {pos}: {text[pos : pos + 10]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "bq":
            kind, value = "name", value[1:-1]
        elif kind == "op" and value.startswith("%") and value != "%%":
            kind = "op"

        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise FormulaError(
                f"cannot read {self.text!r}: expected {value!r}, found {tok[1] or 'the end'!r}"
            )
        self.i += 1
        return tok

    def binary_prec(self, tok: tuple[str, str]) -> int | None:
        kind, value = tok
        if kind != "op":
            return None
        if value.startswith("%"):
            return 7
        return _BINARY.get(value)

    def expr(self, min_prec: int = 0) -> Node:
        left = self.prefix()
        while True:
            tok = self.peek()
            prec = self.binary_prec(tok)
            if prec is None or prec < min_prec:
                return left
            self.take()
            right = self.expr(prec if tok[1] in ("^", "**") else prec + 1)
            left = Node("binop", tok[1], (left, right))

    def prefix(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            return Node("num", value)
        if kind == "str":
            return Node("str", value[1:-1])
        if kind == "name":
            if self.peek() == ("op", "("):
                return self.call(value)
            return Node("name", value)
        if (kind, value) == ("op", "("):
            inner = self.expr()
            self.take(")")
            return Node("paren", args=(inner,))
        if (kind, value) == ("op", "["):  # a Python list, read as R's c()
            return self.call("c", close="]", opened=True)
        if kind == "op" and value in "-+":
            return Node("unary", value, (self.expr(10),))
        if kind == "op" and value == "!":
            return Node("unary", "!", (self.expr(4),))
        raise FormulaError(f"cannot read {self.text!r}: unexpected {value or 'end'!r}")

    def call(self, name: str, close: str = ")", opened: bool = False) -> Node:
        if not opened:
            self.take("(")
        args: list[Node] = []
        keys: list[str] = []
        while self.peek() != ("op", close):
            key = ""
            if (
                self.peek()[0] in ("name", "str")
                and self.i + 1 < len(self.toks)
                and self.toks[self.i + 1] == ("op", "=")
            ):
                key = self.take()[1].strip("\"'")
                self.take("=")
            args.append(self.expr())
            keys.append(key)
            if self.peek() == ("op", ","):
                self.take()
            elif self.peek() != ("op", close):
                raise FormulaError(f"cannot read {self.text!r}: expected ',' or {close!r} in {name}()")
        self.take(close)
        return Node("call", name, tuple(args), tuple(keys))


def parse_r(text: str) -> Node:
    """The tree of one R expression (``~`` not included)."""
    p = _Parser(text)
    if not p.toks:
        raise FormulaError("empty expression in formula")
    node = p.expr()
    if p.peek()[0] != "end":
        raise FormulaError(f"cannot read {text!r}: unexpected {p.peek()[1]!r}")
    return node


_SYNTACTIC = re.compile(r"^(?:[^\W\d_]|\.(?![0-9]))[\w.]*$|^\.$")
_RESERVED = {
    "if",
    "else",
    "repeat",
    "while",
    "function",
    "for",
    "next",
    "break",
    "TRUE",
    "FALSE",
    "NULL",
    "Inf",
    "NaN",
    "NA",
    "in",
}


def is_syntactic(name: str) -> bool:
    """Whether R writes ``name`` without backticks."""
    return bool(_SYNTACTIC.match(name)) and name not in _RESERVED


def r_number(x: float) -> str:
    """A number as R prints it with 15 significant digits (``as.character``, ``deparse``):
    ``1``, ``0.5``, ``1e-04``, ``1e+05``, ``123456``."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == int(x) and abs(x) < 1e15:
        fixed = str(int(x))
    else:
        fixed = f"{x:.15g}"
        if "e" in fixed:
            fixed = f"{x:.15f}".rstrip("0").rstrip(".")
    mant, _, exp = f"{x:.14e}".partition("e")
    mant = mant.rstrip("0").rstrip(".")
    sci = f"{mant}e{'-' if int(exp) < 0 else '+'}{abs(int(exp)):02d}"
    return fixed if len(fixed) <= len(sci) else sci


_SPACED = {"+", "-", "*", "==", "!=", "<", ">", "<=", ">=", "&", "&&", "|", "||", "~"}


def deparse(node: Node, backticks: bool = True) -> str:
    """R's ``deparse`` of the expression (its spacing and number format); without
    ``backticks``, names that R would quote are written bare (formulaic's style)."""
    k = node.kind
    if k == "num":
        text = node.value.rstrip("L")
        return r_number(float(text))
    if k == "str":
        return '"' + node.value.replace('"', '\\"') + '"'
    if k == "name":
        bare = not backticks or is_syntactic(node.value) or node.value in _RESERVED
        return node.value if bare else f"`{node.value}`"
    if k == "call":
        fn = node.value if is_syntactic(node.value) or not backticks else f"`{node.value}`"
        parts = [
            f"{key} = {deparse(a, backticks)}" if key else deparse(a, backticks)
            for a, key in zip(node.args, node.keys, strict=True)
        ]
        return f"{fn}({', '.join(parts)})"
    if k == "paren":
        return f"({deparse(node.args[0], backticks)})"
    if k == "unary":
        return f"{node.value}{deparse(node.args[0], backticks)}"
    op = node.value
    left, right = deparse(node.args[0], backticks), deparse(node.args[1], backticks)
    if op == "**":  # R's deparse writes ^; formulaic's style (no backticks) keeps Python's **
        return f"{left}^{right}" if backticks else f"{left} ** {right}"
    if op == "//":  # likewise R's %/%, and Python's // in formulaic's style
        return f"{left} %/% {right}" if backticks else f"{left} // {right}"
    if op in _SPACED or op.startswith("%"):
        return f"{left} {op} {right}"
    return f"{left}{op}{right}"


_PY_NAMES = {
    "TRUE": "True",
    "FALSE": "False",
    "T": "True",
    "F": "False",
    "NULL": "None",
    "Inf": "np.inf",
    "NA": "np.nan",
    "NaN": "np.nan",
}
_PY_OPS = {"^": "**", "%%": "%", "%/%": "//", "&&": "&", "||": "|"}


def to_python(node: Node, columns: frozenset[str] = frozenset()) -> str:
    """The expression as Python code for formulaic: operators as NumPy reads them (every
    binary operation parenthesised, since Python's ``&`` binds tighter than ``>``), R's
    constants, dotted function names and argument names with ``_`` (``Boundary.knots``),
    and ``columns`` that are not Python identifiers in backticks."""
    k = node.kind
    if k == "num":
        return node.value.rstrip("L")
    if k == "str":
        return repr(node.value)
    if k == "name":
        name = node.value
        if name in columns:
            if keyword.iskeyword(name):  # formulaic reads `None` or `True` as Python's constant
                return f"Q({name!r})"
            return name if name.isidentifier() else f"`{name}`"
        if name in _PY_NAMES:
            return _PY_NAMES[name]
        return name
    if k == "call":
        fn = node.value
        if fn not in columns and "." in fn and not fn.startswith(("np.", "numpy.")):
            fn = fn.replace(".", "_")
        parts = [
            f"{key.replace('.', '_')}={to_python(a, columns)}" if key else to_python(a, columns)
            for a, key in zip(node.args, node.keys, strict=True)
        ]
        return f"{fn}({', '.join(parts)})"
    if k == "paren":
        return f"({to_python(node.args[0], columns)})"
    if k == "unary":
        op = "~" if node.value == "!" else node.value
        return f"({op}{to_python(node.args[0], columns)})"
    op = node.value
    left, right = to_python(node.args[0], columns), to_python(node.args[1], columns)
    if op == "%in%":
        return f"np.isin({left}, {right})"
    if op == ":":
        raise FormulaError(f"':' inside a function call is not supported: {deparse(node)!r}")
    return f"({left} {_PY_OPS.get(op, op)} {right})"


def names_in(node: Node) -> tuple[set[str], set[str]]:
    """The names an expression uses as values and as functions."""
    values: set[str] = set()
    calls: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.kind == "name":
            values.add(n.value)
        elif n.kind == "call":
            calls.add(n.value)
        stack.extend(n.args)
    return values, calls
