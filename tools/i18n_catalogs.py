"""Translation catalogs: list what is missing, or add missing message ids to a catalog file.

    python tools/i18n_catalogs.py check                # msgids used in code but untranslated
    python tools/i18n_catalogs.py add core             # append them to resources/locale/*/core.po

Message ids are extracted with Babel from p311desk/, sync/, ui/ and main.py (keywords ``_``,
``N_``, ``ngettext``). Each language folder may hold several .po files (one per feature); a msgid
counts as translated when any of them has a non-empty translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "resources" / "locale"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# Domain errors take their msgid as first argument; subclasses declare theirs with N_().
for _error in ("DomainError", "ValidationError", "NotFound", "InvalidTransition", "DatabaseTooNew",
               "ImportRefused", "Cancelled", "MergeRefused", "VoteRefused", "InvalidBallot", "EvaluationRefused",
               "DatabaseBusy", "DatabaseUnsafe", "UpgradeFailed",
               # sync/errors.py
               "PlatformError", "PlatformUnreachable", "PlatformServerError", "PlatformRefused",
               "NotAPlatform", "SignInFailed", "SignInRequired", "SignInNotSupported", "KeyringUnavailable"):
    KEYWORDS[_error] = (1,)
SOURCES = ["p311desk", "sync", "ui"]
TRANSLATED_LANGUAGES = ["ca", "es"]


def extract() -> dict[str, tuple[str | None, list[str]]]:
    """msgid -> (plural msgid or None, places)."""
    from babel.messages.extract import extract_from_dir, extract_from_file

    found: dict[str, tuple[str | None, list[str]]] = {}

    def add(filename, lineno, message):
        msgid, plural = (message if isinstance(message, tuple) else (message, None))[:2]
        if not msgid:
            return
        entry = found.setdefault(msgid, (plural, []))
        entry[1].append(f"{filename}:{lineno}")

    for folder in SOURCES:
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if "migrations" in filename:
                continue
            add(f"{folder}/{filename}", lineno, message)
    for lineno, message, _comments, _ctx in extract_from_file("python", ROOT / "main.py", keywords=KEYWORDS):
        add("main.py", lineno, message)
    return found


def translated(lang: str) -> dict[str, object]:
    from babel.messages.pofile import read_po

    result: dict[str, object] = {}
    for po in sorted((LOCALES / lang).glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            value = message.string
            filled = all(value) if isinstance(value, tuple) else bool(value)
            if filled and not message.fuzzy:
                result[key] = value
    return result


def missing(lang: str) -> list[str]:
    have = translated(lang)
    return sorted(msgid for msgid in extract() if msgid not in have)


HEADER = """# p311desk translations ({lang}), catalog "{name}".
msgid ""
msgstr ""
"Project-Id-Version: p311desk\\n"
"Language: {lang}\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def add_missing(catalog_name: str) -> None:
    messages = extract()
    for lang in TRANSLATED_LANGUAGES:
        path = LOCALES / lang / f"{catalog_name}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8") if path.exists() else HEADER.format(lang=lang, name=catalog_name)
        for msgid in missing(lang):
            plural = messages[msgid][0]
            text += "\n" + f"msgid {_quote(msgid)}\n"
            if plural:
                text += f"msgid_plural {_quote(plural)}\nmsgstr[0] \"\"\nmsgstr[1] \"\"\n"
            else:
                text += 'msgstr ""\n'
        path.write_text(text, encoding="utf-8")
        print(f"{path}: updated")


def main(argv: list[str]) -> int:
    if argv[:1] == ["add"] and len(argv) == 2:
        add_missing(argv[1])
        return 0
    status = 0
    for lang in TRANSLATED_LANGUAGES:
        for msgid in missing(lang):
            print(f"{lang}: {msgid}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
