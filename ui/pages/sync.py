"""Sync page: the Decidim platforms with what each can do, signing in, pulling with progress and
cancel, and the last pull's summary. Errors reach the message bar as a sentence.

Network work runs in workers (``ui.workers.Op``); the page itself never talks to the server.
The secret typed here goes to the keyring (or serves one sign-in where there is none) and the
field is cleared at once.
"""

from __future__ import annotations


from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from p311desk import spaces
from p311desk.i18n import N_, _, format_local, ngettext
from sync import platforms as platform_service
from sync.auth import keyring_available, recall_secret
from sync.capabilities import Capabilities
from sync.pull import pull
from ui.pages import Page
from ui.workers import Op, write_op


def summary_text(summary: dict) -> str:
    """The last pull in a few lines."""
    if not summary:
        return _("Nothing pulled yet.")
    parts = []
    for key, label in (("spaces", _("spaces")), ("meetings", _("meetings")), ("proposals", _("proposals"))):
        c = summary.get(key) or {}
        parts.append(_("{label}: {new} new, {updated} changed").format(
            label=label, new=c.get("new", 0), updated=c.get("updated", 0)))
    lines = ["; ".join(parts)]
    conflicts = summary.get("conflicts") or []
    if conflicts:
        lines.append(ngettext(
            "{n} proposal changed both here and on the platform: the local version was kept until it is synced.",
            "{n} proposals changed both here and on the platform: the local versions were kept until they are synced.",
            len(conflicts)).format(n=len(conflicts)))
    if not summary.get("complete", True):
        lines.append(_("The pull did not finish; what arrived is kept. Pull again to complete it."))
    lines.append(_("{requests} requests, {seconds} s").format(requests=summary.get("requests", 0),
                                                                seconds=summary.get("seconds", 0)))
    return "\n".join(lines)


class SyncPage(Page):
    page_id = "sync"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        from sync.client import DecidimClient

        self.client_factory = DecidimClient  # tests put a client with short timeouts here
        self.platforms: list[spaces.PlatformInfo] = []
        title = QLabel(_("Sync with Decidim"))
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")

        # --- left: the platforms, and adding one ---------------------------------------------
        self.list = QListWidget()
        self.list.setObjectName("platformList")
        self.list.setMinimumWidth(220)
        self.list.currentRowChanged.connect(self._show_current)
        add_box = QGroupBox(_("Add a platform"))
        add_form = QFormLayout(add_box)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("newPlatformName")
        self.new_name.setPlaceholderText(_("e.g. Participa311"))
        self.new_url = QLineEdit()
        self.new_url.setObjectName("newPlatformUrl")
        self.new_url.setPlaceholderText("https://participa311.diba.cat")
        self.add_button = QPushButton(_("Add and check"))
        self.add_button.setObjectName("addPlatform")
        self.add_button.clicked.connect(self.add_platform)
        self.new_url.returnPressed.connect(self.add_platform)
        add_form.addRow(_("Name"), self.new_name)
        add_form.addRow(_("Address"), self.new_url)
        add_form.addRow(self.add_button)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(add_box)

        # --- right: the chosen platform ------------------------------------------------------
        self.heading = QLabel()
        self.heading.setObjectName("platformHeading")
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.url_label = QLabel()
        self.url_label.setObjectName("platformUrl")
        self.url_label.setStyleSheet("color: #555;")
        self.url_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.capabilities = QLabel()
        self.capabilities.setObjectName("capabilities")
        self.capabilities.setWordWrap(True)
        self.default_button = QPushButton(_("Make default"))
        self.default_button.setObjectName("makeDefault")
        self.default_button.clicked.connect(self.make_default)

        sign_box = QGroupBox(_("Sign in"))
        sign_form = QFormLayout(sign_box)
        self.method = QComboBox()
        self.method.setObjectName("signInMethod")
        self.method.addItem(_("E-mail and password"), "session")
        self.method.addItem(_("API key and secret (Decidim 0.31+)"), "api")
        self.account = QLineEdit()
        self.account.setObjectName("account")
        self.secret = QLineEdit()
        self.secret.setObjectName("secret")
        self.secret.setEchoMode(QLineEdit.Password)
        self.secret.returnPressed.connect(self.sign_in)
        self.sign_button = QPushButton(_("Sign in"))
        self.sign_button.setObjectName("signIn")
        self.sign_button.clicked.connect(self.sign_in)
        self.sign_status = QLabel()
        self.sign_status.setObjectName("signStatus")
        self.sign_status.setWordWrap(True)
        sign_form.addRow(_("Way"), self.method)
        sign_form.addRow(_("E-mail or API key"), self.account)
        sign_form.addRow(_("Password or secret"), self.secret)
        sign_form.addRow(self.sign_button)
        sign_form.addRow(self.sign_status)

        pull_box = QGroupBox(_("Pull from the platform"))
        pull_layout = QVBoxLayout(pull_box)
        hint = QLabel(_("Brings participatory spaces, their components, categories or taxonomies, meetings "
                        "and published proposals into this computer, to work offline."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        row = QHBoxLayout()
        self.space = QComboBox()
        self.space.setObjectName("pullSpace")
        self.space.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.space.setMinimumContentsLength(18)
        self.pull_button = QPushButton(_("Pull now"))
        self.pull_button.setObjectName("pullNow")
        self.pull_button.setStyleSheet("font-weight: bold; padding: 6px 16px;")
        self.pull_button.clicked.connect(self.pull)
        row.addWidget(QLabel(_("Space")))
        row.addWidget(self.space, 1)
        row.addWidget(self.pull_button)
        self.last_pull = QLabel()
        self.last_pull.setObjectName("lastPull")
        self.last_pull.setWordWrap(True)
        self.last_pull.setTextInteractionFlags(Qt.TextSelectableByMouse)
        pull_layout.addWidget(hint)
        pull_layout.addLayout(row)
        pull_layout.addWidget(self.last_pull)

        # --- linking a session (even a closed one) to its component and meeting --------------
        link_box = QGroupBox(_("Link a session to the platform"))
        link_box.setObjectName("linkBox")
        link_form = QFormLayout(link_box)
        self.link_session = QComboBox()
        self.link_session.setObjectName("linkSession")
        self.link_session.currentIndexChanged.connect(self._fill_meetings)
        self.link_component = QComboBox()
        self.link_component.setObjectName("linkComponent")
        self.link_component.currentIndexChanged.connect(self._fill_meetings)
        self.link_meeting = QComboBox()
        self.link_meeting.setObjectName("linkMeeting")
        self.link_button = QPushButton(_("Link"))
        self.link_button.setObjectName("linkNow")
        self.link_button.clicked.connect(self.link)
        self.link_status = QLabel()
        self.link_status.setObjectName("linkStatus")
        self.link_status.setWordWrap(True)
        for combo in (self.link_session, self.link_component, self.link_meeting):
            # Long labels (kind · title · dates ▸ component) must not widen the page at 1024x600.
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(18)
        link_form.addRow(_("Session"), self.link_session)
        link_form.addRow(_("Proposals of"), self.link_component)
        link_form.addRow(_("Meeting"), self.link_meeting)
        link_form.addRow(self.link_button)
        link_form.addRow(self.link_status)

        self.details = QWidget()
        right = QVBoxLayout(self.details)
        right.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.heading, 1)
        head.addWidget(self.default_button)
        right.addLayout(head)
        right.addWidget(self.url_label)
        right.addWidget(self.capabilities)
        right.addWidget(sign_box)
        right.addWidget(pull_box)
        right.addWidget(link_box)
        from ui.pages.sync_push import PushPanel  # sync part 2: push and the sync log

        self.push_panel = PushPanel(self, self.details)
        right.addWidget(self.push_panel)
        right.addStretch(1)
        self.empty = QLabel(_("No platform yet. Add one with its address, e.g. https://participa311.diba.cat."))
        self.empty.setObjectName("noPlatforms")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("font-size: 12pt; color: #555;")
        right.addWidget(self.empty)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(self.details)

        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(scroll, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(body, 1)
        self.activate()

    # --- reading -------------------------------------------------------------------------------
    def activate(self) -> None:
        from p311desk import sessions as session_service

        with self.ctx.db.read() as s:
            self.platforms = spaces.list_platforms(s)
            all_spaces = spaces.list_spaces(s)
            labels = spaces.space_labels(all_spaces)
            self.space_choices = {p.host: [(labels[sp.id], sp.slug or sp.decidim_id) for sp in all_spaces
                                           if sp.platform_host == p.host] for p in self.platforms}
            self.component_choices = {
                p.host: [(f"{labels[sp.id]} ▸ {c.name}", c.decidim_id, sp.id) for sp in all_spaces
                         if sp.platform_host == p.host for c in sp.components if c.manifest_name == "proposals"]
                for p in self.platforms}
            self.meetings = {p.host: spaces.list_meetings(s, p.host) for p in self.platforms}
            self.session_rows = session_service.list_sessions(s)
        current = self.current()
        self.list.blockSignals(True)
        self.list.clear()
        for p in self.platforms:
            item = QListWidgetItem(("★ " if p.is_default else "") + p.name)
            item.setToolTip(p.base_url)
            self.list.addItem(item)
        self.list.blockSignals(False)
        index = next((i for i, p in enumerate(self.platforms) if current and p.id == current.id), 0)
        if self.platforms:
            self.list.setCurrentRow(index)
        self._show_current()

    def current(self) -> spaces.PlatformInfo | None:
        row = self.list.currentRow() if hasattr(self, "list") else -1
        return self.platforms[row] if 0 <= row < len(self.platforms) else None

    def _show_current(self, *_args) -> None:
        info = self.current()
        for w in (self.heading, self.url_label, self.capabilities, self.default_button):
            w.setVisible(info is not None)
        for box in self.details.findChildren(QGroupBox):
            box.setVisible(info is not None)
        self.empty.setVisible(info is None)
        if hasattr(self, "push_panel"):
            self.push_panel.setVisible(info is not None)
            self.push_panel.set_platform(info)
        if info is None:
            return
        self.heading.setText(info.name)
        self.heading.setToolTip(info.base_url)
        self.url_label.setText(info.base_url)
        caps = Capabilities.from_json(info.capabilities)
        self.capabilities.setText("\n".join(caps.sentences()) if caps else _("Not checked yet."))
        self.default_button.setEnabled(not info.is_default)
        self.method.setCurrentIndex(max(0, self.method.findData(info.sign_in)))
        self.account.setText(info.account or "")
        self.sign_status.setStyleSheet("")
        if info.account and recall_secret(info.host, info.account):
            self.sign_status.setText(_("Signed in as {account}; the secret is in this computer's keyring.").format(
                account=info.account))
        elif not keyring_available():
            self.sign_status.setText(_("This computer has no keyring: the secret is asked for each sync."))
        else:
            self.sign_status.setText(_("Not signed in. Public data can still be pulled."))
        self.space.clear()
        self.space.addItem(_("All spaces"), None)
        for title, ref in sorted(self.space_choices.get(info.host, []), key=lambda t: t[0].casefold()):
            self.space.addItem(title, ref)
        self._fill_link(info)
        when = format_local(info.last_pull_at, "%Y-%m-%d %H:%M", empty="") if info.last_pull_at else ""
        text = summary_text(info.last_pull)
        self.last_pull.setText(_("Last pull: {when}").format(when=when) + "\n" + text if when else text)

    # --- linking -------------------------------------------------------------------------------
    STATUS_NAMES = {"draft": N_("draft"), "open": N_("open"), "closed": N_("closed")}

    def _fill_link(self, info) -> None:
        keep = self.link_session.currentData()
        self.link_session.blockSignals(True)
        self.link_component.blockSignals(True)
        self.link_session.clear()
        for row in self.session_rows:
            when = format_local(row.starts_at, "%d/%m/%Y") if getattr(row, "starts_at", None) else ""
            status = _(self.STATUS_NAMES.get(row.status, row.status))
            self.link_session.addItem(" · ".join(x for x in (row.title, when, status) if x), str(row.id))
        if keep is not None:
            self.link_session.setCurrentIndex(max(0, self.link_session.findData(keep)))
        self.link_component.clear()
        for label, ref, space_id in sorted(self.component_choices.get(info.host, []), key=lambda c: c[0].casefold()):
            self.link_component.addItem(label, (ref, space_id))
        self.link_session.blockSignals(False)
        self.link_component.blockSignals(False)
        self._fill_meetings()

    def _session_row(self):
        sid = self.link_session.currentData()
        return next((r for r in self.session_rows if str(r.id) == sid), None)

    def _fill_meetings(self, *_args) -> None:
        """The meetings of the chosen space, the one on the session's date first."""
        info = self.current()
        self.link_meeting.clear()
        self.link_meeting.addItem(_("No meeting"), None)
        choice = self.link_component.currentData()
        if info is None or choice is None:
            self.link_button.setEnabled(False)
            return
        self.link_button.setEnabled(self.link_session.count() > 0)
        ref, space_id = choice
        with self.ctx.db.read() as s:
            own = {m.decidim_id for m in spaces.list_meetings(s, info.host, space_id=space_id)}
        rows = [m for m in self.meetings.get(info.host, []) if m.decidim_id in own]
        session = self._session_row()
        day = session.starts_at.astimezone().date() if session is not None and getattr(session, "starts_at", None) else None

        def same_day(m) -> bool:
            return bool(day and m.starts_at and m.starts_at.astimezone().date() == day)

        rows.sort(key=lambda m: (not same_day(m),))
        for m in rows:
            when = format_local(m.starts_at, "%d/%m/%Y %H:%M") if m.starts_at else ""
            flags = [_("same day as the session")] if same_day(m) else []
            if m.closed:
                flags.append(_("closed on the platform"))
            text = " · ".join(x for x in (m.title, when) if x) + (f" ({', '.join(flags)})" if flags else "")
            self.link_meeting.addItem(text, m.decidim_id)
        if rows and same_day(rows[0]):
            self.link_meeting.setCurrentIndex(1)  # proposed first and chosen

    def link(self) -> None:
        info = self.current()
        session = self._session_row()
        choice = self.link_component.currentData()
        if info is None or session is None or choice is None:
            return
        ref, _space = choice
        meeting = self.link_meeting.currentData()
        from p311desk import sessions as session_service

        def work(s):
            link = spaces.resolve_link(s, info.host, ref, meeting)
            session_service.update_session(s, session.id, **link)
            return spaces.describe_link(s, link["space_id"], link["component_id"], link["decidim_meeting_id"])

        def done(shown) -> None:
            text = _("“{title}” is linked to {space} ▸ {component}").format(
                title=session.title, space=shown.space, component=shown.component)
            if shown.meeting:
                text += " — " + shown.meeting
            self.link_status.setText(text)
            self.ctx.notify(text)

        def failed(exc) -> None:
            from ui.workers import error_text

            self.link_status.setText(error_text(exc))
            self.ctx.notify(error_text(exc), "error")

        write_op(self.ctx, work).on_success(done).on_failure(failed).changes("sessions").run()

    def ask_sign_in(self, reason: str | None = None) -> None:
        """The sign-in expired: say so where the user signs in, and put the cursor there."""
        self.sign_status.setText(reason or _("Sign in again, then push."))
        self.sign_status.setStyleSheet("color: #a12622; font-weight: bold;")
        self.secret.setFocus()

    # --- actions -------------------------------------------------------------------------------
    def add_platform(self) -> None:
        name, url = self.new_name.text().strip(), self.new_url.text().strip()
        if not url:
            self.ctx.notify(_("Give the platform's address."), "error")
            return
        name = name or url.split("://")[-1].split("/")[0]
        self.add_button.setEnabled(False)

        def done(result) -> None:
            info, _caps = result
            self.new_name.clear()
            self.new_url.clear()
            self.ctx.notify(_("Platform “{name}” added.").format(name=info.name))
            self.activate()
            self.list.setCurrentRow(next(i for i, p in enumerate(self.platforms) if p.id == info.id))

        def failed(exc) -> None:
            from ui.workers import error_text

            self.ctx.notify(error_text(exc), "error")

        def finish(*_a) -> None:
            self.add_button.setEnabled(True)

        def work():
            return platform_service.add_platform(self.ctx.db, name, url, client_factory=self.client_factory)

        op = (Op(self.ctx, work, write=False, parent=self)
              .on_success(done).on_failure(failed).with_progress(_("Checking the platform…")).changes("platforms"))
        worker = op.run()
        worker.signals.finished.connect(finish)

    def make_default(self) -> None:
        info = self.current()
        if info is None:
            return
        write_op(self.ctx, spaces.set_default, info.id).on_success(lambda _r: self.activate()).changes(
            "platforms").run()

    def sign_in(self) -> None:
        info = self.current()
        secret = self.secret.text()
        account = self.account.text().strip()
        if info is None or not account or not secret:
            self.ctx.notify(_("Give the e-mail (or API key) and the password (or secret)."), "error")
            return
        self.secret.clear()  # the secret never stays in a widget
        method = self.method.currentData()

        def done(result) -> None:
            if result.remembered:
                self.ctx.notify(_("Signed in to {platform} as {user}.").format(
                    platform=result.platform.name, user=result.user.get("name") or account))
            else:
                self.ctx.notify(_("Signed in, but this computer has no keyring: the secret is not remembered."),
                                "warning")
            self.activate()

        (Op(self.ctx, lambda: platform_service.login(self.ctx.db, info.name, method, account, secret,
                                                          client_factory=self.client_factory), write=False,
            parent=self).on_success(done).with_progress(_("Signing in…")).changes("platforms").run())

    def pull(self) -> None:
        info = self.current()
        if info is None:
            return
        space = self.space.currentData()
        self.pull_button.setEnabled(False)

        def work(progress, cancel):
            return pull(self.ctx.db, info.name, space=space, progress=progress, cancel=cancel,
                        client_factory=self.client_factory)

        def done(summary) -> None:
            self.ctx.notify(_("Pulled from {platform}.").format(platform=info.name))
            self.activate()

        def failed(exc) -> None:
            from ui.workers import error_text

            self.ctx.notify(error_text(exc), "error")
            self.activate()

        worker = (Op(self.ctx, work, write=False, parent=self).on_success(done).on_failure(failed)
                  .with_progress(_("Pulling from {platform}…").format(platform=info.name)).changes("spaces").run())
        worker.signals.finished.connect(lambda: self.pull_button.setEnabled(True))


__all__ = ["SyncPage", "summary_text"]
