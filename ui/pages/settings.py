"""Settings page: municipality, interface language, platform, personal-data options."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from p311desk.i18n import LANGUAGES, _, current_language
from p311desk import settings as settings_service
from ui.pages import Page
from ui.workers import Op



class SettingsPage(Page):
    page_id = "settings"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        title = QLabel(_("Settings"))
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")

        general = QGroupBox(_("This installation"))
        form = QFormLayout(general)
        self.municipality = QLineEdit()
        self.municipality.setObjectName("municipality")
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        form.addRow(_("Municipality"), self.municipality)
        form.addRow(_("Logo (printed documents)"), self._logo_row())
        form.addRow(_("Interface language"), self.language)

        platform = QGroupBox(_("Decidim platform"))
        pform = QFormLayout(platform)
        self.host = QLineEdit()
        self.host.setObjectName("platformHost")
        self.host.setPlaceholderText(_("e.g. participa311.diba.cat (empty: work offline only)"))
        self.version = QComboBox()
        self.version.setObjectName("decidimVersion")
        self.version.addItems(list(settings_service.DECIDIM_VERSIONS))
        pform.addRow(_("Platform address"), self.host)
        pform.addRow(_("Decidim version"), self.version)

        privacy = QGroupBox(_("Personal data"))
        privacy_layout = QVBoxLayout(privacy)
        self.clear_ids = QCheckBox(_("Keep document ids (DNI/NIE) in clear text"))
        self.clear_ids.setObjectName("clearDocumentIds")
        hint = QLabel(_("By default only a fingerprint is kept, made with a key that stays on this "
                        "computer (never in the database, its backups or exports): enough to find "
                        "the same person twice; without the key, the number cannot be worked out "
                        "from a copy of the database."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        privacy_layout.addWidget(self.clear_ids)
        privacy_layout.addWidget(hint)

        self.save_button = QPushButton(_("Save settings"))
        self.save_button.setObjectName("saveSettings")
        self.save_button.clicked.connect(self.save)

        from ui.widgets.scrolling import scrolling

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 8, 0)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(title)
        outer.addWidget(scrolling(body, "settingsScroll"), 1)
        door = QGroupBox(_("At the door"))
        door_layout = QVBoxLayout(door)
        self.sound = QCheckBox(_("Play a sound on each check-in (a high tone: welcome; a low one: refused)"))
        self.sound.setObjectName("doorSound")
        self.sound.setToolTip(_("Only on this computer. Silent where there is no sound output."))
        door_layout.addWidget(self.sound)
        self.show_email = QCheckBox(_("Show e-mail addresses in the check-in list (the screen may face the queue)"))
        self.show_email.setObjectName("doorShowEmail")
        door_layout.addWidget(self.show_email)
        for w in (general, platform, door, privacy):
            layout.addWidget(w)
        layout.addStretch(1)
        row = QHBoxLayout()  # outside the scrolled part: Save is always in view
        row.addWidget(self.save_button)
        row.addStretch(1)
        outer.addLayout(row)
        self.activate()

    def activate(self) -> None:
        """Read the settings in a worker; the fields are filled when they arrive."""

        def work():
            with self.ctx.db.read() as s:
                return settings_service.load(s)

        Op(self.ctx, work, write=False).bound_to(self).on_success(self._fill).run()

    def _fill(self, cfg) -> None:
        from ui.widgets import sound

        self.sound.setChecked(sound.enabled(self.ctx))
        self.municipality.setText(cfg.municipality)
        self.logo = cfg.municipality_logo
        self._show_logo()
        self.language.setCurrentIndex(max(self.language.findData(current_language()), 0))
        self.host.setText(cfg.platform_host)
        index = self.version.findText(cfg.decidim_version)
        self.version.setCurrentIndex(index if index >= 0 else self.version.findText("0.30"))
        self.clear_ids.setChecked(cfg.store_document_ids_in_clear)
        self.show_email.setChecked(cfg.show_email_at_door)

    def save(self) -> None:
        lang = self.language.currentData()
        values = dict(municipality=self.municipality.text().strip(), municipality_logo=self.logo, language=lang,
                      platform_host=self.host.text().strip().removeprefix("https://").strip("/"),
                      decidim_version=self.version.currentText(),
                      store_document_ids_in_clear=self.clear_ids.isChecked(),
                      show_email_at_door=self.show_email.isChecked())

        def work():
            with self.ctx.db.write() as s:
                cfg = settings_service.load(s)
                for key, value in values.items():
                    setattr(cfg, key, value)
                return settings_service.save(s, cfg)

        from ui.widgets import sound

        sound.set_enabled(self.ctx, self.sound.isChecked())  # this laptop's choice, not the data's

        def done(_cfg) -> None:
            if lang != current_language():
                self.ctx.set_language(lang)
            self.ctx.notify(_("Settings saved."), "success")

        Op(self.ctx, work).changes("settings").on_success(done).run()

    # --- the municipality's logo (printing) --------------------------------------------------
    def _logo_row(self) -> QWidget:
        row = QWidget()
        h = QHBoxLayout(row)
        h.setContentsMargins(0, 0, 0, 0)
        self.logo = ""
        self.logo_label = QLabel()
        self.logo_label.setObjectName("logoStatus")
        choose = QPushButton(_("Choose…"))
        choose.setObjectName("chooseLogo")
        choose.clicked.connect(lambda: self.choose_logo())
        remove = QPushButton(_("Remove"))
        remove.setObjectName("removeLogo")
        remove.clicked.connect(self.remove_logo)
        h.addWidget(self.logo_label, 1)
        h.addWidget(choose)
        h.addWidget(remove)
        return row

    def _show_logo(self) -> None:
        kind = self.logo[5:].split(";", 1)[0].split("/")[-1].replace("svg+xml", "SVG").upper() if self.logo else ""
        self.logo_label.setText(_("{kind} logo chosen").format(kind=kind) if self.logo else _("No logo"))

    def choose_logo(self, path: str | None = None) -> None:
        """Read an SVG, PNG or JPEG file; it is kept when the settings are saved."""
        from pathlib import Path


        from p311desk import printing
        from p311desk.errors import DomainError

        if not path:
            from ui.files import open_path

            path = open_path(self, "logo", _("Logo of the municipality"), _("Images (*.svg *.png *.jpg *.jpeg)"),
                             self.ctx.qsettings)
        if not path:
            return
        try:
            self.logo = printing.logo_data_uri(Path(path).read_bytes(), Path(path).name)
        except (DomainError, OSError) as err:
            self.ctx.notify(err.message() if isinstance(err, DomainError) else str(err), "error")
            return
        self._show_logo()

    def remove_logo(self) -> None:
        self.logo = ""
        self._show_logo()
