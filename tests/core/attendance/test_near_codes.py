"""An unknown code offers the registered people whose code is one slip away; it never picks."""

import uuid

from p311desk.attendance import SearchHit, SearchIndex


def _index(*people):
    index = SearchIndex()
    for name, code, registered in people:
        index.add(SearchHit(uuid.uuid4(), name, None, code, registered), f"{name} {code}".casefold())
    return index


def test_near_codes_are_registered_people_one_slip_away():
    index = _index(("Anna", "KLMN2345", True), ("Berta", "KLMN2346", True), ("Carles", "KLMN2345X", False),
                   ("Dolors", "ZZZZ9999", True), ("Eva", "KLMN2335", False))
    names = lambda text: [h.name for h in index.near_codes(text)]  # noqa: E731
    assert names("KLMN2354") == ["Anna", "Berta"]  # neighbours swapped (Anna) before two wrong (Berta)
    assert names("klmn 2347") == ["Anna", "Berta"]  # one wrong each: by name
    assert names("KLMN2366") == ["Berta", "Anna"]  # one wrong (Berta) before two wrong (Anna)
    assert names("KLMN234") == ["Anna", "Berta"]  # one missing
    assert names("KLMN23455") == ["Anna"]  # one extra
    assert names("KLMN2345") == []  # an exact code is no unknown code
    assert names("AB") == [] and names("") == []
    assert "Eva" not in names("KLMN2336") and "Carles" not in names("KLMN2345Y")  # not registered
    assert names("QQQQ1111") == []


def test_details_tell_namesakes_apart():
    hit = SearchHit(uuid.uuid4(), "Laia Ballester", "l@x.cat", "KLMN2345", True, 1984, "08301", "AV Can Mas")
    assert hit.details() == ["1984", "08301", "AV Can Mas"]
    assert SearchHit(uuid.uuid4(), "Pere", None, "C", True).details() == []
