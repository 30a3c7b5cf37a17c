"""The window's words and habits (issue 8 §12, §14, §15): shortcuts listed, no demo in the File
menu, the message bar does not push the page, plural forms."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QTableWidget

from p311desk import sessions


def test_help_lists_the_shortcuts_and_walk_in_is_not_ctrl_w(window, qtbot):
    window.findChild(type(window.room_action), "actionShortcuts").trigger()
    dialog = window.findChild(QDialog, "shortcutsDialog")
    qtbot.waitUntil(dialog.isVisible)
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    rows = {table.item(r, 2).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Walk-in: register and check in"] == "Ctrl+N"
    assert rows["Undo the last check-in"] == "Ctrl+Z" and rows["Room display"] == "F5"
    assert "Ctrl+W" not in rows.values()
    dialog.reject()


def test_no_demo_in_the_file_menu_and_the_title_says_it_once(window):
    file_menu = window.menuBar().actions()[0].menu()
    assert not [a for a in file_menu.actions() if "demo" in a.text().lower()]
    assert window.windowTitle().count("p311desk") <= 1


def test_demo_offer_comes_back_until_answered(window, qtbot, wait_idle):
    from ui.app import demo_declined

    window.offer_demo_data()
    box = window.demo_offer
    qtbot.waitUntil(box.isVisible)
    box.reject()  # closed without an answer (as when quitting)
    assert not demo_declined(window.ctx.qsettings)
    window.offer_demo_data()
    box = window.demo_offer
    qtbot.waitUntil(box.isVisible)
    qtbot.mouseClick(box.button(QMessageBox.No), Qt.LeftButton)
    assert demo_declined(window.ctx.qsettings)


def test_message_bar_does_not_push_the_page_and_errors_clear_on_page_change(window, qtbot, wait_idle):
    page = window.go_to("sessions")
    wait_idle(window)
    before = page.mapTo(window, QPoint(0, 0))
    window.ctx.notify("Something is wrong", "error")
    assert window.message_bar.isVisible()
    assert page.mapTo(window, QPoint(0, 0)) == before
    window.go_to("checkin")
    assert not window.message_bar.isVisible()


def test_plural_counts_in_catalan(window, qtbot, wait_idle):
    from p311desk.participants import add_participant

    with window.ctx.db.write() as s:
        add_participant(s, given_name="Anna", family_name="Vidal")
    window.ctx.set_language("ca")
    page = window.go_to("participants")
    wait_idle(window)
    label = page.findChild(QLabel, "participantsCount")
    qtbot.waitUntil(lambda: label.text() == "Es mostra 1 de 1 persona")
    window.ctx.set_language("en")
    wait_idle(window)
