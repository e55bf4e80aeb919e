"""R's ``terms.formula``: a formula's right-hand side as R's ordered list of terms.

R gives the operators of a formula their model meaning on the parsed expression
(``src/library/stats/src/model.c``); this module follows it step by step.  Each variable
(a name or a call such as ``log(x)``) gets a number in the order it is first met, reading the
formula left to right with the response first, and a term is the set of its variables:

* ``a + b``: the terms of both, each once; ``a:b``: every union of a term of ``a`` with a term
  of ``b``; ``a * b`` = ``a + b + a:b``;
* ``a %in% b``: each term of ``a`` joined with all the variables of ``b`` (``a:b``, not ``b``);
* ``a / b`` = ``a + (b %in% a)``; ``(a + b + c)^2``: all products of up to two terms;
* ``a - b``: the terms of ``a`` that are not terms of ``b``; ``- 1``/``+ 0`` drop the
  intercept, ``+ 1``/``- 0`` restore it;
* ``offset(x)`` is a variable but not a term;
* ``.`` is every column of the data except the variables of the response (a column used
  only in ``offset()`` or as ``weights`` stays in).

Terms are then sorted by their number of variables, keeping their order otherwise, and a
term's variables are written in variable order: ``Freq ~ Infl + Sat + Sat:Infl`` has the term
``Infl:Sat``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rglm.exceptions import FormulaError, FormulaWarning, warn
from rglm.frame.rsyntax import Node, deparse, names_in, parse_r

__all__ = ["RTerms", "expand_rhs", "is_offset", "response_symbols"]

Term = frozenset[int]


@dataclass(frozen=True)
class RTerms:
    """The right-hand side of a formula as R's ``terms`` object sees it.

    Attributes
    ----------
    variables : tuple of Node
        The variables of the terms in R's order (offsets not included).
    terms : tuple of tuple of int
        Each term's variables (indices into ``variables``, ascending), in R's term order.
    intercept : bool
    offsets : tuple of Node
        The expressions inside ``offset()``, in order.
    mentioned : tuple of Node
        Every variable the formula names, also those only in removed terms (``. - x``): R's
        model frame holds them all, so a missing value in any of them drops the row.
    """

    variables: tuple[Node, ...]
    terms: tuple[tuple[int, ...], ...]
    intercept: bool
    offsets: tuple[Node, ...]
    mentioned: tuple[Node, ...] = ()

    @property
    def labels(self) -> list[str]:
        """R's term labels (``term.labels``): the variables' deparse joined by ``:``."""
        names = [deparse(v) for v in self.variables]
        return [":".join(names[i] for i in t) for t in self.terms]

    def rhs_text(self) -> str:
        """The right-hand side written out as R's ``formula(terms)`` would: terms in order,
        then offsets, and ``- 1`` without an intercept."""
        body = self.labels + [f"offset({deparse(o)})" for o in self.offsets]
        if not self.intercept:
            return " + ".join(body) + " - 1" if body else "-1"
        return " + ".join(body) if body else "1"


def is_offset(node: Node) -> bool:
    return node.kind == "call" and node.value == "offset"


def response_symbols(lhs: Node) -> set[str]:
    """The names in the response (R's ``CheckRHS`` removes them from ``.``)."""
    values, calls = names_in(lhs)
    return values | calls


class _Encoder:
    """R's ``EncodeVars`` with its global intercept and sign (``parity``)."""

    def __init__(self, dot: Sequence[str] | None, text: str) -> None:
        self.dot = dot
        self.text = text
        self.variables: list[Node] = []
        self.keys: dict[str, int] = {}
        self.offsets: list[Node] = []
        self.intercept = True
        self.parity = True

    def install(self, node: Node) -> int:
        key = deparse(node)
        if key not in self.keys:
            self.keys[key] = len(self.variables)
            self.variables.append(node)
        return self.keys[key]

    def encode(self, node: Node) -> list[Term]:
        k = node.kind
        if k == "num" and float(node.value.rstrip("L")) in (0.0, 1.0):
            self.intercept = (float(node.value.rstrip("L")) == 1.0) == self.parity
            return []
        if k == "paren":
            return self.encode(node.args[0])
        if k == "name" and node.value == ".":
            if self.dot is None:
                raise FormulaError(
                    f"'.' in formula {self.text!r} needs a data frame to stand for its columns"
                )
            return [frozenset({self.install(Node("name", c))}) for c in self.dot]
        if k == "call" and node.value == "offset":
            if len(node.args) != 1:
                raise FormulaError(f"offset() needs an expression (exactly one) in {self.text!r}")
            if not self.parity:
                raise FormulaError(
                    f"an offset cannot be subtracted in {self.text!r}; negate it inside: offset(-x)"
                )
            self.offsets.append(node.args[0])
            return []
        if k == "unary" and node.value == "-":
            self.parity = not self.parity
            self.encode(node.args[0])
            self.parity = not self.parity
            return []
        if k == "unary" and node.value == "+":
            return self.encode(node.args[0])
        if k == "binop":
            return self.binary(node)
        if k in ("name", "call", "unary", "str"):
            return [frozenset({self.install(node)})]
        raise FormulaError(f"invalid model term {deparse(node)!r} in {self.text!r}")

    def binary(self, node: Node) -> list[Term]:
        op, (a, b) = node.value, node.args
        if op == "+":
            return _unique(self.encode(a) + self.encode(b))
        if op == "-":
            left = self.encode(a)
            self.parity = not self.parity
            right = self.encode(b)
            self.parity = not self.parity
            return [t for t in left if t not in set(right)]
        if op == ":":
            left, right = self.encode(a), self.encode(b)
            return _unique([x | y for x in left for y in right])
        if op == "*":
            left, right = self.encode(a), self.encode(b)
            return _unique(left + right + [x | y for x in left for y in right])
        if op == "%in%":
            left, right = self.encode(a), self.encode(b)
            every = frozenset().union(*right) if right else frozenset()
            return _unique([x | every for x in left])
        if op == "/":
            left, right = self.encode(a), self.encode(b)
            every = frozenset().union(*left) if left else frozenset()
            return _unique(left + [y | every for y in right])
        if op in ("^", "**"):
            left = self.encode(a)
            power = b.args[0] if b.kind == "paren" else b
            if power.kind != "num" or float(power.value) < 1 or float(power.value) != int(float(power.value)):
                raise FormulaError(f"the power in {deparse(node)!r} must be a positive whole number")
            result = left
            for _ in range(int(float(power.value)) - 1):
                result = _unique([x | y for x in left for y in result])
            return result
        # Any other operator (a comparison, %%) is a variable, as R's model.frame evaluates it.
        return [frozenset({self.install(node)})]


def _unique(terms: list[Term]) -> list[Term]:
    return [t for t in dict.fromkeys(terms) if t]


def expand_rhs(rhs: str, dot: Sequence[str] | None, response: Node | None = None) -> RTerms:
    """R's terms of the right-hand side ``rhs``.

    Parameters
    ----------
    rhs : str
        The text right of ``~``.
    dot : sequence of str or None
        The columns ``.`` stands for (the data's columns less the response's variables), or
        None when there is no data.
    response : Node, optional
        The response; its variables are numbered first, as in R (they are not terms).
    """
    enc = _Encoder(dot, rhs)
    if response is not None:
        enc.install(response)
    terms = enc.encode(parse_r(rhs))
    base = 1 if response is not None else 0
    # Stable sort by the number of variables (R's "Step 3").
    terms = sorted(terms, key=len)
    # R drops a term holding the response ("the response appeared on the right-hand side").
    terms_out = [tuple(sorted(i - base for i in t)) for t in terms if not (base and 0 in t)]
    if len(terms_out) < len(terms):
        warn(
            f"the response {deparse(enc.variables[0])} appeared on the right-hand side and was dropped",
            FormulaWarning,
        )
    used = sorted({i for t in terms_out for i in t})
    variables = enc.variables[base:]
    if len(used) < len(variables):  # variables only in dropped terms are not the model's
        keep = {old: new for new, old in enumerate(i for i in range(len(variables)) if i in set(used))}
        variables = [variables[i] for i in keep]
        terms_out = [tuple(keep[i] for i in t) for t in terms_out]
    return RTerms(
        tuple(variables), tuple(terms_out), enc.intercept, tuple(enc.offsets), tuple(enc.variables[base:])
    )
