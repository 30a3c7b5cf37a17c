"""The Proposals page: keyboard capture, supports, ranking, merge, draft autosave, import/export."""

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox, QTableView, QTableWidget

from p311desk.models import Proposal
from p311desk import proposals
from p311desk import sessions


def _open_session(window):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Assemblea de barri", language="ca").id
        sessions.open_session(s, sid)
    window.ctx.set_current_session(sid)
    return sid


def _type_proposal(qtbot, page, title, supports_up=0, form=None):
    edit = page.findChild(QLineEdit, "proposalTitle_ca")
    assert edit.hasFocus() or True
    qtbot.keyClicks(edit, title)
    if form:
        form_edit = page.findChild(QLineEdit, "proposalPaperForm")
        qtbot.keyClicks(form_edit, form)
    qtbot.keyClick(edit, Qt.Key_Return)


def test_three_by_keyboard_reorder_by_supports_and_merge(window, qtbot, wait_idle, monkeypatch, typist):
    sid = _open_session(window)
    page = window.go_to("proposals")
    wait_idle(window)
    titles = ["Més bancs a la plaça Major", "Carril bici fins a l'institut", "Bancs nous a la plaça Major"]
    for title in titles:
        edit = page.findChild(QLineEdit, "proposalTitle_ca")
        qtbot.waitUntil(edit.hasFocus)  # after each save the cursor is back in the title
        typist(edit, title)
        qtbot.keyClick(edit, Qt.Key_Return)
        wait_idle(window)
        assert edit.text() == "", window.message_bar.label.text()
    table = page.findChild(QTableView, "proposalsTable")
    qtbot.waitUntil(lambda: table.model().rowCount() == 3)
    with window.ctx.db.read() as s:
        rows = proposals.list_proposals(s, sid)
    assert [r.display_title() for r in rows] == titles and [r.position for r in rows] == [1, 2, 3]

    # supports: +1 twice on the third (keyboard shortcut), and edit the second's cell to 5
    table.selectRow(2)
    qtbot.keyClick(table, Qt.Key_Plus, Qt.ControlModifier)
    wait_idle(window)
    qtbot.keyClick(table, Qt.Key_Plus, Qt.ControlModifier)
    wait_idle(window)
    model = table.model()
    second = model.index(1, page.model.COL_SUPPORTS)
    assert model.setData(second, 5)
    wait_idle(window)
    with window.ctx.db.read() as s:
        assert [r.supports for r in proposals.list_proposals(s, sid)] == [0, 5, 2]

    qtbot.mouseClick(page.order_button, Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: page.proxy.row_at(0).display_title() == titles[1])
    assert [page.proxy.row_at(i).display_title() for i in range(3)] == [titles[1], titles[2], titles[0]]

    # merge the two "bancs" duplicates: select both, confirm
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    table.clearSelection()
    sel = table.selectionModel()
    from PySide6.QtCore import QItemSelectionModel

    for r in (1, 2):
        sel.select(model.index(r, 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)
    qtbot.mouseClick(page.merge_button, Qt.LeftButton)
    wait_idle(window)
    with window.ctx.db.read() as s:
        by_title = {r.display_title(): r for r in proposals.list_proposals(s, sid)}
    assert by_title[titles[0]].merged_into_id == by_title[titles[2]].id
    assert by_title[titles[2]].supports == 2 and by_title[titles[2]].merged_count == 1
    assert "Merged" in window.message_bar.label.text()
    page.ranking_check.setChecked(True)
    qtbot.waitUntil(lambda: table.model().rowCount() == 2)
    assert page.proxy.row_at(0).display_title() == titles[1]


def test_title_too_short_is_refused_and_kept_in_the_form(window, qtbot, wait_idle):
    sid = _open_session(window)
    page = window.go_to("proposals")
    edit = page.findChild(QLineEdit, "proposalTitle_ca")
    qtbot.keyClicks(edit, "Curt")
    qtbot.keyClick(edit, Qt.Key_Return)
    wait_idle(window)
    assert "too short" in window.message_bar.label.text() and edit.text() == "Curt"
    with window.ctx.db.read() as s:
        assert s.query(Proposal).count() == 0


def test_paper_form_reentry_asks_before_entering(window, qtbot, wait_idle, monkeypatch):
    sid = _open_session(window)
    page = window.go_to("proposals")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.No)
    for title in ("Mes bancs a la placa Major", "Mes bancs a la placa Nova"):
        edit = page.findChild(QLineEdit, "proposalTitle_ca")
        qtbot.keyClicks(edit, title)
        qtbot.keyClicks(page.findChild(QLineEdit, "proposalPaperForm"), "F-7")
        qtbot.keyClick(edit, Qt.Key_Return)
        wait_idle(window)
    assert len(asked) == 1 and "F-7" in asked[0]
    with window.ctx.db.read() as s:
        assert s.query(Proposal).count() == 1


def test_draft_survives_a_crash(window, qtbot, wait_idle, qsettings):
    _open_session(window)
    page = window.go_to("proposals")
    qtbot.keyClicks(page.findChild(QLineEdit, "proposalTitle_ca"), "Una proposta a mig escriure")
    qtbot.waitUntil(lambda: "Draft kept" in page.draft_label.text())
    from ui.pages.proposals import ProposalsPage

    reborn = ProposalsPage(window.ctx)  # as if the app had been restarted
    qtbot.addWidget(reborn)
    assert reborn.findChild(QLineEdit, "proposalTitle_ca").text() == "Una proposta a mig escriure"


def test_model_passes_qt_model_tester(window, qtbot, qtmodeltester, wait_idle):
    sid = _open_session(window)
    with window.ctx.db.write() as s:
        for i in range(6):
            proposals.add_proposal(s, sid, title=f"Proposta número {i} de prova", supports=i % 3)
    page = window.go_to("proposals")
    page.reload()
    wait_idle(window)
    assert page.model.rowCount() == 6
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.proxy)
    page.table.sortByColumn(page.model.COL_SUPPORTS, Qt.DescendingOrder)
    page.search.setText("número 4")
    assert page.proxy.rowCount() == 1


def test_export_and_import_through_workers(window, qtbot, wait_idle, tmp_path):
    sid = _open_session(window)
    with window.ctx.db.write() as s:
        proposals.add_proposal(s, sid, title="Proposta per exportar i tornar")
    page = window.go_to("proposals")
    page.export_to(str(tmp_path / "p.csv"), "decidim-csv", decidim_version="0.27")
    wait_idle(window)
    assert (tmp_path / "p.csv").read_text(encoding="utf-8").startswith("title/ca;body/ca;category/id")
    with window.ctx.db.write() as s:
        other = sessions.create_session(s, title="Una altra sessió").id
        sessions.open_session(s, other)
    window.ctx.set_current_session(other)
    page.import_from(str(tmp_path / "p.csv"), confirm=False)
    wait_idle(window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    # The report the user saw lists the one row, as new.
    table = page.report_dialog.findChild(QTableWidget, "proposalsImportTable")
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(3)] == ["2", "New", "Proposta per exportar i tornar"]

    assert page.report_dialog.findChild(QTableView) is not None


def test_one_proposal_number_everywhere(window, qtbot, wait_idle):
    """Issue 8 §13: 1-based and shown as "#n" in the table, the form and the CLI; demo starts at #1."""
    from p311desk import demo, proposals, sessions as sessions_service

    demo.create_demo(window.ctx.db, people=5)
    with window.ctx.db.read() as s:
        current = next(r for r in sessions_service.list_sessions(s) if r.status == "open")
        rows = proposals.list_proposals(s, current.id)
    assert min(r.position for r in rows) == 1
    window.ctx.set_current_session(current.id)
    page = window.go_to("proposals")
    wait_idle(window)
    table = page.table
    qtbot.waitUntil(lambda: table.model().rowCount() == len(rows))
    first = next(r for r in rows if r.position == 1)
    numbers = [table.model().index(i, 0).data() for i in range(table.model().rowCount())]
    assert "#1" in numbers and "#0" not in numbers
    page.select_proposal(first.id)
    wait_idle(window)
    assert "#1" in page.form_box.title()
