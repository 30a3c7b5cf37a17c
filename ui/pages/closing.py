"""The closing panel: the current session's closing stages, from the count to the signed minutes.

Shown under the Votes page's question; it reads the stages of the session chosen at the top and
records each next stage on the write worker.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from p311desk import votes
from p311desk.i18n import _
from ui.workers import Op, error_text, write_op


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name on this system
        return ""


class ClosingPanel(QGroupBox):
    """The closing stages of the current session and a button for each next one."""

    changed = Signal()  # a stage was recorded

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(_("Closing the session"), parent)
        self.ctx = ctx
        self.setObjectName("votesClosing")
        self.stages: list = []
        self.stages_label = QLabel("")
        self.stages_label.setObjectName("votesStages")
        self.stages_label.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        crow = QHBoxLayout()
        for key, text, fn in (("count", _("Record the count"), lambda: self.advance("count")),
                              ("results", _("Record the results"), lambda: self.advance("results")),
                              ("signed", _("Minutes signed…"), self.minutes_signed)):
            b = QPushButton(text)
            b.setObjectName(f"closing_{key}")
            b.clicked.connect(fn)
            crow.addWidget(b)
            self.buttons[key] = b
        crow.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.stages_label)
        box.addLayout(crow)
        self.clear()

    # --- loading -----------------------------------------------------------------------------
    def clear(self) -> None:
        self.stages = []
        self.stages_label.setText("")
        for b in self.buttons.values():
            b.setEnabled(False)

    def reload(self) -> None:
        sid = self.ctx.current_session_id
        if sid is None:
            self.clear()
            return

        def read():
            with self.ctx.db.read() as s:
                return votes.closing_stages(s, sid)

        Op(self.ctx, read, write=False).bound_to(self).on_success(self.show_stages).run()

    def show_stages(self, stages) -> None:
        self.stages = stages
        done = [st for st in stages if st.done]
        self.stages_label.setText("   ".join(
            ("✓ " if st.done else "· ") + _(votes.STAGE_NAMES[st.stage]) for st in stages))
        following = stages[len(done)].stage if len(done) < len(stages) else None
        self.buttons["count"].setEnabled(following == "count")
        self.buttons["results"].setEnabled(following == "results")
        self.buttons["signed"].setEnabled(following == "minutes_signed")

    # --- actions -----------------------------------------------------------------------------
    def _done(self, message: str):
        def done(_result) -> None:
            self.ctx.notify(message, "success")
            self.changed.emit()
        return done

    def advance(self, stage: str) -> None:
        sid = self.ctx.current_session_id
        if sid is None:
            return
        (write_op(self.ctx, votes.advance_closing, sid, stage, by=_user()).changes("votes").bound_to(self)
         .on_success(self._done(_("Closing stage recorded: {stage}.").format(stage=_(votes.STAGE_NAMES[stage]))))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def minutes_signed(self) -> None:
        sid = self.ctx.current_session_id
        if sid is None:
            return
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Photo or scan of the signed minutes (optional)"), "",
            _("Scans and photos (*.pdf *.jpg *.jpeg *.png *.tif *.tiff)"))
        store = self.ctx.db.path.parent / "attachments"
        (write_op(self.ctx, votes.record_minutes_signed, sid, attachment=path or None, store_dir=store, by=_user())
         .changes("*").bound_to(self)
         .on_success(self._done(_("Minutes signed: the session is closed.")))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())
