"""Number formatting for the business-case report: money, percentages, ratios.

The report follows the conventions of UK government financial tables: pounds with
thousands separators, ``£m`` for large amounts, negative amounts in brackets and a
stated rounding. Every function here returns plain text (no markup), so templates
can pass the result through autoescaping unchanged.

``None`` means "not defined" (for example the BCR of the counterfactual, or a
switching value that does not exist) and is shown as ``n/a``. Non-finite numbers
are refused: a NaN in a business case is a bug upstream, not something to print.
"""

from __future__ import annotations

import itertools
import math
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from typing import Literal

from appraisal.errors import AppraisalValidationError, Issue

__all__ = [
    "MoneyUnit",
    "choose_money_unit",
    "default_decimals",
    "distinct_decimals",
    "format_bcr",
    "format_money",
    "format_number",
    "format_percent",
    "rounding_note",
]

MoneyUnit = Literal["auto", "£", "£m"]

NOT_AVAILABLE = "n/a"
_MILLION = 1_000_000.0  # the size of the "m" in "£m": a unit definition, not a parameter
_UNITS = ("auto", "£", "£m")


def _finite(x: object, name: str, function: str) -> float:
    """Return ``x`` as a float, or raise naming ``name`` if it is not a finite number."""
    if isinstance(x, bool) or not isinstance(x, Real):
        msg = f"'{name}' must be a number (got {x!r} of type {type(x).__name__})"
        issue = Issue("not-a-number", msg, field=name, fix="pass an int or a float")
        raise AppraisalValidationError([issue], source=function)
    value = float(x)
    if not math.isfinite(value):
        msg = f"'{name}' must be finite (got {value!r})"
        fix = "a NaN or infinity here means an upstream calculation failed; fix it there"
        raise AppraisalValidationError([Issue("not-finite", msg, field=name, fix=fix)],
                                       source=function)
    return value


def _decimals(decimals: object, function: str) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 6:
        msg = f"'decimals' must be an int from 0 to 6 (got {decimals!r})"
        raise AppraisalValidationError(
            [Issue("bad-decimals", msg, field="decimals", fix="pass e.g. decimals=1")],
            source=function,
        )
    return decimals


def _rounded(value: float, decimals: int) -> Decimal:
    """``abs(value)`` rounded half away from zero, as a reader rounds the number shown.

    Python's own formatting rounds the binary float half to even, so ``0.25`` came out
    as ``0.2`` and ``2.675`` as ``2.67``. The shortest decimal text of the float
    (``repr``) is what the reader would write down, so that is what is rounded.
    """
    return Decimal(repr(abs(value))).quantize(Decimal(1).scaleb(-decimals),
                                               rounding=ROUND_HALF_UP)


def _group(value: float, decimals: int) -> str:
    """Format ``abs(value)`` with thousands separators, rounded half away from zero,
    never showing ``-0``."""
    return f"{_rounded(value, decimals):,.{decimals}f}"


def _is_zero_when_rounded(value: float, decimals: int) -> bool:
    return _rounded(value, decimals) == 0


def choose_money_unit(values: list[float] | tuple[float, ...]) -> Literal["£", "£m"]:
    """The unit for a table or report: ``"£m"`` if any amount is a million or more.

    Parameters
    ----------
    values : sequence of float
        The amounts that will be shown together (they share one unit).

    Returns
    -------
    {"£", "£m"}

    Examples
    --------
    >>> choose_money_unit([12_500.0, -850_000.0])
    '£'
    >>> choose_money_unit([12_500.0, -1_250_000.0])
    '£m'
    """
    largest = max((abs(_finite(v, "values", "choose_money_unit")) for v in values), default=0.0)
    return "£m" if largest >= _MILLION else "£"


def default_decimals(unit: Literal["£", "£m"]) -> int:
    """Decimals shown by default: whole pounds, or millions to one decimal place.

    Examples
    --------
    >>> default_decimals("£"), default_decimals("£m")
    (0, 1)
    """
    return 1 if unit == "£m" else 0


def distinct_decimals(values: list[float] | tuple[float, ...], unit: Literal["£", "£m"],
                      *, at_least: int | None = None, at_most: int = 6) -> int:
    """The fewest decimals at which neighbouring amounts in ``values`` print differently.

    For the edges of histogram bins: at the table's default precision, narrow bins can
    print as ``(£0.6m) to (£0.6m)``. This returns the smallest number of decimals (from
    ``at_least``, by default :func:`default_decimals` of ``unit``, up to ``at_most``) at
    which no two consecutive values that differ print the same.

    Parameters
    ----------
    values : sequence of float
        Amounts in pounds, in the order they are shown.
    unit : {"£", "£m"}
        The unit they are shown in.
    at_least, at_most : int
        The range of decimals to choose from.

    Returns
    -------
    int

    Examples
    --------
    >>> distinct_decimals([-620_000.0, -580_000.0, -540_000.0], "£m")
    2
    >>> distinct_decimals([1_000_000.0, 2_000_000.0], "£m")
    1
    """
    places = default_decimals(unit) if at_least is None else _decimals(at_least,
                                                                       "distinct_decimals")
    checked = [_finite(v, "values", "distinct_decimals") for v in values]
    pairs = [(a, b) for a, b in itertools.pairwise(checked) if a != b]
    while places < at_most and any(
            format_money(a, unit, places) == format_money(b, unit, places) for a, b in pairs):
        places += 1
    return places


def format_money(x: float | None, unit: MoneyUnit = "auto", decimals: int | None = None, *,
                 trim: bool = False) -> str:
    """Format an amount of money in pounds, negatives in brackets.

    Parameters
    ----------
    x : float or None
        The amount in pounds (not millions). ``None`` gives ``"n/a"``.
    unit : {"auto", "£", "£m"}, default "auto"
        ``"£"`` shows pounds, ``"£m"`` shows millions of pounds; ``"auto"`` picks
        ``"£m"`` when ``abs(x)`` is a million or more. In a table, choose one unit for
        every cell with :func:`choose_money_unit` instead of ``"auto"``.
    decimals : int, optional
        Decimal places, 0 to 6. Defaults to 0 for ``"£"`` and 1 for ``"£m"``.
    trim : bool, default False
        Drop trailing zeros after the decimal point (for chart axes, where ``£20m``
        reads better than ``£20.0m``).

    Returns
    -------
    str
        For example ``"£1,234"``, ``"(£1,234)"``, ``"£12.3m"`` or ``"(£0.5m)"``. An
        amount that rounds to zero is shown without brackets.

    Raises
    ------
    AppraisalValidationError
        If ``x`` is not a finite number, ``unit`` is unknown or ``decimals`` is
        out of range.

    Examples
    --------
    >>> format_money(1234.4)
    '£1,234'
    >>> format_money(-1234.5, unit="£", decimals=2)
    '(£1,234.50)'
    >>> format_money(-12_345_678.0)
    '(£12.3m)'
    >>> format_money(250_000.0, unit="£m", decimals=2)
    '£0.25m'
    >>> format_money(250_000.0, unit="£m"), format_money(-250_000.0, unit="£m")
    ('£0.3m', '(£0.3m)')
    >>> format_money(-0.004, unit="£", decimals=2)
    '£0.00'
    >>> format_money(20_000_000.0, trim=True), format_money(2_500_000.0, trim=True)
    ('£20m', '£2.5m')
    >>> format_money(None)
    'n/a'
    """
    if unit not in _UNITS:
        msg = f"'unit' must be one of 'auto', '£' or '£m' (got {unit!r})"
        raise AppraisalValidationError(
            [Issue("bad-unit", msg, field="unit", fix="pass unit='£m' for millions")],
            source="format_money",
        )
    if x is None:
        return NOT_AVAILABLE
    value = _finite(x, "x", "format_money")
    if unit == "auto":
        unit = "£m" if abs(value) >= _MILLION else "£"
    places = default_decimals(unit) if decimals is None else _decimals(decimals, "format_money")
    shown = value / _MILLION if unit == "£m" else value
    suffix = "m" if unit == "£m" else ""
    digits = _group(shown, places)
    if trim and "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    text = f"£{digits}{suffix}"
    if shown < 0 and not _is_zero_when_rounded(shown, places):
        return f"({text})"
    return text


def rounding_note(unit: Literal["£", "£m"], decimals: int | None = None) -> str:
    """The sentence that states how money in a table was rounded.

    Examples
    --------
    >>> rounding_note("£m")
    'Rounded to the nearest £0.1m; totals may not sum because of rounding.'
    >>> rounding_note("£")
    'Rounded to the nearest £1; totals may not sum because of rounding.'
    """
    places = default_decimals(unit) if decimals is None else _decimals(decimals, "rounding_note")
    step = f"{10.0 ** -places:.{places}f}"
    nearest = f"£{step}m" if unit == "£m" else f"£{step}"
    return f"Rounded to the nearest {nearest}; totals may not sum because of rounding."


def format_percent(x: float | None, decimals: int = 0, *, signed: bool = False) -> str:
    """Format a fraction as a percentage (``0.125`` → ``"12.5%"`` with one decimal).

    Parameters
    ----------
    x : float or None
        A fraction (0.5 means 50%). ``None`` gives ``"n/a"``.
    decimals : int, default 0
        Decimal places, 0 to 6.
    signed : bool, default False
        Show a ``+`` on positive values (for changes).

    Returns
    -------
    str

    Raises
    ------
    AppraisalValidationError
        If ``x`` is not a finite number or ``decimals`` is out of range.

    Examples
    --------
    >>> format_percent(0.125, decimals=1)
    '12.5%'
    >>> format_percent(-0.2), format_percent(2.95, signed=True)
    ('-20%', '+295%')
    >>> format_percent(None)
    'n/a'
    """
    if x is None:
        return NOT_AVAILABLE
    value = _finite(x, "x", "format_percent") * 100.0
    places = _decimals(decimals, "format_percent")
    zero = _is_zero_when_rounded(value, places)
    sign = "-" if value < 0 and not zero else ("+" if signed and value > 0 and not zero else "")
    return f"{sign}{_group(value, places)}%"


def format_bcr(x: float | None) -> str:
    """Format a benefit-cost ratio to two decimal places.

    Examples
    --------
    >>> format_bcr(2.345), format_bcr(2.675)
    ('2.35', '2.68')
    >>> format_bcr(None)
    'n/a'
    """
    if x is None:
        return NOT_AVAILABLE
    value = _finite(x, "x", "format_bcr")
    sign = "-" if value < 0 and not _is_zero_when_rounded(value, 2) else ""
    return f"{sign}{_rounded(value, 2):.2f}"


def format_number(x: float | str | None, decimals: int | None = None) -> str:
    """Format a plain number with thousands separators.

    Parameters
    ----------
    x : float, str or None
        The number. Text is returned unchanged (parameter values may be words, such
        as a project type); ``None`` gives ``"n/a"``.
    decimals : int, optional
        Fixed decimal places. By default up to six significant digits are shown and
        trailing zeros are dropped.

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(2231000)
    '2,231,000'
    >>> format_number(0.035)
    '0.035'
    >>> format_number(-1.3, decimals=2)
    '-1.30'
    >>> format_number("Standard buildings")
    'Standard buildings'
    """
    if x is None:
        return NOT_AVAILABLE
    if isinstance(x, str):
        return x
    value = _finite(x, "x", "format_number")
    if decimals is not None:
        places = _decimals(decimals, "format_number")
        sign = "-" if value < 0 and not _is_zero_when_rounded(value, places) else ""
        return f"{sign}{_group(value, places)}"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    places = max(0, 5 - magnitude)
    text = _group(value, places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"-{text}" if value < 0 else text
