"""One ballot box per question (issue 15): every channel's ballots in one form.

Adds the ``ballot`` table (an open question's ballot box: ballots, spoilt ballots and batch
counts, with who voted and by which channel), the weight of a paper ballot, and the keyed
digests the votes package keeps on ``vote_question`` (ballot box, eligibility, paper ballots) and
the way a vote is taken (``way``: hands, paper, kiosk, roll call) — all nullable, so existing
rows' audit digests do not change. The three old forms are moved into
it and dropped: ``vote_record`` (open ballots), ``vote_count`` (hand counts, scanned paper and
proxies keyed by magic batch names) and ``secret_ballot`` (a secret question's ballots, moved
into its own ballot-box file beside the database, see ``p311desk.votes.box``).

No table that others reference is rebuilt: new tables, ADD COLUMN, and drops of tables nothing
references.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:10:00
"""
import json
import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import p311desk.models

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    tables = set(sa.inspect(bind).get_table_names())
    if 'ballot' not in tables:
        op.create_table('ballot',
        sa.Column('question_id', sa.Uuid(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('voter_id', sa.Uuid(), nullable=True),
        sa.Column('cast_by_id', sa.Uuid(), nullable=True),
        sa.Column('batch', sa.String(length=100), nullable=True),
        sa.Column('serial', sa.String(length=16), nullable=True),
        sa.Column('choice', sa.JSON(), nullable=True),
        sa.Column('votes', sa.JSON(), nullable=True),
        sa.Column('weight', sa.Integer(), nullable=False),
        sa.Column('spoilt', sa.Boolean(), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', p311desk.models.UTCDateTime(), nullable=False),
        sa.Column('updated_at', p311desk.models.UTCDateTime(), nullable=False),
        sa.Column('origin_device', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['cast_by_id'], ['participant.id'], name=op.f('fk_ballot_cast_by_id_participant')),
        sa.ForeignKeyConstraint(['question_id'], ['vote_question.id'], name=op.f('fk_ballot_question_id_vote_question')),
        sa.ForeignKeyConstraint(['voter_id'], ['participant.id'], name=op.f('fk_ballot_voter_id_participant')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
        sa.UniqueConstraint('question_id', 'voter_id', name=op.f('uq_ballot_question_id'))
        )
        op.create_index(op.f('ix_ballot_question_id'), 'ballot', ['question_id'], unique=False)
    columns = {c["name"] for c in sa.inspect(bind).get_columns("vote_question")}
    for name, ddl in (("box_digest", "VARCHAR(64)"), ("eligibility_digest", "VARCHAR(64)"),
                      ("paper_digest", "VARCHAR(64)"), ("way", "VARCHAR(20)")):
        if name not in columns:
            op.execute(f"ALTER TABLE vote_question ADD COLUMN {name} {ddl}")
    if "weight" not in {c["name"] for c in sa.inspect(bind).get_columns("paper_ballot")}:
        op.execute("ALTER TABLE paper_ballot ADD COLUMN weight INTEGER NOT NULL DEFAULT 1")
    _move_old_forms(bind, tables)


def _move_old_forms(bind, tables: set[str]) -> None:
    now = "2026-12-04 19:10:00.000000"
    device = "migration-0010"
    secret = {r[0] for r in bind.exec_driver_sql("SELECT id FROM vote_question WHERE secret = 1")}
    rows = []

    def add(qid, channel, voter=None, cast_by=None, batch=None, choice=None, votes=None, weight=1, spoilt=False):
        rows.append((uuid.uuid4().hex, qid, channel, voter, cast_by, batch, None,
                     None if choice is None else json.dumps(list(choice)),
                     None if votes is None else json.dumps(votes), int(weight), int(spoilt), now, now, device))

    boxes: dict[str, list] = {}
    if 'vote_record' in tables:
        for qid, pid, cast_by, choice, weight, via in bind.exec_driver_sql(
                "SELECT question_id, participant_id, cast_by_id, choice, weight, via FROM vote_record"):
            add(qid, via or "kiosk", pid, cast_by, None, json.loads(choice), None, weight)
    if 'vote_count' in tables:
        per_batch: dict[tuple[str, str], dict[str, int]] = {}
        for qid, batch, option, count in bind.exec_driver_sql(
                "SELECT question_id, batch, option, count FROM vote_count"):
            per_batch.setdefault((qid, batch), {})[option] = int(count)
        for (qid, batch), counts in per_batch.items():
            channel, name = ("proxy", None) if batch.startswith("proxy:") else \
                ("paper", None) if batch.endswith(":scanned") else ("hands", batch[:100])
            from p311desk.votes.tally import Entry
            entries = []
            options = {int(k): v for k, v in counts.items() if k.isdigit() and v}
            total = counts.get("total")
            if total is None:
                entries += [Entry((k,), v, batch=name) for k, v in options.items()]
            else:
                marked = max(0, total - counts.get("blank", 0))
                entries.append(Entry(None, marked, votes=options, batch=name))
            if counts.get("blank"):
                entries.append(Entry((), counts["blank"], batch=name))
            if counts.get("abstain"):
                entries.append(Entry((-1,), counts["abstain"], batch=name))
            if counts.get("invalid"):
                entries.append(Entry((), counts["invalid"], spoilt=True, batch=name))
            if qid in secret:
                boxes.setdefault(qid, []).extend(entries)
            else:
                for e in entries:
                    add(qid, channel, None, None, e.batch, e.choice, None if e.votes is None else
                        {str(k): v for k, v in e.votes.items()}, e.weight, e.spoilt)
    if 'secret_ballot' in tables:
        from p311desk.votes.tally import Entry

        for qid, choice in bind.exec_driver_sql("SELECT question_id, choice FROM secret_ballot"):
            boxes.setdefault(qid, []).append(Entry(tuple(json.loads(choice)), 1))
    if rows:
        bind.exec_driver_sql(
            "INSERT INTO ballot (id, question_id, channel, voter_id, cast_by_id, batch, serial, choice, votes, "
            "weight, spoilt, created_at, updated_at, origin_device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
    if boxes:
        from p311desk.votes import box

        database = bind.engine.url.database
        folder = Path(database).resolve().parent / box.FOLDER
        box._ensure_folder(folder)
        for qid, entries in boxes.items():
            question = uuid.UUID(qid)
            # box_digest stays NULL (an audited row must not change here): the first ballot
            # after the upgrade records it.
            box.write_file(folder / f"{question.hex}.box", question, entries)
    for table in ("vote_record", "vote_count", "secret_ballot"):
        if table in tables:
            for index in sa.inspect(bind).get_indexes(table):
                op.drop_index(index["name"], table_name=table)
            op.drop_table(table)


def downgrade() -> None:
    raise NotImplementedError("the ballot box is not downgraded; restore the backup taken before upgrading")
