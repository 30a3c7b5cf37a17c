"""Evaluation forms: a short list of questions — a scale (1–5, or a few labelled levels), a single
choice, or free text — each worded in Catalan, Spanish and English.

A form is plain data (stored as JSON on :class:`~p311desk.models.EvaluationForm`): a list of
question dicts ``{"key", "kind", "text": {lang: str}, "points", "labels", "options"}``. The
built-in template is the one the province's monthly "Dijous GOmunicipal" sessions end with; a
template file is a JSON document ``{"name": ..., "questions": [...]}`` in the same shape, where any
text may also be a single string used for every language.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from p311desk.errors import ValidationError

SCALE, CHOICE, TEXT = "scale", "choice", "text"
KINDS = (SCALE, CHOICE, TEXT)
LANGS = ("ca", "es", "en")
MAX_QUESTIONS = 30
MAX_POINTS = 10
MAX_OPTIONS = 50
MAX_TEXT = 2000  # characters of a free-text answer
_KEY = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class Question:
    """One question of a form. ``labels`` name the points of a scale (empty: numbers 1..points);
    ``options`` are a single choice's options."""

    key: str
    kind: str
    text: dict[str, str]
    points: int = 0
    labels: tuple[dict[str, str], ...] = ()
    options: tuple[dict[str, str], ...] = ()

    def wording(self, lang: str) -> str:
        return localized(self.text, lang)

    def level_labels(self, lang: str) -> list[str]:
        """What each answer value (1, 2, ...) is called, for a scale or a choice."""
        if self.kind == CHOICE:
            return [localized(o, lang) for o in self.options]
        if self.kind == SCALE:
            if self.labels:
                return [localized(lab, lang) for lab in self.labels]
            return [str(i) for i in range(1, self.points + 1)]
        return []

    @property
    def size(self) -> int:
        """How many values the question takes (0 for free text)."""
        return self.points if self.kind == SCALE else len(self.options) if self.kind == CHOICE else 0

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "kind": self.kind, "text": dict(self.text)}
        if self.kind == SCALE:
            data["points"] = self.points
            if self.labels:
                data["labels"] = [dict(lab) for lab in self.labels]
        if self.kind == CHOICE:
            data["options"] = [dict(o) for o in self.options]
        return data


def localized(text: dict[str, str], lang: str) -> str:
    for candidate in (lang, "ca", "en", "es"):
        if text.get(candidate):
            return text[candidate]
    return next((v for v in text.values() if v), "")


def _words(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, str):
        value = {lang: value for lang in LANGS}
    if not isinstance(value, dict) or not value:
        raise ValidationError("{where}: give the text, or a text per language (ca, es, en).", where=where)
    out = {}
    for lang, text in value.items():
        if lang not in LANGS or not isinstance(text, str):
            raise ValidationError("{where}: languages are ca, es and en, each with a text.", where=where)
        text = " ".join(text.split())
        if len(text) > 300:
            raise ValidationError("{where}: a text is too long (at most {max} characters).", where=where, max=300)
        if text:
            out[lang] = text
    if not out:
        raise ValidationError("{where}: the text is empty.", where=where)
    return out


def parse_questions(raw: Any) -> tuple[Question, ...]:
    """Questions from plain data (a template file, the database), checked; refuses with one
    sentence naming the question at fault."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError("A form needs at least one question.")
    if len(raw) > MAX_QUESTIONS:
        raise ValidationError("A form has at most {max} questions.", max=MAX_QUESTIONS)
    questions, keys = [], set()
    for number, item in enumerate(raw, start=1):
        where = f"#{number}"
        if not isinstance(item, dict):
            raise ValidationError("Question {where} is not a question.", where=where)
        kind = item.get("kind")
        if kind not in KINDS:
            raise ValidationError("Question {where}: the kind is scale, choice or text.", where=where)
        key = str(item.get("key") or f"q{number}")
        if not _KEY.match(key) or key in keys:
            raise ValidationError("Question {where}: its key must be unique (a–z, 0–9, _).", where=where)
        keys.add(key)
        text = _words(item.get("text"), where)
        points, labels, options = 0, (), ()
        if kind == SCALE:
            labels = tuple(_words(lab, where) for lab in item.get("labels") or ())
            points = item.get("points", len(labels) or 5)
            if isinstance(points, bool) or not isinstance(points, int) or not 2 <= points <= MAX_POINTS:
                raise ValidationError("Question {where}: a scale has 2 to {max} points.", where=where, max=MAX_POINTS)
            if labels and len(labels) != points:
                raise ValidationError("Question {where}: give one label per point of the scale.", where=where)
        elif kind == CHOICE:
            options = tuple(_words(o, where) for o in item.get("options") or ())
            if not 2 <= len(options) <= MAX_OPTIONS:
                raise ValidationError("Question {where}: a choice has 2 to {max} options.", where=where, max=MAX_OPTIONS)
        questions.append(Question(key, kind, text, points, labels, options))
    return tuple(questions)


def _t(ca: str, es: str, en: str) -> dict[str, str]:
    return {"ca": ca, "es": es, "en": en}


_LEVELS = [_t("Gens", "Nada", "Not at all"), _t("Poc", "Poco", "A little"),
           _t("Força", "Bastante", "Quite"), _t("Molt", "Mucho", "Very much")]
_QUALITY = [_t("Molt malament", "Muy mal", "Very poor"), _t("Malament", "Mal", "Poor"),
            _t("Regular", "Regular", "Fair"), _t("Bé", "Bien", "Good"), _t("Molt bé", "Muy bien", "Very good")]

TEMPLATES: dict[str, dict[str, Any]] = {
    "gomunicipal": {
        "name": "Dijous GOmunicipal",
        "questions": [
            {"key": "content", "kind": SCALE, "points": 5, "labels": _QUALITY,
             "text": _t("Què us ha semblat el contingut de la sessió?", "¿Qué os ha parecido el contenido de la sesión?",
                        "What did you think of the content of the session?")},
            {"key": "duration", "kind": SCALE, "points": 5, "labels": _QUALITY,
             "text": _t("Què us ha semblat la durada?", "¿Qué os ha parecido la duración?",
                        "What did you think of its length?")},
            {"key": "understood", "kind": SCALE, "points": 4, "labels": _LEVELS,
             "text": _t("Creieu que la sessió s'ha entès?", "¿Creéis que la sesión se ha entendido?",
                        "Do you think the session was understood?")},
            {"key": "apply", "kind": SCALE, "points": 4, "labels": _LEVELS,
             "text": _t("Podeu aplicar el que heu après a la feina?", "¿Podéis aplicar lo aprendido en el trabajo?",
                        "Can you apply what you learnt at work?")},
            {"key": "proposal", "kind": TEXT,
             "text": _t("Voleu fer una proposta per a les properes sessions?",
                        "¿Queréis hacer una propuesta para las próximas sesiones?",
                        "Would you like to suggest something for the next sessions?")},
        ],
    },
}
DEFAULT_TEMPLATE = "gomunicipal"


@dataclass(frozen=True)
class Template:
    name: str
    questions: tuple[Question, ...]


def template(name_or_file: str | None) -> Template:
    """A built-in template by name, or a template file (JSON)."""
    ref = (name_or_file or DEFAULT_TEMPLATE).strip()
    if ref.lower() in TEMPLATES:
        data = TEMPLATES[ref.lower()]
        return Template(data["name"], parse_questions(data["questions"]))
    path = Path(ref)
    if path.suffix.lower() != ".json" or not path.is_file():
        raise ValidationError("No form template “{name}”: use {names} or a .json file.",
                              name=ref, names=", ".join(sorted(TEMPLATES)))
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise ValidationError("{file} is not a form template (a JSON file).", file=path.name) from None
    if not isinstance(data, dict):
        raise ValidationError("{file} is not a form template (a JSON file).", file=path.name)
    name = data.get("name") if isinstance(data.get("name"), str) else path.stem
    return Template(" ".join(name.split())[:100] or path.stem, parse_questions(data.get("questions")))


def check_answer(questions: tuple[Question, ...], values: list[Any]) -> list[Any]:
    """The answer as stored (one value per question: an int 1..size, a text, or None), or a
    refusal naming the question."""
    if len(values) != len(questions):
        raise ValidationError("The form has {n} questions; the answer has {m} values.", n=len(questions), m=len(values))
    out: list[Any] = []
    for number, (q, v) in enumerate(zip(questions, values, strict=True), start=1):
        if v is None or v == "":
            out.append(None)
            continue
        if q.kind == TEXT:
            if not isinstance(v, str):
                raise ValidationError("Question {n} takes a text.", n=number)
            from p311desk.text import clean

            text = clean(v).strip()
            if len(text) > MAX_TEXT:
                raise ValidationError("The text of question {n} is too long (at most {max} characters).",
                                      n=number, max=MAX_TEXT)
            out.append(text or None)
            continue
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= q.size:
            raise ValidationError("Question {n} takes a number from 1 to {max}.", n=number, max=q.size)
        out.append(v)
    if all(v is None for v in out):
        raise ValidationError("The answer is empty.")
    return out


def parse_digits(questions: tuple[Question, ...], digits: list[str], texts: list[str]) -> list[Any]:
    """A paper form as keyed: one digit per scale or choice question, in order (0 or - for a
    question left blank; ``4344`` may be typed as one word), then the texts of the free-text
    questions, in order."""
    flat: list[str] = []
    for word in digits:
        word = word.strip()
        if word.isdigit() and len(word) > 1 and all(q.size < 10 for q in questions if q.size):
            flat.extend(word)
        elif word:
            flat.append(word)
    numbered = [q for q in questions if q.kind != TEXT]
    free = [q for q in questions if q.kind == TEXT]
    if len(flat) != len(numbered):
        raise ValidationError("Type {n} digits, one per question with boxes (0 for one left blank); got {m}.",
                              n=len(numbered), m=len(flat))
    if len(texts) > len(free):
        raise ValidationError("The form has {n} free-text questions; got {m} texts.", n=len(free), m=len(texts))
    values: list[Any] = []
    digit_iter, text_iter = iter(flat), iter(texts)
    for number, q in enumerate(questions, start=1):
        if q.kind == TEXT:
            values.append(next(text_iter, None))
            continue
        word = next(digit_iter)
        if word in ("0", "-"):
            values.append(None)
        elif word.isdigit() and len(word) <= 3:
            values.append(int(word))
        else:
            raise ValidationError("Question {n} takes a number from 1 to {max}.", n=number, max=q.size)
    return values
