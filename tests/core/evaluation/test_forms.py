"""Forms: the built-in "Dijous GOmunicipal" template, template files, answers checked, paper digits."""

import json

import pytest

from p311desk import evaluation
from p311desk.errors import ValidationError
from p311desk.evaluation import forms


def test_gomunicipal_template_holds_the_five_questions_in_three_languages():
    tpl = evaluation.template("gomunicipal")
    assert tpl.name == "Dijous GOmunicipal"
    assert [q.wording("ca") for q in tpl.questions] == [
        "Què us ha semblat el contingut de la sessió?",
        "Què us ha semblat la durada?",
        "Creieu que la sessió s'ha entès?",
        "Podeu aplicar el que heu après a la feina?",
        "Voleu fer una proposta per a les properes sessions?",
    ]
    kinds = [(q.kind, q.size) for q in tpl.questions]
    assert kinds == [("scale", 5), ("scale", 5), ("scale", 4), ("scale", 4), ("text", 0)]
    assert tpl.questions[3].level_labels("ca") == ["Gens", "Poc", "Força", "Molt"]
    assert tpl.questions[3].level_labels("es") == ["Nada", "Poco", "Bastante", "Mucho"]
    for q in tpl.questions:
        assert set(q.text) == {"ca", "es", "en"} and all(q.text.values())
    # stored and read back unchanged
    assert forms.parse_questions([q.as_json() for q in tpl.questions]) == tpl.questions


def test_template_file_with_a_choice_and_single_language_texts(tmp_path):
    f = tmp_path / "taller.json"
    f.write_text(json.dumps({"name": "Taller", "questions": [
        {"key": "lloc", "kind": "choice", "text": "On ens heu conegut?", "options": ["Web", "Cartell", "Veïns"]},
        {"kind": "scale", "text": {"ca": "Puntuació", "es": "Puntuación"}},
    ]}), encoding="utf-8")
    tpl = evaluation.template(str(f))
    assert tpl.name == "Taller"
    assert tpl.questions[0].level_labels("es") == ["Web", "Cartell", "Veïns"]
    assert tpl.questions[1].size == 5 and tpl.questions[1].key == "q2"
    assert tpl.questions[1].wording("en") == "Puntuació"  # falls back to Catalan


@pytest.mark.parametrize("content, message", [
    ("not json", "is not a form template"),
    ('{"questions": []}', "at least one question"),
    ('{"questions": [{"kind": "stars", "text": "x"}]}', "scale, choice or text"),
    ('{"questions": [{"kind": "scale", "points": 1, "text": "x"}]}', "2 to 10 points"),
    ('{"questions": [{"kind": "scale", "points": 100000000000000000000, "text": "x"}]}', "2 to 10 points"),
    ('{"questions": [{"kind": "scale", "points": 3, "labels": ["a", "b"], "text": "x"}]}', "one label per point"),
    ('{"questions": [{"kind": "choice", "options": ["a"], "text": "x"}]}', "2 to 50 options"),
    ('{"questions": [{"kind": "text", "text": ""}]}', "text is empty"),
    ('{"questions": [{"key": "a", "kind": "text", "text": "x"}, {"key": "a", "kind": "text", "text": "y"}]}', "unique"),
])
def test_broken_template_files_are_one_sentence(tmp_path, content, message):
    f = tmp_path / "t.json"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        evaluation.template(str(f))


def test_unknown_template_name():
    with pytest.raises(ValidationError, match="No form template"):
        evaluation.template("nope")


def test_answers_are_checked_and_paper_digits_parsed():
    qs = evaluation.template("gomunicipal").questions
    assert forms.parse_digits(qs, ["4", "3", "4", "4"], ["Més pràctica"]) == [4, 3, 4, 4, "Més pràctica"]
    assert forms.parse_digits(qs, ["4344"], []) == [4, 3, 4, 4, None]
    assert forms.parse_digits(qs, ["5", "0", "-", "1"], []) == [5, None, None, 1, None]
    with pytest.raises(ValidationError, match="Type 4 digits"):
        forms.parse_digits(qs, ["4", "3", "4"], [])
    with pytest.raises(ValidationError, match="1 to 4"):
        forms.check_answer(qs, forms.parse_digits(qs, ["4", "3", "5", "4"], []))
    with pytest.raises(ValidationError, match="1 to 5"):
        forms.check_answer(qs, [10**20, None, None, None, None])
    with pytest.raises(ValidationError, match="empty"):
        forms.check_answer(qs, [None] * 5)
    with pytest.raises(ValidationError, match="number from 1 to 5"):
        forms.parse_digits(qs, ["x", "3", "4", "4"], [])
