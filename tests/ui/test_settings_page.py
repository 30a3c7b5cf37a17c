from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton

from p311desk import settings as settings_service


def test_save_settings_and_switch_language(window, qtbot, wait_idle, qsettings):
    page = window.go_to("settings")
    municipality = page.findChild(QLineEdit, "municipality")
    municipality.clear()
    qtbot.keyClicks(municipality, "Ajuntament de Sant Prova")
    qtbot.keyClicks(page.findChild(QLineEdit, "platformHost"), "https://participa.example.org/")
    page.findChild(QCheckBox, "clearDocumentIds").setChecked(True)
    language = page.findChild(QComboBox, "language")
    language.setCurrentIndex(language.findData("es"))
    qtbot.mouseClick(page.findChild(QPushButton, "saveSettings"), Qt.LeftButton)
    wait_idle(window)
    with window.ctx.db.read() as s:
        cfg = settings_service.load(s)
    assert cfg.municipality == "Ajuntament de Sant Prova"
    assert cfg.platform_host == "participa.example.org"
    assert cfg.store_document_ids_in_clear
    with window.ctx.db.read() as s:  # no salt or key in the database any more
        from p311desk.models import Setting

        assert not [r.key for r in s.query(Setting) if "salt" in r.key or "key" in r.key]
    assert qsettings.value("ui/language") == "es"
    assert window.nav.item(0).text() == "Sesiones"
    assert window.current_page_id() == "settings"
    qtbot.waitUntil(lambda: window.ctx.probed == ["participa.example.org"])
    wait_idle(window)
    assert "Sin conexión" in window.connectivity_label.text()
