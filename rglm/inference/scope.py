"""Which terms may be dropped or added: R's ``drop.scope``, ``add.scope`` and ``factor.scope``.

A term is identified by the set of variables it multiplies (R's ``factors`` matrix; here
formulaic's factors of the term), so ``a:b`` and ``b:a`` are one term.  Marginality:

* a term may be dropped only if no other term of the model contains all its variables
  (``a`` stays while ``a:b`` does);
* a term may be added only if none of the other candidate terms is contained in it (``a:b``
  waits until ``a`` and ``b`` are in the model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rglm.exceptions import ArgumentError
from rglm.frame.formula import parse_formula, rhs_terms, update_formula
from rglm.results.glm import GLMStatistics

__all__ = [
    "Term",
    "add_scope",
    "drop_scope",
    "factor_scope",
    "formula_terms",
    "model_formula",
    "shown_formula",
    "model_terms",
    "scope_terms",
]


@dataclass(frozen=True)
class Term:
    """A model term: its label (formulaic's) and the variables it multiplies."""

    label: str
    factors: frozenset[str]


def model_formula(m: GLMStatistics) -> str:
    """The model's formula as R's ``formula(object)`` gives it to ``update``: ``.`` expanded,
    terms in R's order."""
    try:
        return m.model_frame.spec.parsed.expanded
    except AttributeError:
        return m.formula


def shown_formula(m: GLMStatistics) -> str:
    """The model's formula as R prints ``formula(object)``: ``.`` replaced by the columns."""
    try:
        return m.model_frame.spec.parsed.display
    except AttributeError:
        return m.formula


def formula_terms(formula: str) -> list[Term]:
    """The terms (intercept and offsets excluded) of ``formula``, in R's order (by degree)."""
    rhs = parse_formula(formula).rhs if "~" in formula else formula
    out = []
    for label, factors in rhs_terms(rhs, formula):
        if factors and factors != frozenset({"1"}):
            out.append(Term(label, factors))
    return out


def model_terms(m: GLMStatistics) -> list[Term]:
    """The model's terms, labelled as in its model matrix (``spec.term_columns``)."""
    spec = m.model_frame.spec
    by_key = {t.factors: t for t in formula_terms(spec.parsed.rhs)}
    labels = [t for t in spec.term_columns if t != "1"]
    found = {t.label: t for t in by_key.values()}
    out = []
    for label in labels:
        term = found.get(label)
        if term is None:  # the same term written differently; match it by its variables
            term = Term(label, frozenset(f.strip("`") for f in label.split(":")))
        out.append(Term(label, term.factors))
    return out


def scope_terms(m: GLMStatistics, scope: Any, what: str) -> list[Term]:
    """Terms of a scope given as a formula (``.`` standing for the model's terms, as R's
    ``update.formula``) or as a list of term labels."""
    if isinstance(scope, str):
        return formula_terms(update_formula(model_formula(m), scope))
    if isinstance(scope, Sequence) and all(isinstance(s, str) for s in scope):
        return [Term(t.label, t.factors) for s in scope for t in formula_terms(s)]
    raise ArgumentError(
        f"{what} must be a formula such as '~ . + x3' or a list of term labels, got {type(scope).__name__}"
    )


def _contains(outer: Term, inner: Term) -> bool:
    return inner.factors <= outer.factors


def drop_scope(terms: Sequence[Term]) -> list[Term]:
    """R's ``drop.scope``: the terms not contained in any other term."""
    return factor_scope(terms, drop=[], add=None)[0]


def add_scope(terms: Sequence[Term], upper: Sequence[Term]) -> list[Term]:
    """R's ``add.scope``: the terms of ``upper`` not in the model, without those that contain
    another such candidate."""
    return factor_scope(terms, drop=None, add=upper)[1]


def _require_within(inner: Sequence[Term], outer: Sequence[Term], message: str) -> None:
    """Raise, naming them, if some terms of ``inner`` are not in ``outer``."""
    keys = {t.factors for t in outer}
    missing = [t.label for t in inner if t.factors not in keys]
    if missing:
        noun = "term" if len(missing) == 1 else "terms"
        raise ArgumentError(message.format(f"{noun} {', '.join(repr(x) for x in missing)}"))


def factor_scope(
    terms: Sequence[Term], drop: Sequence[Term] | None, add: Sequence[Term] | None
) -> tuple[list[Term], list[Term]]:
    """R's ``factor.scope``: the terms that may be dropped and those that may be added.

    Parameters
    ----------
    terms : the model's terms
    drop : the lower scope's terms (they may not be dropped), ``[]`` for no lower scope, or
        None to drop nothing
    add : the upper scope's terms, or None (or empty) to add nothing
    """
    droppable: list[Term] = []
    if terms and drop is not None:
        _require_within(drop, terms, "lower scope has {} not included in the model")
        lower = {t.factors for t in drop}
        facs = [t for t in terms if t.factors not in lower]
        droppable = [t for t in facs if not any(o is not t and _contains(o, t) for o in facs)]
    addable: list[Term] = []
    if add:
        _require_within(terms, add, "the model has {} not included in the upper scope")
        present = {t.factors for t in terms}
        cands = [t for t in add if t.factors not in present]
        addable = [t for t in cands if not any(o is not t and _contains(t, o) for o in cands)]
    return droppable, addable
