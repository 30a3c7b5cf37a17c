"""Every message used in code has a Catalan and a Spanish translation, with the same placeholders."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import i18n_catalogs  # noqa: E402

PLACEHOLDER = re.compile(r"\{(\w*)\}")


@pytest.mark.parametrize("lang", i18n_catalogs.TRANSLATED_LANGUAGES)
def test_no_missing_translations(lang):
    missing = i18n_catalogs.missing(lang)
    assert not missing, f"{lang} lacks translations (run tools/i18n_catalogs.py add <feature>): {missing[:20]}"


@pytest.mark.parametrize("lang", i18n_catalogs.TRANSLATED_LANGUAGES)
def test_placeholders_match(lang):
    bad = []
    for msgid, value in i18n_catalogs.translated(lang).items():
        values = value if isinstance(value, tuple) else (value,)
        for v in values:
            if set(PLACEHOLDER.findall(v)) - set(PLACEHOLDER.findall(msgid)):
                bad.append((msgid, v))
    assert not bad, bad


def test_runtime_switch(tmp_path, monkeypatch):
    from p311desk import i18n

    assert i18n.set_language("ca") == "ca"
    assert i18n._("Sessions") == "Sessions" and i18n._("Settings") == "Configuració"
    i18n.set_language("es")
    assert i18n._("Settings") == "Configuración"
    i18n.set_language("en")
    assert i18n._("Settings") == "Settings"
    assert i18n.set_language("fr") == i18n.DEFAULT_LANGUAGE


def test_domain_error_is_translated_when_shown():
    from p311desk import i18n
    from p311desk.errors import ValidationError

    err = ValidationError("Unknown language: {lang}", lang="fr")
    i18n.set_language("ca")
    assert err.message() == "Idioma desconegut: fr"
    i18n.set_language("es")
    assert err.message() == "Idioma desconocido: fr"
