"""R's ``model.matrix`` from R's terms, with formulaic evaluating the variables.

formulaic materializes each variable of the model once, on its own: a numeric variable as its
column(s) (``poly(x, 2)`` has two), a factor as all its indicator columns
(``ensure_full_rank=False``), with its stateful transforms and levels kept in a ``ModelSpec``
so that new data are coded the same way.  The model matrix is then put together as R's
``model.matrix`` does:

* the intercept column, then each term's columns, terms in R's order;
* a term's columns are the products of its variables' columns, the first variable varying
  fastest;
* a factor in a term is coded by its contrasts when the term without it is contained in an
  earlier term (or is empty), otherwise by all its indicators (R's ``TermCode``); without an
  intercept, the first factor of the first term that has one is coded by indicators;
* a logical variable is a factor with levels ``FALSE``, ``TRUE``; an ordered factor's default
  contrasts are ``contr.poly``, an unordered one's ``contr.treatment``; ``contrasts=``
  (by variable) and ``C(x, contr)`` choose others (:mod:`rglm.frame.contrasts`).

Columns are named both as R names them (``(Intercept)``, ``sexM``, ``poly(wt, 2)1``,
``dose.L``) and in formulaic's style (``Intercept``, ``sex[T.M]``, ``poly(wt, 2)[1]``,
``dose[.L]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import Formula, model_matrix
from formulaic.model_spec import ModelSpec
from formulaic.transforms import TRANSFORMS

from rglm.exceptions import ArgumentError, DataError
from rglm.frame import direct as _direct
from rglm.frame.contrasts import Coding, coding, contrast_name
from rglm.frame.direct import Block, Codes, Direct
from rglm.frame.rsyntax import Node, deparse, names_in, r_number, to_python
from rglm.frame.rterms import RTerms

FloatArray = npt.NDArray[np.float64]

__all__ = ["RDesign", "Variable", "build_design", "describe", "level_name"]

_FACTOR_CALLS = ("factor", "as.factor", "ordered", "relevel", "C")


@dataclass(frozen=True)
class Variable:
    """One variable of the model.

    Attributes
    ----------
    label : str
        R's name of it (``deparse``).
    code : str
        The Python code formulaic evaluates.
    column : str or None
        The data column it is, or makes a factor of (``x``, ``factor(x)``, ``C(x, sum)``).
    contrast : str or object or None
        Contrasts chosen in the formula with ``C()``.
    ordered : bool
        Whether it is an ordered factor (``ordered()`` or an ordered Categorical column).
    columns_used : tuple of str
        The data columns it reads.
    plain : str
        Its name in formulaic's style: R's, with no backticks.
    """

    label: str
    code: str
    column: str | None
    contrast: Any
    ordered: bool
    columns_used: tuple[str, ...]
    plain: str = ""
    r_name: str = ""


def _arg(node: Node, pos: int, key: str) -> Node | None:
    positional = [a for a, k in zip(node.args, node.keys, strict=True) if not k]
    for a, k in zip(node.args, node.keys, strict=True):
        if k == key:
            return a
    return positional[pos] if len(positional) > pos else None


def _contrast_spec(spec: Node) -> Any:
    """The contrasts named in ``C(x, spec)``: R's name (``sum``, ``contr.sum``, ``"contr.sum"``)
    or a formulaic contrasts object written as a call (``Treatment(reference = "b")``,
    ``contr.sum()``), evaluated with formulaic's transforms."""
    if spec.kind == "name" and isinstance(TRANSFORMS.get(spec.value), type):
        return TRANSFORMS[spec.value]()  # formulaic's contrasts class, as C(x, Sum)
    if spec.kind in ("name", "str"):
        return spec.value
    try:
        return eval(to_python(spec), {"__builtins__": {}}, dict(TRANSFORMS))  # noqa: S307 - formula text
    except Exception as exc:  # noqa: BLE001 - any failure is the user's contrasts expression
        raise ArgumentError(f"cannot read the contrasts {deparse(spec)!r} in C(): {exc}") from exc


def describe(node: Node, columns: frozenset[str], ordered_columns: frozenset[str]) -> Variable:
    """The :class:`Variable` of the expression ``node`` over data with ``columns``."""
    label = deparse(node)
    used = tuple(sorted(names_in(node)[0] & columns))
    column: str | None = None
    contrast: Any = None
    ordered = False
    inner = node
    if node.kind == "call" and node.value in _FACTOR_CALLS and node.args:
        first = node.args[0]
        if first.kind == "name" and first.value in columns:
            column = first.value
            ordered = first.value in ordered_columns and node.value != "relevel"
        if node.value == "ordered":
            ordered = True
        if node.value == "C":
            spec = _arg(node, 1, "contr")
            if spec is not None:
                contrast = contrast_name(_contrast_spec(spec))
            levels = _arg(node, 2, "levels")
            args: tuple[Node, ...] = (first,) + ((levels,) if levels is not None else ())
            inner = Node("call", "factor", args, ("",) + (("levels",) if levels is not None else ()))
    elif node.kind == "name" and node.value in columns:
        column = node.value
        ordered = node.value in ordered_columns
    code = f"_rvar({to_python(inner, columns)})"
    # C(x) without contrasts is formulaic's spelling of R's factor(x) (R's C() needs them)
    r_name = deparse(Node("call", "factor", node.args, node.keys)) if _bare_c(node) else label
    return Variable(label, code, column, contrast, ordered, used, deparse(node, backticks=False), r_name)


def _bare_c(node: Node) -> bool:
    return node.kind == "call" and node.value == "C" and len(node.args) == 1 and node.keys == ("",)


def level_name(value: Any) -> str:
    """A factor level as R writes it: ``TRUE``, ``1`` for 1.0, ``0.5``, text as is."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return r_number(float(value))
    return str(value)


def _codes(terms: RTerms, is_factor: list[bool]) -> list[dict[int, bool]]:
    """For each term, factor -> whether it is coded by all its indicators (R's ``TermCode``
    and ``model.matrix``'s rule for a model without an intercept)."""
    sets = [frozenset(t) for t in terms.terms]
    out: list[dict[int, bool]] = []
    for j, t in enumerate(sets):
        codes = {}
        for v in terms.terms[j]:
            if is_factor[v]:
                rest = t - {v}
                codes[v] = bool(rest) and not any(rest <= sets[p] for p in range(j))
        out.append(codes)
    if not terms.intercept:
        for j, vars_ in enumerate(terms.terms):
            first = next((v for v in vars_ if is_factor[v]), None)
            if first is not None:
                out[j][first] = True
                break
    return out


def _selection(c: Coding) -> npt.NDArray[np.intp] | None:
    """The rows picked by ``c``'s matrix when each of its columns is one 1 among zeros (R's
    treatment and SAS contrasts, full indicators), else None.  Indicators (0/1) times such a
    matrix are exactly those indicator columns."""
    m = c.matrix
    ones = m == 1.0
    if m.size and (ones | (m == 0.0)).all() and not np.signbit(m).any() and (ones.sum(axis=0) == 1).all():
        return np.asarray(ones.argmax(axis=0), dtype=np.intp)
    return None


class RDesign:
    """The recipe of a model matrix: R's terms, how each variable is evaluated (formulaic's
    spec of those it evaluates, :class:`rglm.frame.direct.Direct` for plain ones), and each
    term's coding; :meth:`get_model_matrix` replays it on any data.

    ``spec`` covers the variables that formulaic evaluates (None if none); ``blocks[v]`` are
    variable ``v``'s columns in the matrix of ``spec`` (empty for a plain variable) and
    ``direct[v]`` the plain variable's recipe (None for formulaic's).
    """

    #: A recipe saved before plain variables were evaluated directly has them all in ``spec``.
    direct: tuple[Direct | None, ...] = ()

    def __init__(
        self,
        terms: RTerms,
        variables: tuple[Variable, ...],
        spec: ModelSpec | None,
        blocks: list[list[int]],
        levels: list[tuple[Any, ...] | None],
        contrasts: Mapping[str, Any],
        direct: tuple[Direct | None, ...] = (),
    ) -> None:
        self.terms = terms
        self.variables = variables
        self.spec = spec
        self.blocks = blocks
        self.factor_levels = levels
        if any(d is not None for d in direct):
            self.direct = direct
        is_factor = [lv is not None for lv in levels]
        self.codes = _codes(terms, is_factor)
        self.contrasts: dict[str, Any] = {}
        for v, lv in zip(variables, levels, strict=True):
            if lv is None:
                continue
            chosen = contrasts.get(v.label, contrasts.get(v.column or "\0"))
            chosen = v.contrast if chosen is None else contrast_name(chosen)
            self.contrasts[v.label] = chosen or ("contr.poly" if v.ordered else "contr.treatment")
        self._build_names()

    # -- names and term columns --------------------------------------------------------------------
    def _coding(self, v: int, full: bool) -> Coding:
        lv = self.factor_levels[v]
        assert lv is not None
        names = [level_name(x) for x in lv]
        spec = self.contrasts[self.variables[v].label]
        if hasattr(spec, "get_coding_matrix"):
            c = coding(spec, list(lv), full)
            if full:
                c = coding("contr.treatment", names, True)
            return c
        return coding(spec, names, full)

    def _var_parts(self, term: int, v: int) -> tuple[list[str], list[str], Coding | None]:
        var = self.variables[v]
        if self.factor_levels[v] is not None:
            c = self._coding(v, self.codes[term][v])
            return [var.r_name + s for s in c.r_suffix], [var.plain + s for s in c.py_suffix], c
        d = self._direct(v)
        m = 1 if d is not None else len(self.blocks[v])
        if m == 1:
            return [var.label], [var.plain], None
        return [f"{var.label}{j + 1}" for j in range(m)], [f"{var.plain}[{j + 1}]" for j in range(m)], None

    def _build_names(self) -> None:
        r_names: list[str] = []
        py_names: list[str] = []
        term_cols: dict[str, npt.NDArray[np.intp]] = {}
        self._plan: list[list[tuple[int, Coding | None, npt.NDArray[np.intp] | None]]] = []
        if self.terms.intercept:
            r_names.append("(Intercept)")
            py_names.append("Intercept")
            term_cols["1"] = np.array([0], dtype=np.intp)
        for j, (t, label) in enumerate(zip(self.terms.terms, self.terms.labels, strict=True)):
            rn: list[str] = [""]
            pn: list[str] = [""]
            plan: list[tuple[int, Coding | None, npt.NDArray[np.intp] | None]] = []
            for v in t:
                r_part, py_part, c = self._var_parts(j, v)
                # the first variable varies fastest
                rn = [f"{a}:{b}" if a else b for b in r_part for a in rn]
                pn = [f"{a}:{b}" if a else b for b in py_part for a in pn]
                plan.append((v, c, None if c is None else _selection(c)))
            start = len(r_names)
            r_names += rn
            py_names += pn
            term_cols[label] = np.arange(start, start + len(rn), dtype=np.intp)
            self._plan.append(plan)
        self.r_names = tuple(r_names)
        self.py_names = tuple(py_names)
        self.term_indices = term_cols

    def __setstate__(self, state: dict[str, Any]) -> None:
        # the plan is derived: rebuilt, so that a recipe saved by an older rglm replays
        self.__dict__.update(state)
        self._build_names()

    def _direct(self, v: int) -> Direct | None:
        return self.direct[v] if self.direct else None

    def with_transform_state(self, state: Mapping[str, Any]) -> RDesign:
        """The same recipe with the stateful transforms' state replaced (learnt elsewhere, as
        over all the chunks of out-of-core data)."""
        if self.spec is None:
            return self  # no variable of formulaic's, so no stateful transform
        merged = {**self.spec.transform_state, **state}
        out = RDesign.__new__(RDesign)
        out.__dict__.update(self.__dict__)
        out.spec = self.spec.update(transform_state=merged)
        return out

    # -- replay ----------------------------------------------------------------------------------------
    @property
    def columns_read(self) -> frozenset[str]:
        """The data columns the model matrix reads."""
        return frozenset(c for v in self.variables for c in v.columns_used)

    @property
    def transform_state(self) -> dict[str, Any]:
        return dict(self.spec.transform_state) if self.spec is not None else {}

    def variable_indices(self) -> dict[str, list[int]]:
        """Data column -> the model-matrix columns computed from it."""
        out: dict[str, list[int]] = {}
        for t, label in zip(self.terms.terms, self.terms.labels, strict=True):
            cols = self.term_indices[label].tolist()
            for v in t:
                for c in self.variables[v].columns_used:
                    out.setdefault(c, []).extend(cols)
        return out

    def levels_by_column(self) -> dict[str, tuple[Any, ...]]:
        """Data column -> the levels seen in fitting, for each factor that codes a column."""
        out: dict[str, tuple[Any, ...]] = {}
        for var, lv in zip(self.variables, self.factor_levels, strict=True):
            if lv is not None and var.column is not None and var.code.startswith(("_rvar(factor(", "_rvar(")):
                out.setdefault(var.column, tuple(lv))
        return out

    def assemble(self, raw: list[Block], n: int) -> FloatArray:
        """The model matrix from each variable's materialized columns ``raw[v]`` (a factor's:
        its indicators, or their :class:`~rglm.frame.direct.Codes`).

        A factor's columns in a term are its indicators times its coding matrix; when that
        matrix only selects indicators (treatment contrasts, full indicators) the selected
        indicators are taken as they are, which is the same 0/1 product."""
        out = np.empty((n, len(self.r_names)))
        k = 0
        if self.terms.intercept:
            out[:, 0] = 1.0
            k = 1
        for plan in self._plan:
            prod: FloatArray | None = None
            for v, c, sel in plan:
                values = raw[v]
                if isinstance(values, Codes):
                    assert c is not None
                    block = values.select(sel) if sel is not None else values.indicators() @ c.matrix
                elif c is None:
                    block = values
                else:
                    block = values[:, sel] if sel is not None else values @ c.matrix
                if prod is None:
                    prod = block
                else:
                    m1, m2 = prod.shape[1], block.shape[1]
                    prod = (prod[:, :, None] * block[:, None, :]).transpose(0, 2, 1).reshape(n, m1 * m2)
            assert prod is not None
            out[:, k : k + prod.shape[1]] = prod
            k += prod.shape[1]
        return out

    def get_model_matrix(
        self, data: pd.DataFrame, context: Any = None, na_action: str = "ignore"
    ) -> FloatArray:
        """The model matrix of ``data`` with the fitted transforms, levels and codings."""
        raw: list[Block] = [np.zeros((len(data), 0))] * len(self.variables)
        if self.spec is not None:
            mm = self.spec.get_model_matrix(data, context=context, na_action=na_action)
            arr = np.asarray(mm.to_numpy(dtype=np.float64), dtype=np.float64)
            for v in range(len(self.variables)):
                if self._direct(v) is None:
                    raw[v] = arr[:, self.blocks[v]]
        for v, d in enumerate(self.direct):
            if d is not None:
                raw[v] = _direct.replay(d, data)
        return self.assemble(raw, len(data))


def build_design(
    terms: RTerms,
    data: pd.DataFrame,
    context: dict[str, Any],
    contrasts: Mapping[str, Any] | None = None,
) -> tuple[RDesign, FloatArray]:
    """The :class:`RDesign` of ``terms`` learnt on ``data`` and the model matrix of ``data``.

    Plain variables (a column, ``factor`` of one) are evaluated by :mod:`rglm.frame.direct`,
    the others by formulaic (all of them when ``rglm.frame.direct.ENABLED`` is False)."""
    names = data.columns.tolist()
    columns = frozenset(map(str, names))
    ordered = frozenset(
        str(c)
        for c, dtype in zip(names, data.dtypes.tolist(), strict=True)
        if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
    )
    variables = tuple(describe(v, columns, ordered) for v in terms.variables)
    contrasts = dict(contrasts or {})
    known = {v.label for v in variables} | {v.column for v in variables if v.column}
    unknown = [k for k in contrasts if k not in known]
    if unknown:
        raise ArgumentError(
            f"contrasts given for {', '.join(repr(u) for u in unknown)}, which the model does not use "
            "as a factor"
        )
    n = len(data)
    direct: list[Direct | None] = [None] * len(variables)
    raw: list[Block] = [np.zeros((n, 0))] * len(variables)
    blocks: list[list[int]] = [[] for _ in variables]
    levels: list[tuple[Any, ...] | None] = [None] * len(variables)
    # Variables formulaic cannot tell apart are all left to it, which reports them.
    if _direct.usable(context, columns) and len({v.code for v in variables}) == len(variables):
        for i, v in enumerate(variables):
            learnt = _direct.learn(v.code, v.column, data, columns)
            if learnt is not None:
                direct[i], raw[i] = learnt
                levels[i] = learnt[0].levels
    rest = [i for i, d in enumerate(direct) if d is None]
    spec: ModelSpec | None = None
    if rest:
        formula = Formula("0 + " + " + ".join("{" + variables[i].code + "}" for i in rest), _ordering="none")
        mm = model_matrix(formula, data, context=context, na_action="ignore", ensure_full_rank=False)
        spec = mm.model_spec
        factors = list(spec.term_indices.items())
        if len(factors) != len(rest):
            raise DataError(f"the model's variables {[v.label for v in variables]} could not be told apart")
        by_name = {str(f): state for f, state in spec.factor_contrasts.items()}
        arr = np.asarray(mm.to_numpy(dtype=np.float64), dtype=np.float64)
        for i, (term, cols) in zip(rest, factors, strict=True):
            blocks[i] = list(cols)
            raw[i] = arr[:, blocks[i]]
            name = str(term.factors[0]) if term.factors else ""
            state = by_name.get(name)
            levels[i] = tuple(state.levels) if state is not None else None
    for v, lv in zip(variables, levels, strict=True):
        if v.contrast is not None and lv is None:
            raise ArgumentError(f"C() needs a factor: {v.label}")
    design = RDesign(terms, variables, spec, blocks, levels, contrasts, tuple(direct))
    return design, design.assemble(raw, n)
