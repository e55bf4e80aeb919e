"""Escaping text for the report formats (markdown, LaTeX, HTML), shared by every table."""

from __future__ import annotations

import html

__all__ = ["html_escape", "md_escape", "tex_escape"]

_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def md_escape(text: str) -> str:
    """Markdown: backslashes, pipes (cell separators), asterisks and underscores (emphasis)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def tex_escape(text: str) -> str:
    """LaTeX: the ten special characters, plus ``<`` and ``>`` (which T1-less fonts misprint)."""
    return "".join(_TEX.get(ch, ch) for ch in text)


def html_escape(text: str) -> str:
    """HTML: ``&``, ``<``, ``>`` and quotes."""
    return html.escape(text)
