"""Gettext catalogs (Spanish by default, English available), locale choice and locale-aware formatting."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation, localcontext
from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import NumberPattern, parse_pattern
from babel.support import Translations

from triboka_web.request_context import locale_var
from triboka_web.settings import SUPPORTED_LOCALES

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LOCALE_NAMES = {"es": "Español", "en": "English"}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@cache
def translations(locale: str) -> NullTranslations:  # Babel's catalog, or a null one for a locale without
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def current_locale() -> str:
    return locale_var.get() or SUPPORTED_LOCALES[0]


def gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


_ = gettext


def negotiate(session_locale: str | None, accept_language: str | None, default: str) -> str:
    """The locale chosen in the session, else the browser's best supported language, else the default."""
    if session_locale in SUPPORTED_LOCALES:
        return session_locale
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if not tag or tag == "*":
            continue
        try:
            language = Locale.parse(tag).language
        except (ValueError, UnknownLocaleError):
            continue
        if language in SUPPORTED_LOCALES:
            return language
    return default


def parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _finite_number(value: object) -> Decimal | None:
    """What the API sent as a number (or a numeric string) as a Decimal; None for anything else, NaN and the
    infinities included: a page must render whatever a row holds (issue 11)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def fmt_number(value: object, digits: int = 2, unit: str = "") -> str:
    """`1.234,50 USD` in Spanish, `1,234.50 USD` in English; `—` (without the unit) when there is no number."""
    number = _finite_number(value)
    if number is None:
        return "—"
    # enough precision to quantize any finite value to `digits` places (1e300 exceeds the default 28 digits)
    with localcontext(prec=max(28, number.adjusted() + digits + 2)):
        text = _number_pattern(digits).apply(number, _babel_locale(current_locale()))
    return f"{text} {unit}" if unit else text


# babel's format_decimal parses the locale and the pattern on every call (27 us; 8 us with both parsed once): a
# dashboard page formats dozens of numbers
@cache
def _number_pattern(digits: int) -> NumberPattern:
    return parse_pattern(f"#,##0.{'0' * digits}" if digits else "#,##0")


@cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


def fmt_date(value: str | date | None) -> str:
    parsed = parse_timestamp(value) if isinstance(value, str) else value
    return format_date(parsed, format="medium", locale=current_locale()) if parsed else "—"


def fmt_datetime(value: str | None) -> str:
    parsed = parse_timestamp(value)
    return format_datetime(parsed, format="medium", locale=current_locale()) if parsed else "—"
