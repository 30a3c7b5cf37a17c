"""Navigation pages. Each page is a :class:`Page` built with the app context."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from p311desk.i18n import _


class Page(QWidget):
    """Base of every navigation page.

    Pages are rebuilt when the language changes, so they keep no state that is not saved.
    ``activate()`` runs each time the page is shown (refresh from the database there).
    """

    page_id = ""
    retired = False  # set when the window rebuilt its pages; late worker results are then dropped

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(f"page_{self.page_id}")

    def activate(self) -> None:
        """The page became visible."""


class ComingPage(Page):
    """A navigation entry whose feature lands in a later version."""

    def __init__(self, ctx, page_id: str, title: str, parent=None) -> None:
        self.page_id = page_id
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        label = QLabel(_("“{page}” is coming in a next version of p311desk.").format(page=title))
        label.setObjectName("comingLabel")
        label.setWordWrap(True)
        label.setStyleSheet("font-size: 14pt; color: #555;")
        layout.addStretch(1)
        layout.addWidget(label)
        layout.addStretch(2)
