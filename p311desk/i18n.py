"""One translation mechanism for the core and the UI: gettext catalogs under ``resources/locale``.

Message ids are English source strings. Each language has a folder ``resources/locale/<lang>/``
holding one or more ``.po`` files (one per feature, so features can grow their catalogs without
touching each other's). On first use a catalog is compiled with Babel into ``.mo`` files in the
cache directory (named by the ``.po`` content, so an edited catalog is compiled again) and loaded with the standard
library's :mod:`gettext`, which keeps start-up fast. Qt's own dialogs get Qt's shipped
``qtbase_*.qm`` through a ``QTranslator`` installed by the UI.

Use ``_("text")`` for text shown now, ``N_("text")`` to mark text translated later (class
attributes, tables of labels), ``ngettext(singular, plural, n)`` for counts.
"""

from __future__ import annotations

import gettext as _gettext
import hashlib
import threading
from pathlib import Path

from p311desk.paths import cache_dir, resources_dir

LANGUAGES: dict[str, str] = {"ca": "Català", "es": "Español", "en": "English"}
DEFAULT_LANGUAGE = "ca"

_lock = threading.Lock()
_current = DEFAULT_LANGUAGE
_translations: _gettext.NullTranslations = _gettext.NullTranslations()


def locale_dir() -> Path:
    return resources_dir() / "locale"


def _compile(po_path: Path, mo_path: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=po_path.parent.name)
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = mo_path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    tmp.replace(mo_path)


def load_translations(lang: str) -> _gettext.NullTranslations:
    """Translations for ``lang``, compiling stale catalogs first. English needs no catalog."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    folder = locale_dir() / lang
    if lang == "en" or not folder.is_dir():
        return _gettext.NullTranslations()
    result: _gettext.NullTranslations | None = None
    for po in sorted(folder.glob("*.po")):
        # Named by content, so installs of different versions sharing a cache never mix catalogs.
        digest = hashlib.sha1(po.read_bytes()).hexdigest()[:16]
        mo = cache_dir() / "locale" / lang / f"{po.stem}-{digest}.mo"
        if not mo.exists():
            _compile(po, mo)
        with mo.open("rb") as fh:
            part = _gettext.GNUTranslations(fh)
        if result is None:
            result = part
        else:
            result.add_fallback(part)
    return result or _gettext.NullTranslations()


def set_language(lang: str) -> str:
    """Switch the active language for the whole process; returns the language actually set."""
    global _current, _translations
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    translations = load_translations(lang)
    with _lock:
        _current, _translations = lang, translations
    return lang


def current_language() -> str:
    return _current


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def format_message(msgid: str, params: dict | None = None) -> str:
    """Translate ``msgid`` now and fill its ``{named}`` parameters (a broken translation that
    names an unknown parameter falls back to the unfilled text rather than failing)."""
    text = _translations.gettext(msgid)
    try:
        return text.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return text


def format_local(value, fmt: str = "%d/%m/%Y %H:%M", empty: str = "") -> str:
    """A stored (UTC) datetime shown in the laptop's local time, the way people here write it."""
    return value.astimezone().strftime(fmt) if value else empty


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def pick_localized(values: dict[str, str] | None, lang: str | None = None) -> str:
    """The best text of a Decidim-style multilingual value ``{"ca": ..., "es": ...}``."""
    if not values:
        return ""
    lang = lang or _current
    for candidate in (lang, DEFAULT_LANGUAGE, "es", "en"):
        if values.get(candidate):
            return values[candidate]
    return next((v for v in values.values() if v), "")
