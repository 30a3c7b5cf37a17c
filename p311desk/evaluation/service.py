"""Session evaluation: attach a form, take answers (kiosk after check-in, a one-time code, a
keyed paper form), close, and summarise — for one session and across a series.

Answers are anonymous always, by the rules of secret ballots (see ``votes``):

- the answers of a session live in one ballot box, ``evaluation_box``: a single list of
  ``[random key, values]`` kept sorted by key and written whole on every answer — no time, no
  respondent, no channel, no insertion order, neither in the rows nor in the bytes of the file;
- *who* answered lives apart: ``evaluation_respondent`` (a checked-in person; no time) and the
  ``used`` flag of a printed form's id (``evaluation_slip``) — nothing points from there to an
  answer or back;
- the box is never audited per row (a digest of each state would let anyone test which answer
  came in at which event); the audit log records that an answer came in and through which door;
- each answer is written with SQLite's ``secure_delete`` on (the previous box is zeroed, not left
  in free pages) and, once committed, the write-ahead log is checkpointed and truncated, so a copy
  of the data folder holds the current box only, never the history of who came in when;
- while answers are being taken only their number is shown (a live chart would tell the room
  what the person who just left the kiosk answered); the results are shown once the evaluation
  is closed (or the session is).

There is one door for every channel: :func:`answer`.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from p311desk import attendance, audit, codes, sessions
from p311desk.errors import DomainError, InvalidTransition, NotFound, ValidationError
from p311desk.evaluation import forms
from p311desk.evaluation import results as summaries
from p311desk.evaluation.forms import Question
from p311desk.i18n import N_, _, current_language
from p311desk.models import (
    EvaluationBox,
    EvaluationForm,
    EvaluationRespondent,
    EvaluationSlip,
    ParticipationSession,
    utcnow,
)
from p311desk.text import clean

log = logging.getLogger(__name__)

SLIP_PREFIX = "EV"
MAX_SLIPS = 5000
CHANNELS = {"kiosk": N_("kiosk"), "code": N_("one-time code"), "paper": N_("paper")}
_SLIP_RE = re.compile(rf"^{SLIP_PREFIX}[{codes.ALPHABET}]{{{codes.LENGTH}}}$")


class EvaluationRefused(DomainError):
    msgid = N_("The answer was refused.")


@dataclass(frozen=True)
class FormInfo:
    id: uuid.UUID
    session_id: uuid.UUID
    template: str
    questions: tuple[Question, ...]
    answers: int
    closed: bool
    slips: int
    slips_used: int

    @property
    def editable(self) -> bool:
        return self.answers == 0 and not self.closed


@dataclass(frozen=True)
class Receipt:
    """What the answering door returns: how many answers the box holds now (never which one)."""

    answers: int
    channel: str


@dataclass(frozen=True)
class Results:
    session_id: uuid.UUID
    title: str
    series: str | None
    lang: str
    answers: int
    present: int
    closed: bool  # False: only ``answers`` is shown (questions empty)
    questions: tuple[summaries.QuestionSummary, ...]

    @property
    def response_rate(self) -> float | None:
        return self.answers / self.present if self.present else None

    def as_json(self) -> dict[str, Any]:
        return {"session_id": str(self.session_id), "title": self.title, "series": self.series,
                "answers": self.answers, "present": self.present, "response_rate": self.response_rate,
                "closed": self.closed, "questions": [q.as_json() for q in self.questions]}


@dataclass(frozen=True)
class Trend:
    series: str
    sessions: tuple[tuple[str, str, str], ...]  # (id, title, date) in order
    lines: tuple[summaries.TrendLine, ...]
    answers: int

    def as_json(self) -> dict[str, Any]:
        return {"series": self.series, "answers": self.answers,
                "sessions": [{"id": i, "title": t, "date": d} for i, t, d in self.sessions],
                "questions": [line.as_json() for line in self.lines]}


@dataclass(frozen=True)
class SeriesText:
    session_title: str
    date: str
    question: str
    text: str


# --- forms -------------------------------------------------------------------------------------

def _session(s: Session, session_id: uuid.UUID) -> ParticipationSession:
    row = s.get(ParticipationSession, session_id)
    if row is None:
        raise NotFound("The session does not exist.")
    return row


def _form_row(s: Session, session_id: uuid.UUID) -> EvaluationForm:
    row = s.scalar(select(EvaluationForm).where(EvaluationForm.session_id == session_id))
    if row is None:
        raise NotFound("The session has no evaluation form yet: attach one first.")
    return row


def _box(s: Session, form: EvaluationForm) -> EvaluationBox:
    box = s.get(EvaluationBox, form.id)
    if box is None:
        box = EvaluationBox(form_id=form.id, answers=[], count=0)
        s.add(box)
    return box


def _info(s: Session, row: EvaluationForm) -> FormInfo:
    count = s.scalar(select(EvaluationBox.count).where(EvaluationBox.form_id == row.id)) or 0
    slips, used = s.execute(select(func.count(), func.coalesce(func.sum(EvaluationSlip.used), 0))
                            .where(EvaluationSlip.form_id == row.id)).one()
    return FormInfo(row.id, row.session_id, row.template, forms.parse_questions(row.questions), count,
                    row.closed_at is not None, int(slips), int(used))


def get_form(s: Session, session_id: uuid.UUID) -> FormInfo | None:
    row = s.scalar(select(EvaluationForm).where(EvaluationForm.session_id == session_id))
    return _info(s, row) if row is not None else None


def attach_form(s: Session, session_id: uuid.UUID, template: str | None = None,
                questions: list[dict[str, Any]] | None = None) -> FormInfo:
    """Attach the template (a built-in name or a JSON file) — or the given questions — to the
    session, or replace its form while no one has answered it."""
    session = _session(s, session_id)
    if session.status == "closed":
        raise InvalidTransition("The session is closed: its evaluation is read-only.")
    if questions is not None:
        parsed, name = forms.parse_questions(questions), (template or "")
    else:
        tpl = forms.template(template)
        parsed, name = tpl.questions, tpl.name
    row = s.scalar(select(EvaluationForm).where(EvaluationForm.session_id == session_id))
    if row is not None:
        info = _info(s, row)
        if info.answers:
            raise InvalidTransition("The form has answers already: it can no longer be changed.")
        if info.closed:
            raise InvalidTransition("The evaluation is closed: it can no longer be changed.")
        row.template, row.questions = name, [q.as_json() for q in parsed]
        s.flush()
        audit.record(s, "evaluation.form_changed", session_id=session_id, entity_type="evaluation_form",
                     entity_id=row.id, payload={"template": name, "questions": len(parsed)})
        return _info(s, row)
    row = EvaluationForm(id=uuid.uuid4(), session_id=session_id, template=name,
                         questions=[q.as_json() for q in parsed])
    s.add(row)
    s.flush()
    s.add(EvaluationBox(form_id=row.id, answers=[], count=0))
    s.flush()
    audit.record(s, "evaluation.form_attached", session_id=session_id, entity_type="evaluation_form",
                 entity_id=row.id, payload={"template": name, "questions": len(parsed)})
    return _info(s, row)


def issue_slips(s: Session, session_id: uuid.UUID, count: int) -> list[str]:
    """New printed-form ids for the session (sorted): each keys one paper form, or unlocks the
    kiosk once as a one-time code."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_SLIPS:
        raise ValidationError("Print between 1 and {max} forms.", max=MAX_SLIPS)
    row = _form_row(s, session_id)
    if row.closed_at is not None or _session(s, session_id).status == "closed":
        raise InvalidTransition("The evaluation is closed: it takes no more answers.")
    taken = set(s.scalars(select(EvaluationSlip.code).where(EvaluationSlip.form_id == row.id)))
    new: set[str] = set()
    while len(new) < count:
        code = SLIP_PREFIX + codes.new_code()
        if code not in taken:
            new.add(code)
    ids = sorted(new)
    s.add_all(EvaluationSlip(form_id=row.id, code=c, used=False) for c in ids)
    s.flush()
    audit.record(s, "evaluation.forms_printed", session_id=session_id, entity_type="evaluation_form",
                 entity_id=row.id, payload={"count": count})
    return ids


def normalize_slip(text: str) -> str | None:
    """A printed form's id as typed or scanned ("ev-abcd 2345", "ABCD2345"), or None."""
    code = re.sub(r"[\s\-_.]", "", text or "").upper()
    if not code.startswith(SLIP_PREFIX) and len(code) == codes.LENGTH:
        code = SLIP_PREFIX + code
    return code if _SLIP_RE.match(code) else None


# --- answering ---------------------------------------------------------------------------------

def _taking_answers(s: Session, session_id: uuid.UUID) -> EvaluationForm:
    session = _session(s, session_id)
    row = _form_row(s, session_id)
    if session.status == "closed":
        raise EvaluationRefused("The session is closed: its evaluation takes no more answers.")
    if session.status != "open":
        raise EvaluationRefused("The session has not started: open it first.")
    if row.closed_at is not None:
        raise EvaluationRefused("The evaluation is closed: it takes no more answers.")
    return row


def _slip(s: Session, form: EvaluationForm, text: str) -> EvaluationSlip:
    code = normalize_slip(text)
    if code is None:
        raise EvaluationRefused("“{code}” is not a form id (EV and 8 characters).", code=clean(text)[:40])
    slip = s.get(EvaluationSlip, (form.id, code))
    if slip is None:
        raise EvaluationRefused("Form {code} was not printed for this session.", code=code)
    if slip.used:
        raise EvaluationRefused("Form {code} has been answered already.", code=code)
    return slip


def _respondent(s: Session, form: EvaluationForm, code: str):
    person = attendance.resolve(s, form.session_id, code)
    if person is None:
        raise EvaluationRefused("Unknown code “{code}”.", code=clean(code)[:40])
    if person.id not in attendance.present_ids(s, form.session_id):
        raise EvaluationRefused("{name} has not checked in at this session.", name=person.full_name)
    if s.get(EvaluationRespondent, (form.id, person.id)) is not None:
        raise EvaluationRefused("{name} has answered the evaluation already.", name=person.full_name)
    return person


def kiosk_respondent(s: Session, session_id: uuid.UUID, code: str) -> str:
    """Whom a code unlocks the evaluation kiosk for (a name, or "Form EV…" for a one-time code);
    refuses an unknown, absent or used code. Writes nothing."""
    form = _taking_answers(s, session_id)
    if normalize_slip(code) and s.get(EvaluationSlip, (form.id, normalize_slip(code))) is not None:
        return _("Form {code}").format(code=_slip(s, form, code).code)
    return _respondent(s, form, code).full_name


def answer(s: Session, session_id: uuid.UUID, values: list[Any], *, code: str | None = None,
           form_id: str | None = None, channel: str = "paper") -> Receipt:
    """Put one answer in the session's ballot box — the one door for every channel.

    ``code``: the check-in code of a present person who has not answered (kiosk); ``form_id``: a
    printed form's id not used yet (paper, or a one-time code at the kiosk). A paper form
    without an id is taken as it is (photocopies)."""
    if channel not in CHANNELS:
        raise ValidationError("Unknown channel: {channel}", channel=channel)
    form = _taking_answers(s, session_id)
    return _put(s, form, forms.parse_questions(form.questions), values, code, form_id, channel)


def _put(s: Session, form: EvaluationForm, questions: tuple[Question, ...], values: list[Any],
         code: str | None, form_id: str | None, channel: str) -> Receipt:
    session_id = form.session_id
    stored = forms.check_answer(questions, list(values))
    s.connection().exec_driver_sql("PRAGMA secure_delete=ON")  # the previous box is zeroed, not freed
    who: dict[str, Any] = {"channel": channel}
    if code is not None:
        person = _respondent(s, form, code)
        s.add(EvaluationRespondent(form_id=form.id, participant_id=person.id))
        who["participant"] = str(person.id)
    elif form_id is not None:
        slip = _slip(s, form, form_id)
        slip.used = True
        who["form"] = slip.code
    elif channel != "paper":
        raise ValidationError("An answer at the kiosk needs a check-in code or a one-time code.")
    box = _box(s, form)
    box.answers = _checked_box(box.answers)
    key = secrets.token_hex(8)
    held = {k for k, _v in box.answers}
    while key in held:
        key = secrets.token_hex(8)
    box.answers = sorted([*box.answers, [key, stored]], key=lambda a: a[0])
    box.count = len(box.answers)
    s.flush()
    audit.record(s, "evaluation.answered", session_id=session_id, entity_type="evaluation_form",
                 entity_id=form.id, payload=who)
    event.listen(s, "after_commit", _truncate_log_after_commit, once=True)
    return Receipt(box.count, channel)


def answer_at_kiosk(s: Session, session_id: uuid.UUID, code: str, values: list[Any]) -> Receipt:
    """An answer at the kiosk, unlocked by ``code``: a printed form's id (a one-time code) or the
    check-in code of a present person (see :func:`kiosk_respondent`)."""
    slip = normalize_slip(code)
    form = _form_row(s, session_id)
    if slip and s.get(EvaluationSlip, (form.id, slip)) is not None:
        return answer(s, session_id, values, form_id=slip, channel="code")
    return answer(s, session_id, values, code=code, channel="kiosk")


def answer_paper(s: Session, session_id: uuid.UUID, digits: list[str], texts: list[str] | tuple[str, ...] = (),
                 form_id: str | None = None) -> Receipt:
    """A keyed paper form: one digit per question with boxes, the free texts, the form's id."""
    form = _taking_answers(s, session_id)
    questions = forms.parse_questions(form.questions)
    values = forms.parse_digits(questions, list(digits), list(texts))
    return _put(s, form, questions, values, None, form_id, "paper")


def _truncate_log_after_commit(s: Session) -> None:
    truncate_log(s.get_bind())


def truncate_log(engine: Any) -> bool:
    """Checkpoint the write-ahead log into the database and truncate it, so the file no longer
    holds the earlier states of the ballot box. Best effort: returns False (and logs) when a
    reader kept it from finishing; the next answer (or closing) tries again."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # A reader that stays (another window's long read) must not hold the kiosk up for the
        # whole busy timeout: wait a moment only, and leave the rest to the next answer.
        previous = cur.execute("PRAGMA busy_timeout").fetchone()[0]
        cur.execute("PRAGMA busy_timeout=250")
        try:
            busy = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            cur.execute(f"PRAGMA busy_timeout={int(previous)}")
        cur.close()
        return not busy
    except Exception as err:  # noqa: BLE001 - the answer is committed; truncating is extra
        log.warning("could not truncate the write-ahead log after an evaluation answer: %s", err)
        return False
    finally:
        raw.close()


def close_evaluation(s: Session, session_id: uuid.UUID) -> FormInfo:
    """No more answers; the results are shown from now on."""
    row = _form_row(s, session_id)
    if row.closed_at is not None:
        raise InvalidTransition("The evaluation is closed already.")
    if _session(s, session_id).status == "closed":
        raise InvalidTransition("The session is closed: its evaluation is read-only.")
    row.closed_at = utcnow()
    s.flush()
    info = _info(s, row)
    audit.record(s, "evaluation.closed", session_id=session_id, entity_type="evaluation_form",
                 entity_id=row.id, payload={"answers": info.answers})
    event.listen(s, "after_commit", _truncate_log_after_commit, once=True)
    return info


# --- results -----------------------------------------------------------------------------------

def _checked_box(box: Any) -> list[list[Any]]:
    """The box as stored, or a refusal in one sentence when it was edited behind the app's back."""
    if box is None or box == []:
        return []
    try:  # checked at C speed: a series may hold tens of thousands of answers
        if not isinstance(box, list) or set(map(type, box)) != {list} or set(map(len, box)) != {2}:
            raise TypeError
        keys, values = zip(*box)
        if set(map(type, keys)) != {str} or set(map(type, values)) != {list}:
            raise TypeError
    except (TypeError, ValueError):
        raise ValidationError("The stored answers of this evaluation are damaged (edited outside p311desk); "
                              "restore a backup.") from None
    return box


def _answers(s: Session, form_id: uuid.UUID) -> list[list[Any]]:
    box = _checked_box(s.scalar(select(EvaluationBox.answers).where(EvaluationBox.form_id == form_id)))
    return [values for _key, values in box]


def results(s: Session, session_id: uuid.UUID, lang: str | None = None) -> Results:
    """Per question the distribution, mean and n; the response rate; the free texts. While the
    evaluation takes answers, only their number (``closed`` False, no questions)."""
    info = sessions.get_session(s, session_id)
    row = _form_row(s, session_id)
    lang = lang or info.language or current_language()
    answers = _answers(s, row.id)
    closed = row.closed_at is not None or info.status == "closed"
    questions = tuple(summaries.summarize(forms.parse_questions(row.questions), answers, lang)) if closed else ()
    return Results(session_id, info.title, info.series, lang, len(answers), info.present, closed, questions)


def _series_rows(s: Session, series: str) -> list[ParticipationSession]:
    name = " ".join((series or "").split())
    if not name:
        raise ValidationError("Give the name of a series.")
    rows = list(s.scalars(select(ParticipationSession).where(
        func.lower(ParticipationSession.series) == name.lower())))
    if not rows:
        raise NotFound("No session belongs to the series “{series}”.", series=name)
    far = utcnow().replace(year=9999)
    rows.sort(key=lambda r: (r.starts_at or far, r.created_at))
    return rows


def _date(row: ParticipationSession) -> str:
    return row.starts_at.date().isoformat() if row.starts_at else ""


def trend(s: Session, series: str, lang: str | None = None) -> Trend:
    """The mean and n of each scale question in every session of the series (by date), over the
    evaluations that are closed (an open one would show answers one by one)."""
    rows = _series_rows(s, series)
    lang = lang or current_language()
    items, total = [], 0
    for r, form, answers in _series_boxes(s, rows):
        total += len(answers)
        items.append(summaries.SeriesSession(str(r.id), r.title, _date(r), forms.parse_questions(form.questions),
                                             answers))
    lines = summaries.trend(items, lang)
    return Trend(rows[0].series or series, tuple((i.session_id, i.title, i.starts_at) for i in items),
                 tuple(lines), total)


def _series_boxes(s: Session, rows: list[ParticipationSession]):
    """(session row, form, answers) for each session of the series whose evaluation is closed, in
    two queries (the forms, then their boxes)."""
    forms_by_session = {f.session_id: f for f in s.scalars(
        select(EvaluationForm).where(EvaluationForm.session_id.in_([r.id for r in rows])))}
    boxes = dict(s.execute(select(EvaluationBox.form_id, EvaluationBox.answers).where(
        EvaluationBox.form_id.in_([f.id for f in forms_by_session.values()]))).all())
    for r in rows:
        form = forms_by_session.get(r.id)
        if form is None or not (form.closed_at is not None or r.status == "closed"):
            continue
        yield r, form, [values for _key, values in _checked_box(boxes.get(form.id))]


def series_texts(s: Session, series: str, lang: str | None = None) -> list[SeriesText]:
    """Every free-text answer of the series' closed evaluations, session by session."""
    rows = _series_rows(s, series)
    lang = lang or current_language()
    out = []
    for r, form, answers in _series_boxes(s, rows):
        questions = forms.parse_questions(form.questions)
        free = [(i, q.wording(lang)) for i, q in enumerate(questions) if q.kind == forms.TEXT]
        for values in answers:
            for i, wording in free:
                v = values[i] if i < len(values) else None
                if isinstance(v, str) and v:
                    out.append(SeriesText(r.title, _date(r), wording, v))
    return out


def list_series(s: Session) -> list[str]:
    names = {" ".join(n.split()) for n in s.scalars(select(ParticipationSession.series).where(
        ParticipationSession.series.is_not(None))) if n and n.strip()}
    return sorted(names, key=str.lower)
