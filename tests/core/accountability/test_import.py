"""Importing a PAM spreadsheet: a realistic Catalan file (three levels, merged title rows), the
all-or-nothing rules, updating in place, and the round trip through Decidim's results CSV."""

import csv
import datetime as dt

import pytest

from p311desk import accountability as A
from p311desk.db import Database
from p311desk.errors import ValidationError
from p311desk.models import AccountabilityItem, AccountabilityPlan
from tests.fixtures.accountability.pam import HEADER, actions, write_pam

ON = dt.date(2026, 9, 30)


@pytest.fixture
def db(tmp_path):
    d = Database(tmp_path / "a.db")
    yield d
    d.close()


def _import(db, path, **kw):
    with db.write() as s:
        p = A.preview_file(s, path)
        r = A.commit(s, p, **kw)
    return p, r


def test_realistic_pam_three_levels_merged_title_rows(db, tmp_path):
    path = write_pam(tmp_path / "pam.xlsx")
    with db.read() as s:
        p = A.preview_file(s, path)
    assert p.title == "Ajuntament de Fictícia de Mar — Pla d'Actuació Municipal 2024–2027"
    assert p.errors == 0
    kinds = [r.kind for r in p.rows]
    assert kinds.count("objective") == 3 and kinds.count("specific") == 5 and kinds.count("action") == 10
    # The footer under the last action is a title row without actions: left out, with a warning.
    assert [r.title for r in p.rows if r.kind == "note"] == ["Font: Oficina del PAM. Totes les dades són inventades."]
    assert p.warnings == 1
    with pytest.raises(ValidationError):
        with db.write() as s:
            A.commit(s, A.preview_file(s, path))  # warnings not accepted: nothing written
    with db.read() as s:
        assert s.query(AccountabilityPlan).count() == 0
    _p, result = _import(db, path, accept_warnings=True)
    assert result.actions == 10 and result.created == 18
    with db.read() as s:
        view = A.plan_view(s, result.plan_id, on=ON)
    assert [o.title for o in view.objectives] == ["Una ciutat sostenible i verda", "Una ciutat cohesionada i acollidora",
                                                  "Un ajuntament obert i transparent"]
    first = view.objectives[0]
    assert [g for g, _f in first.groups] == ["1.1 Mobilitat sostenible", "1.2 Residus i neteja"]
    # The specific objective's cell is merged down over its actions: each of them belongs to it.
    assert [a.group_title for a in first.actions[:3]] == ["1.1 Mobilitat sostenible"] * 3
    by_code = {a.code: a for a in view.actions}
    assert [a.number for a in view.actions] == list(range(1, 11))
    assert by_code["1.1.1"].progress == 75 and by_code["1.1.1"].sdgs == (3, 11)  # a percent-formatted cell
    assert by_code["1.1.3"].start_date == dt.date(2024, 9, 1)  # dd/mm/yyyy text
    assert by_code["2.1.1"].progress == 75  # "Fase 3": the third of the four steps
    assert by_code["1.2.1"].budget == 1250000 and by_code["1.2.1"].responsible == "Servei de Medi Ambient"
    # Figures weighted by budget (every action has one).
    rows = actions()
    progress = {c: (75.0 if p == "Fase 3" else p * 100) for c, _t, _r, _o, _s, _e, p, _b in rows}
    budget = {c: b for c, *_x, b in rows}
    expected = sum(progress[c] * budget[c] for c in budget) / sum(budget.values())
    assert view.figures.by_budget and view.figures.progress == pytest.approx(expected)
    assert view.figures.deviation == pytest.approx(view.figures.progress - view.figures.planned)
    assert view.figures.bands == (1, 1, 2, 3, 3)


def test_round_trip_through_decidim_csv(db, tmp_path):
    path = write_pam(tmp_path / "pam.xlsx")
    _p, result = _import(db, path, accept_warnings=True)
    out = tmp_path / "results.csv"
    with db.read() as s:
        n = A.export_plan(s, result.plan_id, out, "decidim-csv")
        before = A.plan_view(s, result.plan_id, on=ON)
    assert n == 18
    with out.open(encoding="utf-8") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    sample = (tmp_path.parents[0] / "x")  # noqa: F841
    assert table[0] == ["id", "parent/id", "title/ca", "title/es", "description/ca", "description/es", "start_date",
                        "end_date", "status/id", "progress", "category/id", "scope/id", "proposal_urls"]
    ids = {r[0] for r in table[1:]}
    assert all(r[0].isdigit() for r in table[1:]), "Decidim keeps parent/id in an integer column"
    assert all(r[1] in ids for r in table[1:] if r[1])
    other = Database(tmp_path / "b.db")
    try:
        with other.write() as s:
            p2 = A.preview_file(s, out)
            assert p2.layout == "decidim-csv" and p2.errors == 0 and p2.warnings == 0
            plan2 = A.commit(s, p2).plan_id
        with other.read() as s:
            after = A.plan_view(s, plan2, on=ON)
    finally:
        other.close()

    def shape(view):
        return [(o.code, o.title, [(g) for g, _f in o.groups],
                 [(a.number, a.code, a.title, a.responsible, a.sdgs, a.start_date, a.end_date, a.progress, a.budget,
                   a.group_title) for a in o.actions]) for o in view.objectives]

    assert shape(after) == shape(before)
    assert after.figures == before.figures


def test_the_shared_sample_reads_as_a_plan(db):
    from pathlib import Path

    sample = Path(__file__).parents[2] / "fixtures" / "accountability" / "accountability_results.csv"
    with db.read() as s:
        p = A.preview_file(s, sample)
    assert p.layout == "decidim-csv" and p.errors == 0
    assert [(r.kind, r.title) for r in p.rows] == [("objective", "Renovació de la plaça Fictícia"),
                                                   ("action", "Instal·lació de bancs"),
                                                   ("action", "Noves fonts d'aigua")]


def test_bad_values_are_errors_and_nothing_is_written(db, tmp_path):
    path = tmp_path / "pam.csv"
    path.write_text(
        "Pla de prova\n"
        "Codi;Objectiu estratègic;Actuació;Inici;Final;Grau d'execució;Pressupost;ODS\n"
        "1.1;Ciutat;Bona;01/01/2025;31/12/2025;40;1000;11\n"
        "1.2;Ciutat;Data dolenta;31/02/2025;31/12/2025;40;1000;11\n"
        "1.3;Ciutat;Massa progrés;01/01/2025;31/12/2025;150;1000;11\n"
        "1.4;Ciutat;Pressupost enorme;01/01/2025;31/12/2025;40;100000000000000000000;11\n"
        "1.5;Ciutat;ODS 18;01/01/2025;31/12/2025;40;1000;18\n"
        "1.6;Ciutat;Al revés;01/01/2026;31/12/2025;40;1000;11\n", encoding="utf-8")
    with db.read() as s:
        p = A.preview_file(s, path)
    assert p.title == "Pla de prova"
    assert [r.status for r in p.rows if r.kind == "action"] == ["new", "error", "error", "error", "error", "error"]
    assert {pr.column for pr in p.problems} == {"Inici", "Grau d'execució", "Pressupost", "ODS", "Final"}
    with pytest.raises(ValidationError):
        with db.write() as s:
            A.commit(s, A.preview_file(s, path), accept_warnings=True)
    with db.read() as s:
        assert s.query(AccountabilityItem).count() == 0 and s.query(AccountabilityPlan).count() == 0


def test_a_file_without_actions_or_header_is_one_sentence(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Nom;Cognoms\nAnna;Puig\n", encoding="utf-8")
    with db.read() as s, pytest.raises(ValidationError) as err:
        A.preview_file(s, path)
    assert "header" in str(err.value) or "column" in str(err.value)


def test_reimport_updates_in_place_and_keeps_questions(db, tmp_path):
    from openpyxl import load_workbook

    from p311desk import sessions

    path = write_pam(tmp_path / "pam.xlsx")
    _p, first = _import(db, path, accept_warnings=True)
    with db.write() as s:
        sid = sessions.create_session(s, title="Retiment de comptes", kind="accountability").id
        sessions.open_session(s, sid)
        A.link_session(s, sid, first.plan_id)
        A.ask(s, sid, "1.1.2", "Quan s'acabarà el carril bici?")
    wb = load_workbook(path)
    ws = wb.active
    for row in ws.iter_rows(min_row=5):
        if row[0].value == "1.1.1":
            row[7].value = 0.9
    wb.save(path)
    p, second = _import(db, path, accept_warnings=True)
    assert second.plan_id == first.plan_id and second.created == 0 and second.updated == 1
    with db.read() as s:
        assert s.query(AccountabilityPlan).count() == 1 and s.query(AccountabilityItem).count() == 18
        view = A.plan_view(s, first.plan_id)
        assert next(a for a in view.actions if a.code == "1.1.1").progress == 90
    # Dropping the action a question was asked about is refused, all or nothing.
    for row in ws.iter_rows(min_row=5):
        if row[0].value == "1.1.2":
            for cell in row:
                if type(cell).__name__ == "Cell":
                    cell.value = None
    wb.save(path)
    with db.read() as s:
        p = A.preview_file(s, path)
    assert p.errors == 1 and p.kept == ["Carril bici entre el barri de Mentida i l'estació"]


@pytest.mark.parametrize("value, expected", [
    ("40", 40), ("40 %", 40), ("40,5%", 40.5), ("2/4", 50), ("Fase 4", 100), ("etapa 1", 25), (None, None),
    ("", None), (0, 0), (100, 100)])
def test_progress_cells(value, expected):
    assert A.parse_progress(value) == expected


@pytest.mark.parametrize("value", ["150", "-3", "5/4", "molt", True, 1e20, float("nan")])
def test_progress_cells_refused(value):
    with pytest.raises(ValueError):
        A.parse_progress(value)


def test_budget_cells():
    from p311desk.accountability.importing import parse_budget

    assert parse_budget("12.000 €") == 12000
    assert parse_budget("12.000,50 €") == 12000.5
    assert parse_budget("1,2 M€") == 1_200_000
    assert parse_budget(420000) == 420000
    assert parse_budget("1.250.000") == 1_250_000
    for bad in ("10^20", "-5", 1e20, "molts"):
        with pytest.raises(ValueError):
            parse_budget(bad)
    assert HEADER[2] == "Actuació"
