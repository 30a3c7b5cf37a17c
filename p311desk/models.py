"""The domain model and its storage mapping (SQLAlchemy 2.0 typed declarative classes).

Identity, time and origin are uniform: every row that can travel to the platform has a UUID made
on this laptop (the idempotency key for sync), ``created_at``/``updated_at`` in UTC and the id of
the device that created it. Timestamps are stored as UTC and always come back timezone-aware.

The schema is owned by Alembic (``p311desk/migrations``): change a class here, then add a
migration. ``tests/core/test_migrations.py`` fails when the two disagree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

UTC = dt.timezone.utc


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A datetime stored as naive UTC and returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dt.datetime: UTCDateTime,
        uuid.UUID: Uuid,
        dict[str, Any]: JSON,
        dict[str, str]: JSON,
        list[Any]: JSON,
        list[str]: JSON,
    }


class Tracked:
    """Identity and provenance shared by every row that can travel to the platform."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    origin_device: Mapped[str] = mapped_column(String(36))


# --- settings and platform cache -------------------------------------------------------------


class Setting(Base):
    """Typed domain settings live in :mod:`p311desk.settings`; this is their store."""

    __tablename__ = "setting"
    __audit_entity__ = "setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class Platform(Base):
    """A Decidim platform this installation talks to (a profile). No secret is ever stored here:
    the password or API secret lives in the OS keyring under ``p311desk:<host>`` and ``account``.
    """

    __tablename__ = "platform"
    __audit_entity__ = "platform"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    host: Mapped[str] = mapped_column(String(255), unique=True)  # the organisation (with :port if any)
    sign_in: Mapped[str] = mapped_column(String(10), default="session")  # session | api
    account: Mapped[str | None] = mapped_column(String(320))  # e-mail or API key (not a secret)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    capabilities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    probed_at: Mapped[dt.datetime | None]
    last_pull_at: Mapped[dt.datetime | None]
    last_pull: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the last pull's summary
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Space(Tracked, Base):
    """A participatory space (process, assembly) cached from the platform, or created locally."""

    __tablename__ = "space"
    platform_host: Mapped[str | None] = mapped_column(String(255))
    decidim_id: Mapped[str | None] = mapped_column(String(40))
    space_type: Mapped[str] = mapped_column(String(40), default="participatory_process")
    slug: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[dict[str, str]] = mapped_column(default=dict)
    fetched_at: Mapped[dt.datetime | None]
    remote_updated_at: Mapped[dt.datetime | None]  # the platform's updatedAt when last pulled
    # What tells two spaces of the same title apart: a process's start/end dates, an assembly's
    # creation/closing dates, and the subtitle (translations).
    starts_on: Mapped[dt.date | None]
    ends_on: Mapped[dt.date | None]
    subtitle: Mapped[dict[str, str] | None] = mapped_column(default=None)

    components: Mapped[list[Component]] = relationship(back_populates="space")
    __table_args__ = (UniqueConstraint("platform_host", "space_type", "decidim_id"),)


class Component(Tracked, Base):
    """A component of a space (proposals, meetings...) with its settings (e.g. title limits)."""

    __tablename__ = "component"
    space_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    decidim_id: Mapped[str | None] = mapped_column(String(40))
    manifest_name: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict[str, str]] = mapped_column(default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fetched_at: Mapped[dt.datetime | None]
    platform_host: Mapped[str | None] = mapped_column(String(255))
    remote_updated_at: Mapped[dt.datetime | None]

    space: Mapped[Space] = relationship(back_populates="components")
    __table_args__ = (
        Index("uq_component_platform_remote", "platform_host", "manifest_name", "decidim_id", unique=True),
    )


class Taxonomy(Tracked, Base):
    """A category, scope or (0.30+) taxonomy of a space, cached for offline classification.

    Categories belong to a space; scopes and taxonomies belong to the organisation (``space_id``
    empty when pulled from a platform)."""

    __tablename__ = "taxonomy"
    space_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # category | scope | taxonomy
    decidim_id: Mapped[str | None] = mapped_column(String(40))
    parent_decidim_id: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[dict[str, str]] = mapped_column(default=dict)
    platform_host: Mapped[str | None] = mapped_column(String(255))
    __table_args__ = (
        Index("uq_taxonomy_platform_remote", "platform_host", "kind", "decidim_id", unique=True),
    )


class Meeting(Base):
    """A Decidim meeting cached from the platform, so a session can be linked to it offline."""

    __tablename__ = "meeting"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    platform_host: Mapped[str] = mapped_column(String(255))
    decidim_id: Mapped[str] = mapped_column(String(40))
    component_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("component.id", ondelete="SET NULL"))
    reference: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[dict[str, str]] = mapped_column(default=dict)
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    address: Mapped[str] = mapped_column(String(300), default="")
    location: Mapped[dict[str, str]] = mapped_column(default=dict)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    remote_updated_at: Mapped[dt.datetime | None]
    fetched_at: Mapped[dt.datetime | None]
    __table_args__ = (Index("uq_meeting_platform_remote", "platform_host", "decidim_id", unique=True),)


# --- sessions and people ---------------------------------------------------------------------


class ParticipationSession(Tracked, Base):
    """A face-to-face meeting or an assembly sitting, run offline."""

    __tablename__ = "participation_session"
    __audit_entity__ = "session"
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="meeting")  # meeting | assembly
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | open | closed
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    place: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(5), default="ca")
    notes: Mapped[str] = mapped_column(Text, default="")
    enforce_min_age: Mapped[bool] = mapped_column(Boolean, default=True)
    min_age: Mapped[int] = mapped_column(Integer, default=14)
    opened_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    space_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("space.id", ondelete="SET NULL"))
    component_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("component.id", ondelete="SET NULL")
    )
    decidim_meeting_id: Mapped[str | None] = mapped_column(String(40))
    # The series the session belongs to (e.g. "Dijous GOmunicipal"), for the evaluation trend.
    # Nullable so that adding the column left every audit digest as it was.
    series: Mapped[str | None] = mapped_column(String(200), index=True)

    space: Mapped[Space | None] = relationship()
    component: Mapped[Component | None] = relationship()


class Participant(Tracked, Base):
    """A person known to this installation (the municipality's registry)."""

    __tablename__ = "participant"
    __audit_entity__ = "participant"
    __audit_exclude__ = ("document_hash",)
    given_name: Mapped[str] = mapped_column(String(200), default="")
    family_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    birth_year: Mapped[int | None]
    # "14 or older" confirmed by the person without giving a birth date.
    age_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Document ids (DNI/NIE) are kept as a keyed fingerprint (HMAC; participants.registry) unless
    # the user chose to store them. Never exported (info "private"); not in the audit digest: a
    # derived value that a key rotation re-computes (the clear id, when kept, is covered).
    document_hash: Mapped[str | None] = mapped_column(String(64), index=True, info={"private": True})
    document_id: Mapped[str | None] = mapped_column(String(40))
    checkin_code: Mapped[str] = mapped_column(String(40), unique=True)
    # Lower-case, accent-free "given family email code" for fast search as you type.
    search_key: Mapped[str] = mapped_column(Text, default="")
    organisation: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20), default="manual")
    consent_version: Mapped[str | None] = mapped_column(String(40))
    consent_at: Mapped[dt.datetime | None]
    decidim_user_name: Mapped[str | None] = mapped_column(String(200))

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)


class Registration(Tracked, Base):
    """A participant expected at a session (imported list or Decidim meeting registration)."""

    __tablename__ = "registration"
    __audit_entity__ = "registration"
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("participation_session.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str | None] = mapped_column(String(40))  # Decidim registration code
    decidim_registration_id: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20), default="import")
    # Voting weight for assemblies (e.g. an entity's delegate); 1 for everyone else.
    weight: Mapped[float] = mapped_column(Float, default=1.0)

    participant: Mapped[Participant] = relationship()
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id"),
        # Check-in by a scanned Decidim registration code looks it up within the session.
        Index("ix_registration_session_code", "session_id", "code"),
    )


class Attendance(Tracked, Base):
    """A check-in of a participant at a session. Undo sets ``cancelled_at``; rows are kept."""

    __tablename__ = "attendance"
    __audit_entity__ = "attendance"
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("participation_session.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    checked_in_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    method: Mapped[str] = mapped_column(String(20), default="name")  # qr | name | walkin | import
    cancelled_at: Mapped[dt.datetime | None]

    participant: Mapped[Participant] = relationship()
    __table_args__ = (
        Index(
            "uq_attendance_present",
            "session_id",
            "participant_id",
            unique=True,
            sqlite_where=text("cancelled_at IS NULL"),
        ),
    )


# --- proposals -------------------------------------------------------------------------------


class Proposal(Tracked, Base):
    """A proposal captured in the room (or imported), ready to become a Decidim proposal."""

    __tablename__ = "proposal"
    __audit_entity__ = "proposal"
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participation_session.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[dict[str, str]] = mapped_column(default=dict)  # {locale: text}
    body: Mapped[dict[str, str]] = mapped_column(default=dict)
    author_kind: Mapped[str] = mapped_column(String(20), default="session")
    # participant | collective | organisation | session
    author_participant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL")
    )
    author_name: Mapped[str] = mapped_column(String(200), default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("taxonomy.id", ondelete="SET NULL")
    )
    scope_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("taxonomy.id", ondelete="SET NULL"))
    tags: Mapped[list[str]] = mapped_column(default=list)
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    paper_form_id: Mapped[str | None] = mapped_column(String(60), index=True)
    supports: Mapped[int] = mapped_column(Integer, default=0)
    # On a platform proposal (source "decidim"): how many of ``supports`` were counted in the
    # room. A re-import of the platform's export sets supports = platform count + these.
    # NULL = none (nullable so that adding the column left every audit digest as it was).
    local_supports: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    vote_question_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vote_question.id", ondelete="SET NULL")
    )
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(20), default="room")  # room | paper | import | decidim
    status: Mapped[str] = mapped_column(String(20), default="draft")
    decidim_id: Mapped[str | None] = mapped_column(String(40))
    decidim_reference: Mapped[str | None] = mapped_column(String(80))
    decidim_state: Mapped[str | None] = mapped_column(String(40))
    component_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("component.id", ondelete="SET NULL")
    )
    # Pulled from a platform (sync part 1): where it came from, the platform's updatedAt, and
    # when it was last written from the platform (a later local edit has updated_at after it).
    platform_host: Mapped[str | None] = mapped_column(String(255))
    remote_updated_at: Mapped[dt.datetime | None]
    pulled_at: Mapped[dt.datetime | None]
    __table_args__ = (Index("uq_proposal_platform_remote", "platform_host", "decidim_id", unique=True),)


# --- votes (p311desk/votes) --------------------------------------------------------------------


class Body(Tracked, Base):
    """A standing body (òrgan de participació, council) whose members vote in its sessions."""

    __tablename__ = "body"
    __audit_entity__ = "body"
    name: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class BodyMember(Tracked, Base):
    """A member of a body with a role and an integer vote weight (an entity may have 2 votes)."""

    __tablename__ = "body_member"
    __audit_entity__ = "body_member"
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("body.id"), index=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"), index=True)
    role: Mapped[str] = mapped_column(String(100), default="")
    weight: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (UniqueConstraint("body_id", "participant_id"),)


class Delegation(Tracked, Base):
    """A member's vote carried by another member of the same body, for one session."""

    __tablename__ = "delegation"
    __audit_entity__ = "delegation"
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_session.id"), index=True)
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("body.id"))
    from_participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"))
    to_participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"))
    entered_by: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[dt.datetime | None]
    __table_args__ = (
        Index("uq_delegation_active", "session_id", "body_id", "from_participant_id", unique=True,
              sqlite_where=text("revoked_at IS NULL")),
    )


class VoteQuestion(Tracked, Base):
    """A question put to the vote in a session: method, options, rules and its lifecycle.

    ``result`` holds the tally frozen at close (counts, outcome; never per-voter data of a secret
    vote) and ``ballot_digest`` the SHA-256 of the sorted ballot set, also in the audit log."""

    __tablename__ = "vote_question"
    __audit_entity__ = "vote_question"
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("participation_session.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[list[Any]] = mapped_column(default=list)
    method: Mapped[str] = mapped_column(String(20), default="yes_no")
    # yes_no | single | multiple | points | budget
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    weighted: Mapped[bool] = mapped_column(Boolean, default=False)
    body_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("body.id"))
    min_selections: Mapped[int] = mapped_column(Integer, default=1)
    max_selections: Mapped[int] = mapped_column(Integer, default=1)
    points: Mapped[str] = mapped_column(String(10), default="")  # borda | dots
    dots: Mapped[int] = mapped_column(Integer, default=0)
    dots_max: Mapped[int] = mapped_column(Integer, default=0)
    costs: Mapped[list[Any]] = mapped_column(default=list)  # integer cost per option (budgets)
    budget: Mapped[int | None] = mapped_column(Integer)
    spending_limit: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(20), default="greedy")  # greedy | equal_shares
    quorum_num: Mapped[int | None] = mapped_column(Integer)
    quorum_den: Mapped[int | None] = mapped_column(Integer)
    quorum_by: Mapped[str] = mapped_column(String(10), default="headcount")  # headcount | weight
    majority: Mapped[str] = mapped_column(String(20), default="simple")
    majority_of: Mapped[str] = mapped_column(String(10), default="cast")  # cast | present | members
    abstentions_count: Mapped[bool] = mapped_column(Boolean, default=False)
    tie_rule: Mapped[str] = mapped_column(String(10), default="tie")  # tie | casting
    casting_vote: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | open | closed
    opened_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ballot_digest: Mapped[str | None] = mapped_column(String(64))
    # Keyed digests kept current by the votes package and recomputed by ``audit verify``: the
    # ballot box after every ballot, the eligibility snapshot (weights), the paper ballots.
    box_digest: Mapped[str | None] = mapped_column(String(64))
    # How the vote is taken, chosen when it is created: hands | paper | kiosk | roll_call
    # (NULL: any way, as before issue 21). The Votes page shows that way's controls.
    way: Mapped[str | None] = mapped_column(String(20))
    eligibility_digest: Mapped[str | None] = mapped_column(String(64))
    paper_digest: Mapped[str | None] = mapped_column(String(64))


class VoteEligibility(Base):
    """Who may vote on a question, snapshot when it opens: weight, presence, and who carries the
    vote of an absent member (a delegate present at opening)."""

    __tablename__ = "vote_eligibility"
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vote_question.id"), primary_key=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    carried_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("participant.id"), index=True)


class VoteParticipation(Base):
    """That a voter has voted (stops double votes), on any channel: ``via`` is kiosk, roll_call,
    cli, proxy, or paper (handed a paper ballot: they vote on paper and nowhere else). No
    timestamp and no link to any ballot: a secret vote's choices live only in its ballot box."""

    __tablename__ = "vote_participation"
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vote_question.id"), primary_key=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    cast_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("participant.id"))
    via: Mapped[str] = mapped_column(String(20), default="kiosk")


class Ballot(Tracked, Base):
    """The ballot box of an open (named) question: one form for every channel.

    An entry is a ballot (``choice``: its marks; ``weight``: the ballots or weight units it
    stands for), a spoilt ballot (``spoilt``), or the count of a batch (``choice`` NULL,
    ``votes``: option -> votes, ``weight``: the ballots with marks). ``batch`` names a batch of
    hand counts (a name the user typed; it never touches another channel's entries). A secret
    question's ballots are not here but in a ballot-box file of their own
    (:mod:`p311desk.votes.box`), with the same entry fields and nothing else.
    Audited through ``vote_question.box_digest`` (recomputed by ``audit verify``)."""

    __tablename__ = "ballot"
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vote_question.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # kiosk | roll_call | cli | proxy | paper | hands
    voter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("participant.id"))
    cast_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("participant.id"))
    batch: Mapped[str | None] = mapped_column(String(100))
    serial: Mapped[str | None] = mapped_column(String(16))
    choice: Mapped[list[Any] | None] = mapped_column(JSON)
    votes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    spoilt: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (UniqueConstraint("question_id", "voter_id"),)


class PaperBallot(Base):
    """A printed ballot's serial; ``counted`` once scanned (a second scan is refused). ``weight``:
    the weight units it carries (a weighted question's ballot is issued to one member, and the
    weight is part of its signed serial)."""

    __tablename__ = "paper_ballot"
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vote_question.id"), primary_key=True)
    serial: Mapped[str] = mapped_column(String(16), primary_key=True)
    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    weight: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class SessionClosing(Base):
    """One stage of closing a session: count, results, minutes generated, minutes signed."""

    __tablename__ = "session_closing"
    __audit_entity__ = "session_closing"
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_session.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(30), primary_key=True)
    done_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_by: Mapped[str] = mapped_column(String(200), default="")
    document_name: Mapped[str | None] = mapped_column(String(300))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


# --- accountability (p311desk/accountability) ---------------------------------------------------


class AccountabilityPlan(Tracked, Base):
    """A municipal action plan (PAM): imported from a spreadsheet, or the results of an
    accountability component pulled from a platform (one plan per component)."""

    __tablename__ = "accountability_plan"
    __audit_entity__ = "accountability_plan"
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20), default="spreadsheet")  # spreadsheet | platform
    language: Mapped[str] = mapped_column(String(5), default="ca")
    source_file: Mapped[str] = mapped_column(String(300), default="")
    platform_host: Mapped[str | None] = mapped_column(String(255))
    component_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("component.id", ondelete="SET NULL"))
    decidim_component_id: Mapped[str | None] = mapped_column(String(40))
    pulled_at: Mapped[dt.datetime | None]
    __table_args__ = (
        Index("uq_accountability_plan_remote", "platform_host", "decidim_component_id", unique=True),
    )


class AccountabilityItem(Tracked, Base):
    """One node of a plan: a strategic objective, a specific objective or an action (a leaf).

    ``number`` is the action's number in the plan (1, 2, ... in plan order; NULL for objectives),
    ``code`` the plan's own numbering ("1.2.3") when it has one. Progress and planned progress are
    0-100 (NULL: not reported); ``planned`` is the file's plan when it gives one, else the figures
    interpolate between the dates. Budget in euros."""

    __tablename__ = "accountability_item"
    __audit_entity__ = "accountability_item"
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accountability_plan.id"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accountability_item.id"), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    number: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[dict[str, str]] = mapped_column(default=dict)
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    responsible: Mapped[str] = mapped_column(String(300), default="")
    sdgs: Mapped[list[Any]] = mapped_column(default=list)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    progress: Mapped[float | None] = mapped_column(Float)
    planned: Mapped[float | None] = mapped_column(Float)
    budget: Mapped[float | None] = mapped_column(Float)
    status: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"id", "key", "name": {locale: text}}
    classification: Mapped[list[Any]] = mapped_column(default=list)  # [{"kind", "id", "name"}]
    decidim_id: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(80))
    commentable_type: Mapped[str | None] = mapped_column(String(80))
    remote_updated_at: Mapped[dt.datetime | None]
    __table_args__ = (Index("ix_accountability_item_plan_decidim", "plan_id", "decidim_id"),)


class AccountabilitySession(Base):
    """Which plan an accountability session presents."""

    __tablename__ = "accountability_session"
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_session.id"), primary_key=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accountability_plan.id"), index=True)
    linked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AccountabilityQuestion(Tracked, Base):
    """A question asked in a session about one action. It names its author only with the
    person's consent (``author_participant_id`` and ``author_name`` are empty otherwise)."""

    __tablename__ = "accountability_question"
    __audit_entity__ = "accountability_question"
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_session.id"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accountability_item.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_participant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("participant.id"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- sync and audit --------------------------------------------------------------------------


class OutboxItem(Base):
    """A change that must reach the platform, written in the same transaction as the change.

    The state machine and its rules live in :mod:`p311desk.outbox`. ``payload`` holds only the
    references given when the item was queued (never the request: that is built from the current
    local data when the item is sent, and frozen in ``request`` once sending began). ``seq`` is
    the order in which items are sent; ``depends_on`` lists the ids of items that must be sent
    first (an update waits for its create, a meeting closure for the proposals it links).
    """

    __tablename__ = "outbox"
    __audit_entity__ = "outbox_item"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    session_id: Mapped[uuid.UUID | None]
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID]
    operation: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    # pending | sending | sent | failed | unknown | rejected | superseded | waiting_upload
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None]
    remote_id: Mapped[str | None] = mapped_column(String(80))
    sent_at: Mapped[dt.datetime | None]
    # Sync, part 2: the redesigned outbox.
    depends_on: Mapped[list[str]] = mapped_column(default=list)
    request: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    platform: Mapped[str | None] = mapped_column(String(255))
    last_attempt_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)


class RemoteId(Base):
    """The local↔remote id map: which platform object a local row became (or was matched to)."""

    __tablename__ = "remote_id"
    __audit_entity__ = "remote_id"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(255))
    entity_type: Mapped[str] = mapped_column(String(40))
    local_id: Mapped[uuid.UUID]
    remote_id: Mapped[str] = mapped_column(String(80))
    how: Mapped[str] = mapped_column(String(20), default="created")  # created | found | reconciled
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    __table_args__ = (
        UniqueConstraint("platform", "entity_type", "local_id", name="uq_remote_id_local"),
        UniqueConstraint("platform", "entity_type", "remote_id", name="uq_remote_id_remote"),
    )


class SyncLogEntry(Base):
    """One line of the sync log: an attempt, its outcome and the server's message (no secrets)."""

    __tablename__ = "sync_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    item_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    session_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    platform: Mapped[str | None] = mapped_column(String(255))
    operation: Mapped[str] = mapped_column(String(40), default="")
    entity_type: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID | None]
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    event: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    http_status: Mapped[int | None]


class AuditEvent(Base):
    """An append-only, HMAC-chained record of a state change. See ``p311desk/audit.py``.

    ``seq`` is AUTOINCREMENT: a number is never used twice, even after the last events are deleted."""

    __tablename__ = "audit_event"
    __table_args__ = {"sqlite_autoincrement": True}
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    device_id: Mapped[str] = mapped_column(String(36))
    session_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID | None]
    payload: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON, hashed as is
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditState(Base):
    """The state digest of one audited row recorded by an event (``digest`` NULL: row deleted).

    Tables opt in with ``__audit_entity__`` on their model; see ``p311desk/audit.py``."""

    __tablename__ = "audit_state"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    digest: Mapped[str | None] = mapped_column(String(64))


class ImportMapping(Base):
    """A column mapping the user confirmed, remembered by the signature of the file's headers."""

    __tablename__ = "import_mapping"
    __audit_entity__ = "import_mapping"
    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --- session evaluation (p311desk/evaluation) ----------------------------------------------------


class EvaluationForm(Tracked, Base):
    """The evaluation form attached to a session: its questions (plain JSON, see
    :mod:`p311desk.evaluation.forms`), editable until the first answer."""

    __tablename__ = "evaluation_form"
    __audit_entity__ = "evaluation_form"
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participation_session.id"), unique=True)
    template: Mapped[str] = mapped_column(String(100), default="")
    questions: Mapped[list[Any]] = mapped_column(default=list)
    # Answers are taken until the evaluation closes; its results are shown from then on.
    closed_at: Mapped[dt.datetime | None]


class EvaluationBox(Base):
    """The ballot box of a session's evaluation: every answer, as one list sorted by each
    answer's random key, rewritten whole on every answer (so neither the row order nor the byte
    layout keeps the order of answering). No time, no respondent, never audited per row.
    ``answers``: ``[[key, [value per question]], ...]``."""

    __tablename__ = "evaluation_box"
    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluation_form.id"), primary_key=True)
    answers: Mapped[list[Any]] = mapped_column(default=list)
    count: Mapped[int] = mapped_column(Integer, default=0)


class EvaluationRespondent(Base):
    """*That* a checked-in person answered (stops a second answer). No time, no link to an answer."""

    __tablename__ = "evaluation_respondent"
    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluation_form.id"), primary_key=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    __table_args__ = ({"sqlite_with_rowid": False},)


class EvaluationSlip(Base):
    """A printed form's id (also a one-time kiosk code); ``used`` once its answer is in."""

    __tablename__ = "evaluation_slip"
    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluation_form.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = ({"sqlite_with_rowid": False},)
