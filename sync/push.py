"""Pushing what sessions produced to a platform, and reconciling after an administrator's upload.

The outbox (``p311desk.outbox``) holds the state; this engine moves items along it:

* **By API** where the platform can write (0.31+: ``createProposal``, proposal ``update`` and
  ``withdraw``, meeting ``close``). Each request is built now from the local data through the
  local↔remote id map, recorded and committed as ``sending`` **before** it leaves, then ``sent``
  with the remote id, ``rejected`` with the server's message (a 4xx or a GraphQL error: a person
  must look), ``failed`` (5xx on an operation that is safe to repeat) or ``unknown`` (the answer
  was lost: a timeout, a cut connection, a 5xx on a create or a closure).
* **Unknown outcomes are resolved by looking, not by resending**: a proposal is searched among the
  component's proposals published since just before the attempt (title and body as sent); a
  meeting is asked whether it is closed. Found: ``sent`` with that id. Surely absent: sent again.
  Updates and withdrawals set the same values twice, so for them looking is sending again.
* Attempts are retried with exponential backoff and jitter (tenacity) within one push; what
  still fails waits for the next push. Cancelling stops between items: no item is left without
  a state (at worst ``sending``, which the next start turns into ``unknown``).
* **By file** where it cannot (up to 0.30, and registration codes everywhere):
  ``sync.importfiles`` writes the files and the items wait in ``waiting_upload``;
  :func:`reconcile` then pulls, matches the platform's proposals to ours (recording their ids,
  so nothing is imported twice) and sees the meeting closed.
* Vote results travel inside the closing report: they are done when the closure is.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential, wait_random

from p311desk import outbox, publishing, spaces
from p311desk import proposals as P
from p311desk.db import Database
from p311desk.errors import N_, Cancelled, DomainError, ValidationError
from p311desk.i18n import _
from p311desk.models import Component, Meeting, OutboxItem, ParticipationSession, Proposal, Space
from sync import importfiles
from sync.capabilities import Capabilities, probe
from sync.client import DecidimClient
from sync.errors import (
    NotAPlatform,
    PlatformError,
    PlatformRefused,
    PlatformServerError,
    PlatformUnreachable,
    SignInFailed,
    SignInRequired,
)
from sync.messages import explain
from sync.platforms import ClientFactory, client_for, credentials

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

API_OPERATIONS = {"create_proposal", "update_proposal", "withdraw_proposal", "close_meeting", outbox.COMMENT}
IDEMPOTENT = {"update_proposal", "withdraw_proposal"}
# A lost answer is looked for among the platform's newest objects: those after the highest id we
# knew before the attempt (Decidim numbers records in creation order), else — nothing known yet —
# those published since the day before the attempt (a laptop's clock may be off by hours).
LOOKUP_MARGIN = dt.timedelta(days=1)
LOOKUP_PAGES = 20
BATCH = 25  # items whose "sending" is committed together (then sent one by one)


class PushRunning(DomainError):
    msgid = N_("A push is already running (in another window or at the command line). Wait for it to "
               "finish, then push again.")


@contextmanager
def push_lock(db: Database) -> Iterator[None]:
    """One push (or reconcile) at a time across processes: a lock file beside the database."""
    path = Path(db.path).with_name(Path(db.path).name + ".push.lock")
    handle = open(path, "a+b")  # noqa: SIM115 - held for the whole push
    try:
        if os.name == "nt":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise PushRunning() from None
    try:
        yield
    finally:
        try:
            if os.name == "nt":
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            handle.close()


@dataclass
class PushReport:
    platform: str
    host: str
    sent: int = 0
    found: int = 0          # unknown outcomes resolved by looking
    failed: int = 0
    unknown: int = 0
    rejected: int = 0
    waiting: int = 0        # handed over in files, or to do by hand
    blocked: int = 0        # waiting for something first (a link, a dependency)
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    stopped: str | None = None
    sign_in_needed: bool = False  # stopped because the sign-in expired or is missing: sign in, push again
    pending: int = 0        # still waiting to be sent after this push (counted at the end)
    messages: list[str] = field(default_factory=list)
    files: list[importfiles.HandOver] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "files"}
        data["files"] = [{"directory": f.directory, "files": [x.path for x in f.files], "proposals": f.proposals,
                          "waiting": f.waiting} for f in self.files]
        return data


class _Again(Exception):
    """An attempt ended in a state worth another try (failed, unknown)."""


class _Stop(Exception):
    """The whole push must stop (sign-in needed, not a Decidim server)."""

    def __init__(self, error: PlatformError) -> None:
        super().__init__(str(error))
        self.error = error


class _CannotSend(Exception):
    """The request cannot be built yet (the session is not linked...): the item waits."""


@dataclass(frozen=True)
class _Target:
    """A session linked to the platform: where its items go."""

    session_id: uuid.UUID | None
    language: str
    status: str
    proposals_component: str | None
    meeting_id: str | None
    meetings_component: str | None
    locales: tuple[str, ...]


def _targets(s, host: str, session_id: uuid.UUID | None) -> dict[uuid.UUID, _Target]:
    stmt = (select(ParticipationSession, Component, Space)
            .join(Component, Component.id == ParticipationSession.component_id)
            .join(Space, Space.id == Component.space_id)
            .where(Component.platform_host == host))
    if session_id is not None:
        stmt = stmt.where(ParticipationSession.id == session_id)
    out = {}
    for row, comp, space in s.execute(stmt).all():
        meeting_comp = None
        if row.decidim_meeting_id:
            mc = s.scalar(select(Component.decidim_id).join(Meeting, Meeting.component_id == Component.id)
                          .where(Meeting.platform_host == host, Meeting.decidim_id == row.decidim_meeting_id))
            meeting_comp = mc
        locales = [row.language] + sorted(k for k in (space.title or {}) if k != row.language)
        out[row.id] = _Target(row.id, row.language, row.status, comp.decidim_id, row.decidim_meeting_id,
                              meeting_comp, tuple(dict.fromkeys(locales)))
    if session_id is not None and session_id not in out:
        raise ValidationError("The session is not linked to a proposals component of this platform. "
                              "Link it first (sessions link).")
    return out


def _norm(text: str | None) -> str:
    """Our text as compared with the platform's: spaces collapse, case folds."""
    return re.sub(r"\s+", " ", text or "").strip().casefold()


def _norm_platform(text: str | None) -> str:
    """The platform's stored text as compared with ours: Decidim sanitises (HTML paragraphs and
    line breaks, entities), so its tags go, then entities are read, then spaces collapse."""
    text = re.sub(r"<[^>]+>", " ", text or "")
    return _norm(html.unescape(text))


def _texts(node: dict, name: str) -> dict[str, str]:
    value = node.get(name) or {}
    return {t["locale"]: t.get("text") or "" for t in value.get("translations") or [] if t}


class Engine:
    def __init__(self, db: Database, info: spaces.PlatformInfo, client: DecidimClient, caps: Capabilities, *,
                 attempts: int = 4, wait: tuple[float, float] = (0.5, 8.0),
                 cancel: threading.Event | None = None, progress: Progress | None = None) -> None:
        self.db, self.info, self.client, self.caps = db, info, client, caps
        self.host = info.host
        self.attempts, self.wait = attempts, wait
        self.cancel = cancel
        self.progress = progress or (lambda done, total, message="": None)
        self.report = PushReport(info.name, info.host)
        self.sessions_only = False  # a push of one session leaves session-less comments alone
        # The answer of the last item sent, recorded in the same commit as the next item's
        # "sending" (one commit per item instead of two). A crash in between leaves that item in
        # "sending", which the next push treats as unknown and looks up: never sent twice.
        self._sent_later: list[tuple[uuid.UUID, str]] = []

    @contextmanager
    def _write(self):
        with self.db.write() as s:
            self._flush(s)
            yield s

    def _flush(self, s) -> None:
        done, self._sent_later = self._sent_later, []
        for item_id, remote in done:
            outbox.record_sent(s, item_id, remote)

    def flush(self) -> None:
        if self._sent_later:
            with self._write():
                pass

    # --- sending ---------------------------------------------------------------------------
    def _mine(self, item: outbox.ItemInfo, targets: dict) -> bool:
        if item.session_id is not None:
            return item.session_id in targets
        if self.sessions_only or item.operation != outbox.COMMENT:
            return False
        host = (item.payload or {}).get("platform")
        return host == self.host or (not host and self.info.is_default)

    def _target(self, item: outbox.ItemInfo, targets: dict) -> _Target:
        if item.session_id is not None:
            return targets[item.session_id]
        locale = (item.payload or {}).get("locale") or "ca"
        return _Target(None, locale, "", None, None, None, (locale,))

    def run(self, targets: dict[uuid.UUID, _Target]) -> None:
        handled: set[uuid.UUID] = set()
        with self.db.read() as s:
            total = sum(outbox.unsynced_count(s, sid) for sid in targets)
        done = 0
        try:
            while True:
                self.flush()  # what the last round sent frees what depends on it
                with self.db.read() as s:
                    due = [i for i in outbox.due(s) if self._mine(i, targets) and i.id not in handled]
                if not due:
                    break
                batch: list[tuple[outbox.ItemInfo, _Target]] = []
                for item in due:
                    if self.cancel is not None and self.cancel.is_set():
                        raise Cancelled()
                    handled.add(item.id)
                    target = self._target(item, targets)
                    if item.status in (outbox.PENDING, outbox.FAILED) and item.operation in API_OPERATIONS \
                            and self.can_send(item.operation, target):
                        batch.append((item, target))
                        if len(batch) < BATCH:
                            continue
                        done = self._send_batch(batch, done, total)
                        batch = []
                        continue
                    if batch:
                        done = self._send_batch(batch, done, total)
                        batch = []
                    self._route(item, target)
                    done += 1
                    self.progress(min(done, total), total, item.operation)
                if batch:
                    done = self._send_batch(batch, done, total)
        finally:
            self.flush()
        self._carry_results(targets)

    def _send_batch(self, batch: list[tuple[outbox.ItemInfo, _Target]], done: int, total: int) -> int:
        """Send a run of items with one commit for all their "sending" (and the previous run's
        answers): every request still leaves only after its "sending" is committed. A crash in the
        middle leaves the rest "sending", which the next push looks up: never sent twice."""
        prepared: list[tuple[outbox.ItemInfo, _Target, str, dict]] = []
        with self._write() as s:
            for item, target in batch:
                try:
                    name, variables = self._build(s, item, target)
                except _CannotSend as why:
                    self.report.blocked += 1
                    self.report.messages.append(str(why))
                    continue
                outbox.begin_sending(s, item.id, {"document": name, "variables": variables}, platform=self.host)
                prepared.append((item, target, name, variables))
        for n, (item, target, name, variables) in enumerate(prepared):
            if self.cancel is not None and self.cancel.is_set():
                self._not_sent(prepared[n:], "cancelled before it was sent")
                raise Cancelled()
            try:
                self._deliver(item, name, variables)
            except _Again:
                # That was its first attempt; the rest (unknown: looked up; failed: sent again) follow.
                self._send(item, target, tries=self.attempts - 1)
            except _Stop:
                self._not_sent(prepared[n + 1:], "not sent: the push stopped")
                raise
            done += 1
            self.progress(min(done, total), total, item.operation)
        return done

    def _not_sent(self, rest, message: str) -> None:
        if rest:
            with self._write() as s:
                for item, *_ in rest:
                    outbox.record_not_sent(s, item.id, message)

    def can_send(self, op: str, target: _Target) -> bool:
        """Whether ``op`` goes by API to this platform (else by file, or by hand)."""
        if op == outbox.COMMENT:
            return self.caps.comments
        if op == "close_meeting":
            return bool(self.caps.close_meetings and target.meeting_id and target.meetings_component)
        return op in API_OPERATIONS and self.caps.create_proposals

    def _route(self, item: outbox.ItemInfo, target: _Target) -> None:
        op = item.operation
        can = self.can_send(op, target)
        if op in API_OPERATIONS and can:
            self._send(item, target)
        elif item.status == outbox.UNKNOWN and op in outbox.LOOKED_UP:
            # Restored from a backup (or a lost answer) on a line that writes by file: look
            # before the item goes into a file again.
            self._resolve_by_looking(item, target)
        elif op in ("update_proposal", "withdraw_proposal") and item.status != outbox.UNKNOWN:
            # No API can change it here: the administrator does it by hand.
            with self._write() as s:
                outbox.mark_waiting_upload(s, item.id, self.host,
                                           "this platform's API cannot change proposals: change it by hand")
            self.report.waiting += 1
        # Everything else (creates and closures without a write API, registration codes,
        # vote results) goes through the files or travels with the closure.

    def _send(self, item: outbox.ItemInfo, target: _Target, tries: int | None = None) -> None:
        tries = self.attempts if tries is None else tries
        if tries < 1:
            with self.db.read() as s:
                state = outbox.get(s, item.id).status
            if state == outbox.UNKNOWN:
                self.report.unknown += 1
            else:
                self.report.failed += 1
            return
        retrying = Retrying(stop=stop_after_attempt(tries),
                            wait=wait_exponential(multiplier=self.wait[0], max=self.wait[1]) + wait_random(0, self.wait[0]),
                            retry=retry_if_exception_type(_Again), reraise=True,
                            before_sleep=lambda _state: self.report.__setattr__("retries", self.report.retries + 1))
        try:
            for attempt in retrying:
                with attempt:
                    self._attempt(item.id, target)
        except _Again:
            with self.db.read() as s:
                state = outbox.get(s, item.id).status
            if state == outbox.UNKNOWN:
                self.report.unknown += 1
            else:
                self.report.failed += 1
        except _CannotSend as why:
            self.report.blocked += 1
            self.report.messages.append(str(why))

    def _resolve_by_looking(self, item: outbox.ItemInfo, target: _Target) -> None:
        try:
            remote = self._look(item, target)
        except (_Again, _CannotSend):
            self.report.unknown += 1
            return
        with self._write() as s:
            if remote is not None:
                outbox.record_sent(s, item.id, remote, how="found", message="found on the platform")
                self.report.found += 1
            else:
                outbox.record_not_found(s, item.id, "not on the platform: it goes into the next file")

    def _attempt(self, item_id: uuid.UUID, target: _Target) -> None:
        with self.db.read() as s:
            item = outbox.get(s, item_id)
        if item.status == outbox.UNKNOWN:
            if item.operation in IDEMPOTENT:
                with self._write() as s:
                    outbox.record_not_found(s, item_id, "safe to send again (it sets the same values)")
            else:
                remote = self._look(item, target)
                with self._write() as s:
                    if remote is not None:
                        outbox.record_sent(s, item_id, remote, how="found",
                                           message="found on the platform after a lost answer")
                        self.report.found += 1
                        return
                    outbox.record_not_found(s, item_id)
        elif item.status not in (outbox.PENDING, outbox.FAILED):
            return
        with self._write() as s:
            name, variables = self._build(s, item, target)
            request = {"document": name, "variables": variables}
            outbox.begin_sending(s, item_id, request, platform=self.host)
        # "sending" is committed: whatever happens next, the item has a state.
        self._deliver(item, name, variables)

    def _deliver(self, item: outbox.ItemInfo, name: str, variables: dict) -> None:
        """Send one item already committed as "sending", and record what became of it."""
        item_id = item.id
        try:
            data = self.client.execute(self.client.doc(name), variables, idempotent=False)
        except PlatformUnreachable as err:
            self._transient(item, err.message(), None)
        except PlatformServerError as err:
            self._transient(item, err.message(), err.params.get("status"))
        except PlatformRefused as err:
            raw = str(err.params.get("message") or err.message())
            with self._write() as s:
                outbox.record_rejected(s, item_id, raw)
            self.report.rejected += 1
            self.report.messages.append(_("{host} refused it: {reason}").format(host=self.host, reason=explain(raw)))
            return
        except (SignInRequired, SignInFailed) as err:
            # An expired or revoked sign-in is not a refusal: the request was turned away before
            # anything was done. The item waits as it was; the user is asked to sign in again.
            with self._write() as s:
                outbox.record_not_sent(s, item_id, "the sign-in expired: sign in again, then push")
            self.report.sign_in_needed = True
            raise _Stop(err) from None
        except NotAPlatform as err:
            with self._write() as s:
                outbox.record_failed(s, item_id, err.message(), retry_at=None)
            raise _Stop(err) from None
        except PlatformError as err:
            # Signing in again failed (the server kept refusing the fresh session): the request
            # itself was refused with HTTP 401 before anything was written.
            with self._write() as s:
                outbox.record_failed(s, item_id, err.message(), retry_at=None)
            raise _Again() from None
        remote = self._remote_id(item.operation, data)
        if remote is None:
            with self._write() as s:
                outbox.record_rejected(s, item_id, "the platform did not accept it (no object in the answer)")
            self.report.rejected += 1
            return
        self._sent_later.append((item_id, remote))  # committed with the next write (see __init__)
        self.report.sent += 1

    def _transient(self, item: outbox.ItemInfo, message: str, status: int | None) -> None:
        with self._write() as s:
            if item.operation in IDEMPOTENT:
                outbox.record_failed(s, item.id, message, retry_at=None, http_status=status)
            else:
                # A create or a closure may have landed: never send it again without looking.
                outbox.record_unknown(s, item.id, message, http_status=status)
        raise _Again()

    # --- requests --------------------------------------------------------------------------
    def _build(self, s, item: outbox.ItemInfo, target: _Target) -> tuple[str, dict[str, Any]]:
        op = item.operation
        if op == outbox.COMMENT:
            p = item.payload or {}
            return "add_comment", {"id": str(p["commentable_id"]), "type": p["commentable_type"],
                                   "locale": p.get("locale") or target.language, "body": p["body"]}
        if op == "close_meeting":
            row = s.get(ParticipationSession, target.session_id)
            facts = publishing.closing_facts(s, target.session_id, self.host)
            return "close_meeting", {
                "componentId": target.meetings_component, "meetingId": target.meeting_id,
                "input": {"clientMutationId": str(item.id), "locale": target.language, "attributes": {
                    "closingReport": publishing.closing_report(facts, target.language),
                    "attendeesCount": facts.attendees_count,
                    "proposalIds": facts.linked_remote_ids,
                    "closedAt": row.closed_at.isoformat() if row and row.closed_at else None}}}
        payload = P.platform_payload(s, item.entity_id)
        component = payload.get("component_id") or target.proposals_component
        if not component:
            raise _CannotSend("The session is not linked to a proposals component of this platform.")
        loc = target.language
        title = payload["title"].get(loc) or next(iter(payload["title"].values()), "")
        body = payload["body"].get(loc) or title
        attributes: dict[str, Any] = {"title": title, "body": body}
        if payload.get("address"):
            attributes["address"] = payload["address"]
        if payload.get("latitude") is not None:
            attributes["latitude"], attributes["longitude"] = payload["latitude"], payload["longitude"]
        if self.caps.taxonomies and payload.get("taxonomy_ids"):
            attributes["taxonomies"] = list(payload["taxonomy_ids"])
        if op == "create_proposal":
            return "create_proposal", {"componentId": component, "input": {
                "clientMutationId": str(item.id), "locale": loc, "attributes": attributes}}
        remote = outbox.remote_id(s, self.host, "proposal", item.entity_id)
        if remote is None:
            raise _CannotSend("The proposal is not on the platform yet.")
        if op == "update_proposal":
            return "update_proposal", {"componentId": component, "proposalId": remote,
                                       "input": {"locale": loc, "attributes": attributes}}
        return "withdraw_proposal", {"componentId": component, "proposalId": remote}

    @staticmethod
    def _remote_id(operation: str, data: dict) -> str | None:
        if operation == outbox.COMMENT:
            node = (data.get("commentable") or {}).get("addComment")
            return str(node["id"]) if node and node.get("id") is not None else None
        comp = data.get("component") or {}
        if operation == "create_proposal":
            node = comp.get("createProposal")
        elif operation == "close_meeting":
            node = (comp.get("meeting") or {}).get("close")
        else:
            node = (comp.get("proposal") or {})
            node = node.get("update") or node.get("withdraw")
        return str(node["id"]) if node and node.get("id") is not None else None

    # --- looking ---------------------------------------------------------------------------
    def _look(self, item: outbox.ItemInfo, target: _Target) -> str | None:
        """After a lost answer: does the platform have it? Transient failures retry the look."""
        if not (item.request or {}).get("variables"):
            # Never begun here (restored from a backup): look for what it would send now.
            with self.db.read() as s:
                name, variables = self._build(s, item, target)
            item = _with_request(item, {"document": name, "variables": variables})
        try:
            if item.operation == "close_meeting":
                if not (target.meeting_id and target.meetings_component):
                    return None
                return self._meeting_closed(target)
            if item.operation == outbox.COMMENT:
                return self._find_comment(item)
            return self._find_proposal(item)
        except (SignInRequired, NotAPlatform) as err:
            raise _Stop(err) from None
        except PlatformError:  # unreachable, a server error, a refused fresh session: look again later
            raise _Again() from None

    def _find_proposal(self, item: outbox.ItemInfo) -> str | None:
        request = item.request or {}
        variables = request.get("variables") or {}
        attrs = (variables.get("input") or {}).get("attributes") or {}
        component = variables.get("componentId")
        loc = (variables.get("input") or {}).get("locale")
        started = item.last_attempt_at or item.created_at
        with self.db.read() as s:
            claimed = set(outbox.remote_ids(s, self.host, "proposal").values())
            floor = outbox.newest_numeric_remote_id(s, self.host, "proposal", started)
            # The platform's own ids we had seen (pulled) before the attempt bound the look too.
            pulled = [int(r) for r in s.scalars(select(Proposal.decidim_id).where(
                Proposal.platform_host == self.host, Proposal.pulled_at < started,
                Proposal.decidim_id.is_not(None))) if str(r).isdigit()]
        if pulled:
            floor = max([floor or 0, *pulled])
        since = None if floor is not None else (started - LOOKUP_MARGIN).astimezone(dt.UTC).date().isoformat()
        want = (_norm(attrs.get("title")), _norm(attrs.get("body")))
        after = None
        for _page in range(LOOKUP_PAGES):
            data = self.client.execute(self.client.doc("recent_proposals"),
                                       {"componentId": component, "since": since, "after": after})
            conn = ((data.get("component") or {}).get("proposals")) or {}
            for node in conn.get("nodes") or []:
                if floor is not None and str(node["id"]).isdigit() and int(node["id"]) <= floor:
                    return None  # older than what we had created before this attempt: not there
                if str(node["id"]) in claimed:
                    continue
                if (_norm_platform(_texts(node, "title").get(loc)),
                        _norm_platform(_texts(node, "body").get(loc))) == want:
                    return str(node["id"])
            info = conn.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return None
            after = info.get("endCursor")
        return None

    def _find_comment(self, item: outbox.ItemInfo) -> str | None:
        variables = (item.request or {}).get("variables") or {}
        with self.db.read() as s:
            claimed = set(s.scalars(select(OutboxItem.remote_id).where(
                OutboxItem.operation == outbox.COMMENT, OutboxItem.platform == self.host,
                OutboxItem.remote_id.is_not(None))))
        data = self.client.execute(self.client.doc("comments"), {
            "id": variables.get("id"), "type": variables.get("type"), "locale": variables.get("locale") or "ca"})
        me = (self.client.user or {}).get("nickname")
        want = _norm(variables.get("body"))
        for node in reversed(((data.get("commentable") or {}).get("comments")) or []):
            if str(node.get("id")) in claimed:
                continue
            author = (node.get("author") or {}).get("nickname")
            if me and author and author != me:
                continue
            if _norm_platform(node.get("body")) == want:
                return str(node["id"])
        return None

    def _meeting_closed(self, target: _Target) -> str | None:
        data = self.client.execute(self.client.doc("meeting_state"),
                                   {"componentId": target.meetings_component, "meetingId": target.meeting_id})
        meeting = (data.get("component") or {}).get("meeting") or {}
        return str(meeting["id"]) if meeting.get("closed") else None

    # --- what travels with the closure -----------------------------------------------------
    def _carry_results(self, targets: dict[uuid.UUID, _Target]) -> None:
        with self._write() as s:
            for sid in targets:
                closures = outbox.session_items(s, sid, operation="close_meeting")
                if not closures or closures[-1].status != outbox.SENT:
                    continue
                for item in outbox.session_items(s, sid, operation="result",
                                                 states=(outbox.PENDING, outbox.FAILED, outbox.WAITING_UPLOAD)):
                    if item.status == outbox.WAITING_UPLOAD:
                        outbox.record_sent(s, item.id, message="included in the closing report")
                        continue
                    outbox.begin_sending(s, item.id, {"carried_by": str(closures[-1].id)}, platform=self.host)
                    outbox.record_sent(s, item.id, message="included in the closing report")


def _with_request(item: outbox.ItemInfo, request: dict[str, Any]) -> outbox.ItemInfo:
    import dataclasses

    return dataclasses.replace(item, request=request)


def _client(db: Database, ref: str | None, secret: str | None, client_factory: ClientFactory,
            client: DecidimClient | None) -> tuple[spaces.PlatformInfo, DecidimClient, bool]:
    with db.read() as s:
        info = spaces.get_platform(s, ref)
    if client is not None:
        return info, client, False
    return info, client_for(info, credentials(info, secret=secret), client_factory), True


def _capabilities(info: spaces.PlatformInfo, client: DecidimClient) -> Capabilities:
    caps = Capabilities.from_json(info.capabilities)
    if caps is None or not caps.confirmed:
        caps = probe(client)
    if not client.line:
        client.line = caps.line
    return caps


def default_files_dir(db: Database, host: str, session_id: uuid.UUID) -> Path:
    """Where ``push`` writes a session's files when no folder is given."""
    return Path(db.path).parent / "outgoing" / host.replace(":", "_") / session_id.hex[:8]


def summary_sentence(report: PushReport) -> str:
    """What a push did, counted as it happened: sent, found, waiting, refused, still to send —
    never "sent" when nothing was."""
    if not (report.sent or report.found or report.waiting or report.rejected or report.pending or report.unknown
            or report.failed):
        return _("Nothing to push to {platform}.").format(platform=report.platform)
    return _("Pushed to {platform}: {sent} sent, {found} found already there, {waiting} waiting for the "
             "administrator's upload, {rejected} refused, {pending} still to send.").format(
        platform=report.platform, sent=report.sent, found=report.found, waiting=report.waiting,
        rejected=report.rejected, pending=report.pending)


NO_SIGN_IN = N_("Sign in to {host} first: the platform writes only for a signed-in user. Nothing was "
                "sent; everything waits for the next push.")
SIGN_IN_AGAIN = N_("The sign-in to {host} expired or was revoked: sign in again, then push. Nothing was "
                   "refused; everything waits.")


def push(db: Database, ref: str | None = None, *, session: uuid.UUID | None = None, secret: str | None = None,
         files_dir: str | Path | None = None, fmt: str = "csv", progress: Progress | None = None,
         cancel: threading.Event | None = None, client_factory: ClientFactory = DecidimClient,
         client: DecidimClient | None = None, attempts: int = 4, wait: tuple[float, float] = (0.5, 8.0)
         ) -> PushReport:
    """Push platform ``ref``'s linked sessions (or one): API where it can, files where it cannot.

    One push at a time (:func:`push_lock`); a second one raises :class:`PushRunning`."""
    with push_lock(db):
        return _push(db, ref, session=session, secret=secret, files_dir=files_dir, fmt=fmt, progress=progress,
                     cancel=cancel, client_factory=client_factory, client=client, attempts=attempts, wait=wait)


def _push(db: Database, ref: str | None, *, session, secret, files_dir, fmt, progress, cancel, client_factory,
          client, attempts, wait) -> PushReport:
    started = time.perf_counter()
    info, client, own = _client(db, ref, secret, client_factory, client)
    with db.write() as s:
        outbox.recover_interrupted(s)
        targets = _targets(s, info.host, session)
    engine = None
    try:
        caps = None
        report = PushReport(info.name, info.host)
        try:
            if client.credentials and client.credentials.secret and not client.signed_in:
                client.sign_in()
            caps = _capabilities(info, client)
        except (SignInFailed, SignInRequired):
            report.stopped = _(SIGN_IN_AGAIN).format(host=info.host)
            report.sign_in_needed = True
        if caps is not None:
            engine = Engine(db, info, client, caps, attempts=attempts, wait=wait, cancel=cancel, progress=progress)
            engine.sessions_only = session is not None
            report = engine.report
            signed = bool(client.signed_in or (client.credentials and client.credentials.secret))
            if not signed and _needs_api(db, engine, targets):
                # Anonymous, the platform would refuse every write: stop before any is tried.
                report.stopped = _(NO_SIGN_IN).format(host=info.host)
                report.sign_in_needed = True
            else:
                try:
                    engine.run(targets)
                except _Stop as stop:
                    report.stopped = (_(SIGN_IN_AGAIN).format(host=info.host) if report.sign_in_needed
                                      else stop.error.message())
                except Cancelled:
                    report.cancelled = True
            if not report.cancelled and (not report.stopped or report.sign_in_needed):
                # The files need no network: they are written even when the sign-in is missing.
                _hand_over(db, report, info, caps, targets, files_dir, fmt)
    finally:
        report.requests = client.stats["requests"]
        report.seconds = round(time.perf_counter() - started, 3)
        with db.read() as s:
            todo = outbox.all_items(s, states=(outbox.PENDING, outbox.SENDING, outbox.FAILED, outbox.UNKNOWN))
            report.pending = sum(1 for i in todo if i.session_id in targets or (
                i.session_id is None and session is None and i.operation == outbox.COMMENT
                and (i.payload or {}).get("platform") in (None, info.host)))
        if own:
            client.close()
        log.info("push %s: sent %d, found %d, unknown %d, failed %d, rejected %d, waiting %d in %.2f s",
                 info.host, report.sent, report.found, report.unknown, report.failed, report.rejected,
                 report.waiting, report.seconds)
    return report


def _needs_api(db: Database, engine: Engine, targets: dict[uuid.UUID, _Target]) -> bool:
    with db.read() as s:
        due = [i for i in outbox.due(s) if engine._mine(i, targets)]
    return any(i.operation in API_OPERATIONS and engine.can_send(i.operation, engine._target(i, targets))
               for i in due)


def _needs_files(s, target: _Target, caps: Capabilities) -> bool:
    ops = set()
    for item in outbox.session_items(s, target.session_id, states=(outbox.PENDING, outbox.FAILED)):
        ops.add(item.operation)
    if "create_proposal" in ops and not caps.create_proposals:
        return True
    if "close_meeting" in ops and not (caps.close_meetings and target.meeting_id and target.meetings_component):
        return True
    return "validate_registration_code" in ops


def _hand_over(db: Database, report: PushReport, info, caps: Capabilities, targets: dict[uuid.UUID, _Target],
               files_dir: str | Path | None, fmt: str) -> None:
    for target in targets.values():
        with db.write() as s:
            if not _needs_files(s, target, caps):
                continue
            folder = Path(files_dir) / target.session_id.hex[:8] if files_dir and len(targets) > 1 else (
                Path(files_dir) if files_dir else default_files_dir(db, info.host, target.session_id))
            closure_by_api = bool(caps.close_meetings and target.meeting_id and target.meetings_component)
            result = importfiles.write_session_files(
                s, target.session_id, folder, host=info.host, version=caps.line,
                locales=list(target.locales), fmt=fmt, proposals_by_api=caps.create_proposals,
                closure_by_api=closure_by_api)
        report.files.append(result)
        report.waiting += result.waiting


def write_files(db: Database, ref: str | None, session: uuid.UUID, directory: str | Path, *, fmt: str = "csv",
                include_waiting: bool = False) -> importfiles.HandOver:
    """``sync files``: the import files and closing report for the administrator (no network)."""
    with db.write() as s:
        info = spaces.get_platform(s, ref)
        caps = Capabilities.from_json(info.capabilities) or Capabilities("0.27", False, False, False, ("session",))
        target = _targets(s, info.host, session)[session]
        # Files are asked for explicitly: everything not yet on the platform goes in them.
        return importfiles.write_session_files(
            s, session, directory, host=info.host, version=caps.line, locales=list(target.locales),
            fmt=fmt, include_waiting=include_waiting)


@dataclass
class ReconcileReport:
    platform: str
    matched: int = 0
    still_waiting: int = 0
    meeting_closed: bool = False
    closures_done: int = 0
    pull: dict[str, Any] = field(default_factory=dict)


def reconcile(db: Database, ref: str | None, session: uuid.UUID, *, secret: str | None = None,
              client_factory: ClientFactory = DecidimClient, client: DecidimClient | None = None,
              progress: Progress | None = None, cancel: threading.Event | None = None) -> ReconcileReport:
    """After the administrator's upload: match the platform's proposals to the ones we handed over
    (recording their ids, so no later file repeats them), see whether the meeting was closed, and
    pull the component so the cache shows the platform's view."""
    with push_lock(db):
        return _reconcile(db, ref, session, secret=secret, client_factory=client_factory, client=client,
                          progress=progress, cancel=cancel)


def _reconcile(db: Database, ref: str | None, session: uuid.UUID, *, secret, client_factory, client, progress,
               cancel) -> ReconcileReport:
    from sync.pull import pull

    info, client, own = _client(db, ref, secret, client_factory, client)
    report = ReconcileReport(info.name)
    try:
        if client.credentials and client.credentials.secret and not client.signed_in:
            client.sign_in()
        _capabilities(info, client)
        with db.read() as s:
            target = _targets(s, info.host, session)[session]
            waiting = [i for i in (outbox.info(x) for x in outbox.session_items(
                s, session, operation="create_proposal", states=(outbox.WAITING_UPLOAD, outbox.UNKNOWN)))]
            claimed = set(outbox.remote_ids(s, info.host, "proposal").values())
        by_text: dict[tuple[str, str], list[str]] = {}
        for nodes in client.pages("proposals", target.proposals_component, "proposals"):
            for node in nodes:
                rid = str(node["id"])
                if rid in claimed:
                    continue
                titles, bodies = _texts(node, "title"), _texts(node, "body")
                for loc, title in titles.items():
                    by_text.setdefault((_norm_platform(title), _norm_platform(bodies.get(loc))), []).append(rid)
            if cancel is not None and cancel.is_set():
                raise Cancelled()
        with db.write() as s:
            for item in waiting:
                request = item.request or {}
                if "variables" in request:  # an API attempt whose answer was lost
                    attrs = request["variables"]["input"]["attributes"]
                    keys = [(_norm(attrs.get("title")), _norm(attrs.get("body")))]
                else:
                    keys = [(_norm(t), _norm((request.get("body") or {}).get(loc)))
                            for loc, t in (request.get("title") or {}).items()]
                remote = next((r for k in keys for r in by_text.get(k, []) if r not in claimed), None)
                if remote is None:
                    report.still_waiting += 1
                    continue
                claimed.add(remote)
                if item.status == outbox.UNKNOWN:
                    outbox.record_sent(s, item.id, remote, how="found")
                else:
                    outbox.record_sent(s, item.id, remote, how="reconciled",
                                       message="found on the platform after the administrator's upload")
                report.matched += 1
        if target.meeting_id and target.meetings_component:
            data = client.execute(client.doc("meeting_state"),
                                  {"componentId": target.meetings_component, "meetingId": target.meeting_id})
            meeting = (data.get("component") or {}).get("meeting") or {}
            report.meeting_closed = bool(meeting.get("closed"))
            if report.meeting_closed:
                with db.write() as s:
                    for op in importfiles.CLOSURE_OPERATIONS:
                        for item in outbox.session_items(s, session, operation=op, states=(outbox.WAITING_UPLOAD,)):
                            outbox.record_sent(s, item.id, str(meeting["id"]) if op == "close_meeting" else None,
                                               how="reconciled", message="the meeting is closed on the platform")
                            report.closures_done += op == "close_meeting"
        report.pull = pull(db, info.name, component=target.proposals_component, client=client,
                           progress=progress, cancel=cancel)
    finally:
        if own:
            client.close()
    return report

