"""The sessions list as a Qt table model."""

from __future__ import annotations

from PySide6.QtCore import Qt

from p311desk.i18n import N_, _, format_local
from p311desk.sessions import KINDS, STATUSES
from ui.models.rows import Column, RowsTableModel


COLUMNS = [
    Column(N_("Title"), lambda r: r.title),
    Column(N_("Kind"), lambda r: _(KINDS.get(r.kind, r.kind))),
    Column(N_("Status"), lambda r: _(STATUSES.get(r.status, r.status)),
           sort_key=lambda r: ["open", "draft", "closed"].index(r.status)),
    Column(N_("Starts"), lambda r: format_local(r.starts_at),
           sort_key=lambda r: r.starts_at.timestamp() if r.starts_at else 0.0),
    Column(N_("Place"), lambda r: r.place),
    Column(N_("Present / expected"), lambda r: f"{r.present} / {r.expected}",
           sort_key=lambda r: r.present, align=Qt.AlignRight | Qt.AlignVCenter),
    Column(N_("Proposals"), lambda r: str(r.proposals), sort_key=lambda r: r.proposals,
           align=Qt.AlignRight | Qt.AlignVCenter),
]


class SessionsTableModel(RowsTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(COLUMNS, parent)
