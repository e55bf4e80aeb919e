"""R's ``formatReal()``: how ``format(x, digits)`` lays out a vector of doubles.

Split out of :mod:`rglm.numerics.format`, which re-exports :func:`format_real`, :data:`NA_REAL` and
:func:`is_na`.  R on Linux x86_64 scales values in 80-bit long double and calls glibc's
``powl`` in ``scientific()``; both are emulated exactly with integer arithmetic here, so
the digits R prints do not depend on the Python platform.  A correctly rounded decimal
string answers the usual case (:func:`_scientific_quick`); the emulation decides the rest.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

__all__ = ["NA_REAL", "FloatsLike", "format_real", "is_na"]

#: R's ``NA_real_``: a NaN whose low 32 bits are 1954.
NA_REAL: float = struct.unpack("<d", struct.pack("<Q", 0x7FF00000000007A2))[0]

FloatsLike = Sequence[float | None] | np.ndarray

_KP_MAX = 27  # size of R's long double table of powers of ten
_DBL_DIG = 15

# R on Linux x86_64 scales by 10^kp in 80-bit long double and, for |kp| > 27,
# uses glibc's powl(10, kp), which is *not* always correctly rounded.  These
# are the deviations (in units of the last place of the 64-bit significand)
# of glibc's powl(10, k) from the correctly rounded 10^k, measured on glibc
# for -345 <= k <= 310, so that we reproduce R's rounding decisions exactly.
_POWL10_ULP_FIX: dict[int, int] = {
    -310: 1,
    -306: -1,
    -291: 1,
    -285: -1,
    -282: 1,
    -275: -1,
    -271: -1,
    -258: 1,
    -253: -1,
    -250: -1,
    -249: -1,
    -246: 1,
    -235: 1,
    -225: 1,
    -223: -1,
    -212: 1,
    -196: -1,
    -194: -1,
    -187: 1,
    -185: -1,
    -181: 1,
    -173: -1,
    -137: 1,
    -107: -1,
    -100: 1,
    -79: 1,
    -63: -1,
    -61: 1,
    -37: 1,
    43: 1,
    70: -1,
    73: 1,
    95: -1,
    104: 1,
    131: -1,
    136: 1,
    141: -1,
    143: 1,
    152: 1,
    158: 1,
    164: 1,
    176: 1,
    185: -1,
    192: -1,
    200: -1,
    216: 1,
    222: 1,
    247: 1,
    251: -1,
    255: 1,
    257: 1,
    259: -1,
    262: -1,
    275: 1,
    282: 1,
    294: -1,
}


# ---- missing values and input conversion -------------------------------


def is_na(x: float | None) -> bool:
    """Return True for R's ``NA_real_`` (or ``None``), False for other NaNs.

    R's ``R_IsNA`` tests only the low word (1954), so an NA that was
    quietened by arithmetic still counts as NA.
    """
    if x is None:
        return True
    if not math.isnan(x):
        return False
    bits: int = struct.unpack("<Q", struct.pack("<d", x))[0]
    return bits & 0xFFFFFFFF == 1954


def _to_float(v: object) -> float:
    """One value as a float; ``None`` and pandas' ``NA`` become NA."""
    if v is None or type(v).__name__ == "NAType":
        return NA_REAL
    return float(v)  # type: ignore[arg-type]


def _as_floats(x: FloatsLike | float) -> list[float]:
    """Flatten the input (column-major, like R) to a list of floats."""
    if isinstance(x, (int, float, np.number)):
        return [float(x)]
    if isinstance(x, np.ndarray):
        if x.dtype != object:
            values: list[float] = np.asarray(x, dtype=float).ravel(order="F").tolist()  # the same doubles
            return values
        x = list(x.ravel(order="F"))
    return [_to_float(v) for v in x]


# ---- x87 long double emulation (exact, platform independent) -----------


def _ld_parts(q: Fraction) -> tuple[int, int]:
    """Round a positive rational to an x87 long double ``m * 2**s``.

    ``2**63 <= m < 2**64`` (64-bit significand), round to nearest, ties to
    even.  R's ``scientific()`` scales in 80-bit long double; exact
    rational arithmetic plus this rounding reproduces each operation bit
    for bit on any platform (the exponent range never matters here).
    """
    n, d = q.numerator, q.denominator
    s = n.bit_length() - d.bit_length() - 63
    while True:  # the bit-length estimate is off by at most a step or two
        num, den = n << max(0, -s), d << max(0, s)
        if num >= den << 64:
            s += 1
        elif num < den << 63:
            s -= 1
        else:
            break
    m, rem = divmod(num, den)
    if 2 * rem > den or (2 * rem == den and m & 1):
        m += 1
    return m, s


def _ld(q: Fraction) -> Fraction:
    """The long double nearest to ``q`` (see :func:`_ld_parts`)."""
    m, s = _ld_parts(q)
    return Fraction(m) * Fraction(2) ** s


def _powl10(k: int) -> Fraction:
    """glibc's ``powl(10.0L, k)``: correct rounding plus measured fix-ups."""
    m, s = _ld_parts(Fraction(10) ** k)
    return Fraction(m + _POWL10_ULP_FIX.get(k, 0)) * Fraction(2) ** s


def _tbl(k: int) -> Fraction:
    """R's long double table ``tbl[k] = 10^k``, ``0 <= k <= 27``.

    Its initialisers are *double* literals (no ``L`` suffix), so 1e23 ..
    1e27, which a double cannot hold, are rounded doubles, not exact.
    """
    return Fraction(float(10**k)) if k > 22 else Fraction(10**k)


# ---- formatReal --------------------------------------------------------


def _significant(alpha: int, digits: int, kp: int) -> tuple[int, int]:
    """Significant digits of ``alpha`` (``digits`` digits, scale ``10^kp``) once trailing zeros
    are dropped, and the scale; ``alpha == 10^digits`` rounded up a decade."""
    nsig = digits
    while nsig > 0 and alpha % 10 == 0:
        alpha //= 10
        nsig -= 1
    if nsig == 0:
        return 1, kp + 1
    return nsig, kp


def _scientific(x: float, digits: int) -> tuple[bool, int, int, bool]:
    """R's ``scientific()``: sign, decimal exponent, significant digits.

    Returns ``(neg, kpower, nsig, roundingwidens)`` where ``|x|`` rounded
    to ``digits`` significant digits is ``alpha * 10^kpower`` with
    ``1 <= alpha < 10``, ``nsig`` is the number of significant digits of
    that rounded value once trailing zeros are dropped, and
    ``roundingwidens`` flags values such as 9996 (digits 3) which round
    up to a new power of ten in scientific but not in fixed notation.
    """
    if x == 0.0:
        return False, 0, 1, False
    neg = x < 0.0
    r = -x if neg else x
    if digits >= _DBL_DIG + 1:
        # beyond double precision R lets sprintf do the rounding
        mant, exp = ("%#.*e" % (digits - 1, r)).split("e")  # noqa: UP031
        sig = mant.replace(".", "").rstrip("0")
        return neg, int(exp), max(1, len(sig)), False
    quick = _scientific_quick(r, digits)
    if quick is not None:
        return (neg, *quick)
    # scale r to an integer alpha with `digits` digits: alpha ~ r / 10^kp
    kp = math.floor(math.log10(r)) - digits + 1
    rq = Fraction(r)
    if kp == 0:
        r_prec = rq
    elif abs(kp) <= _KP_MAX:  # table lookup, one long double rounding
        r_prec = _ld(rq / _tbl(kp) if kp > 0 else rq * _tbl(-kp))
    else:  # glibc powl, then one long double rounding
        r_prec = _ld(rq / _powl10(kp))
    if r_prec < 10 ** (digits - 1):  # log10() may overestimate
        r_prec = _ld(r_prec * 10)
        kp -= 1
    alpha = round(r_prec)  # nearbyintl: to nearest, ties to even
    nsig, kp = _significant(alpha, digits, kp)
    kpower = kp + digits - 1
    # rounding may widen in sci but not fixed format (9996 -> 1.00e+04)
    rgt = min(max(digits - kpower, 0), _KP_MAX)
    fuzz = 0.5 / float(10**rgt)
    widens = 0 < kpower <= _KP_MAX and rq < _ld(_tbl(kpower) - Fraction(fuzz))
    return neg, kpower, nsig, widens


def _scientific_quick(r: float, digits: int) -> tuple[int, int, bool] | None:
    """:func:`_scientific` for ``r > 0`` from a correctly rounded decimal string, or None
    when the exact long double arithmetic could decide otherwise.

    ``%.{digits+3}e`` gives ``r / 10^kp`` to four decimals beyond the ``digits`` R rounds
    to, within half a unit of the last; R's scaled value differs from the exact quotient by
    one long double rounding (a relative 5e-20).  Unless the four decimals are within two
    units of one half, both round ``alpha`` the same way (R's powers of ten are exact up to
    :math:`10^{22}`; beyond, it is left to the exact path).  The widening test compares ``r``
    with ``10^kpower - fuzz`` in double precision, and gives up within 1e-12 of it.
    """
    if not (1e-280 < r < 1e280) or digits > _DBL_DIG:
        return None
    mant, exp = ("%.*e" % (digits + 3, r)).split("e")  # noqa: UP031
    scaled = int(mant.replace(".", ""))  # r / 10^kp * 10^4, kp = exponent - digits + 1
    alpha, frac = divmod(scaled, 10_000)
    if abs(frac - 5_000) <= 2:
        return None
    if frac > 5_000:
        alpha += 1
    kp = int(exp) - digits + 1
    if abs(kp) > 22:
        return None  # R scales by 10^23 .. 10^27 rounded to doubles, or by powl: not exact
    nsig, kp = _significant(alpha, digits, kp)
    kpower = kp + digits - 1
    widens = False
    if 0 < kpower <= _KP_MAX:
        rgt = min(max(digits - kpower, 0), _KP_MAX)
        bound = float(10**kpower) - 0.5 / float(10**rgt)
        if abs(r - bound) <= 1e-12 * bound:
            return None
        widens = r < bound
    return kpower, nsig, widens


def _format_info(
    xs: Sequence[float], digits: int, nsmall: int, na_width: int, scipen: int = 0
) -> tuple[int, int, int]:
    """R's ``formatReal()``: common ``(width, decimals, exponent_flag)``.

    Every finite element contributes the digits it needs left and right of
    the decimal point to show ``digits`` significant digits; fixed notation
    is used when its width is at most the scientific width plus ``scipen``
    (``nsmall`` is applied only after that choice).  ``e`` is 0 for fixed,
    1 for a two-digit and 2 for a three-digit exponent.
    """
    fin = [_scientific(x, digits) for x in xs if math.isfinite(x)]
    if not fin:
        w = d = e = 0
    else:
        # digits left of the point (one less when rounding only widens sci)
        lefts = [kp + 1 - int(widens) for _, kp, _, widens in fin]
        neg = int(any(f[0] for f in fin))
        rgt = max(0, max(f[2] - left for f, left in zip(fin, lefts, strict=False)))  # decimals
        mxl, mnl = max(lefts), min(lefts)
        # widest integer part incl. sign; "0." when every |x| < 1
        mxsl = (
            1 + neg if mxl < 0 else max(int(f[0]) + max(left, 1) for f, left in zip(fin, lefts, strict=False))
        )
        w_fixed = mxsl + rgt + (rgt != 0)
        e = 2 if (mxl > 100 or mnl <= -99) else 1
        d = max(f[2] for f in fin) - 1  # mantissa decimals in sci notation
        w = neg + (d > 0) + d + 4 + e
        if w_fixed <= w + scipen:  # fixed unless wider than sci (ties: fixed)
            e = 0
            if nsmall > rgt:  # nsmall only after the choice
                rgt = nsmall
                w_fixed = mxsl + rgt + (rgt != 0)
            d, w = rgt, w_fixed
    # room for the non-finite entries
    if any(math.isnan(x) and is_na(x) for x in xs):
        w = max(w, na_width)
    if any((math.isnan(x) and not is_na(x)) or x == math.inf for x in xs):
        w = max(w, 3)
    if -math.inf in xs:
        w = max(w, 4)
    return w, d, e


def _encode_real(x: float, w: int, d: int, e: int, na_string: str) -> str:
    """R's ``EncodeReal0()``: one element via C ``%*.*f`` / ``%#*.*e``.

    Python's %-formatting rounds exactly like glibc's printf (correctly
    rounded decimal conversion, ties to even on the exact binary value).
    """
    if math.isnan(x):
        return (na_string if is_na(x) else "NaN").rjust(w)
    if math.isinf(x):
        return ("Inf" if x > 0 else "-Inf").rjust(w)
    if x == 0.0:
        x = 0.0  # no negative zero
    if e:
        return ("%#*.*e" if d else "%*.*e") % (w, d, x)
    return "%*.*f" % (w, d, x)  # noqa: UP031 (C printf semantics)


def format_real(
    x: FloatsLike, digits: int = 7, nsmall: int = 0, na_string: str = "NA", scipen: int = 0
) -> list[str]:
    """Format a double vector exactly like R's ``format(x, digits, nsmall)``.

    Parameters
    ----------
    x : sequence of float or ndarray
        Values (arrays are flattened column-major, as R does for matrices).
        ``None`` and :data:`NA_REAL` are NA, other NaNs print ``NaN``.
    digits : int
        Minimum number of significant digits (R allows 1..22).  Each value
        is rounded to ``digits`` significant digits and trailing zeros are
        dropped; the vector gets as many decimals as its most demanding
        element.
    nsmall : int
        Minimum number of decimals in fixed notation (0..20).
    na_string : str
        Text for NA.
    scipen : int
        R's ``options(scipen)`` penalty (0 by default).

    Returns
    -------
    list of str
        All of a common width, right-justified.  Fixed notation is used
        unless it would be wider than scientific notation; in scientific
        notation all elements share one mantissa length.
    """
    if not 1 <= digits <= 22:
        raise ValueError("digits must be in 1..22")
    if not 0 <= nsmall <= 20:
        raise ValueError("nsmall must be in 0..20")
    xs = _as_floats(x)
    w, d, e = _format_info(xs, digits, nsmall, len(na_string), scipen)
    return [_encode_real(v, w, d, e, na_string) for v in xs]
