"""Benchmark: 5,000 proposals in one session.

Goals (issue 4): list/filter/sort in the table model <= 50 ms; export XLSX <= 3 s.
Figures: loading the rows from the database (service), and, when Qt is available, filtering
and sorting them through the page's table model + proxy; then the XLSX/CSV exports.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from p311desk.db import Database  # noqa: E402
from p311desk.models import Proposal  # noqa: E402
from p311desk import proposals
from p311desk import sessions

N = 5000
WORDS = ("parc bancs ombra carril bici escola biblioteca font aigua plaça carrer arbres casal "
         "joves gent gran mercat llum soroll neteja pas vianants").split()


def timed(fn, repeat=5):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def main() -> None:
    rnd = random.Random(4)
    tmp = Path(tempfile.mkdtemp(prefix="p311bench-"))
    db = Database(tmp / "bench.db")
    with db.write() as s:
        sid = sessions.create_session(s, title="Bench", language="ca").id
        sessions.open_session(s, sid)
        for i in range(N):
            title = " ".join(rnd.choice(WORDS) for _ in range(6)).capitalize() + f" {i}"
            s.add(Proposal(id=uuid.uuid4(), session_id=sid, title={"ca": title, "es": title},
                           body={"ca": title * 3}, supports=rnd.randint(0, 200), position=i + 1,
                           author_kind="collective", author_name=f"Taula {i % 12}",
                           paper_form_id=f"F-{i:05d}", tags=["bench"], origin_device="bench"))
    print(f"{N} proposals in {tmp}")

    def load():
        with db.read() as s:
            return proposals.list_proposals(s, sid)

    load_ms, rows = timed(load)
    print(f"service list_proposals: {load_ms:.1f} ms")
    with db.read() as s:
        rank_ms, _ = timed(lambda: proposals.ranking(s, sid))
    print(f"service ranking: {rank_ms:.1f} ms")

    model_ms = filter_ms = sort_ms = None
    try:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        from ui.models.proposals_model import ProposalFilterProxy, ProposalsTableModel
    except ImportError as err:
        print(f"table model not measured ({err})")
    else:
        app = QApplication.instance() or QApplication([])
        model = ProposalsTableModel()
        proxy = ProposalFilterProxy()
        proxy.setSourceModel(model)
        model_ms, _ = timed(lambda: model.set_rows(rows))
        print(f"model set_rows: {model_ms:.1f} ms")

        def flt():
            proxy.set_text("bici escola")
            n = proxy.rowCount()
            proxy.set_text("")
            return n

        filter_ms, _ = timed(flt)
        print(f"proxy filter (type + clear): {filter_ms:.1f} ms")

        def srt():
            proxy.sort(ProposalsTableModel.COL_SUPPORTS, Qt.DescendingOrder)
            proxy.sort(ProposalsTableModel.COL_TITLE, Qt.AscendingOrder)
            return proxy.rowCount()

        sort_ms, _ = timed(srt)
        print(f"proxy sort (supports, then title): {sort_ms:.1f} ms")
        del app

    with db.read() as s:
        t0 = time.perf_counter()
        proposals.export_session(s, sid, tmp / "p.xlsx", "xlsx")
        xlsx_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        proposals.export_session(s, sid, tmp / "p.csv", "csv")
        csv_s = time.perf_counter() - t0
    print(f"export xlsx: {xlsx_s:.2f} s, csv: {csv_s:.2f} s")
    t0 = time.perf_counter()
    with db.read() as s:
        sid_check = proposals.preview_import(s, tmp / "p.xlsx", sid)
    preview_s = time.perf_counter() - t0
    print(f"import preview of the xlsx (all rows already there): {preview_s:.2f} s, "
          f"{sid_check.count('existing')} rows recognised")
    db.close()
    table = (f"model {model_ms:.0f} ms, filter {filter_ms:.0f} ms, sort {sort_ms:.0f} ms (goal 50)"
             if model_ms is not None else "table model n/a")
    print(f"SUMMARY proposals bench: {N} rows; service list {load_ms:.0f} ms; {table}; "
          f"export xlsx {xlsx_s:.2f} s (goal 3 s); csv {csv_s:.2f} s")


if __name__ == "__main__":
    main()
