"""The one reader of tabular files: what would garble data silently is refused with a sentence."""

import json

import pytest

from p311desk.errors import ValidationError
from p311desk.spreadsheets import cell_text, read_table


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def refused(path, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        read_table(path, **kwargs)
    return info.value.message()


def test_rows_with_more_fields_than_the_header_are_refused(tmp_path):
    path = write(tmp_path, "p.csv", "Nom;Cognoms;Correu\nJoana;Puig;j@x.cat\nPere;Bosch; Vila;p@x.cat\n")
    message = refused(path)
    assert message.startswith("Rows 3 have more fields than the header (3 columns)")
    assert "“;”" in message


def test_trailing_separators_are_not_extra_fields(tmp_path):
    path = write(tmp_path, "p.csv", "Nom;Cognoms;Correu;\nJoana;Puig;j@x.cat;;\n")
    table = read_table(path)
    assert table.headers == ["Nom", "Cognoms", "Correu"]
    assert table.rows == [["Joana", "Puig", "j@x.cat"]]


@pytest.mark.parametrize("name,data", [  # also when only spaces differ
    ("p.csv", "Nom;Correu;Nom\nJoana;j@x.cat;Pere\n"),
    ("p.csv", "Nom;Correu;Nom \nJoana;j@x.cat;Pere\n"),
])
def test_duplicate_column_names_are_refused(tmp_path, name, data):
    assert refused(write(tmp_path, name, data)) == (
        "The column “Nom” appears twice in the header (columns 1 and 3): "
        "rename one of them and try again.")


def test_duplicate_column_names_in_a_workbook_are_refused(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Nom", "Cognoms", "Nom"])
    wb.active.append(["Joana", "Puig", "Pere"])
    wb.save(tmp_path / "p.xlsx")
    assert "“Nom” appears twice in the header (columns 1 and 3)" in refused(tmp_path / "p.xlsx")


def test_a_file_mixing_semicolons_and_commas_is_refused(tmp_path):
    path = write(tmp_path, "p.csv", "Nom;Cognoms;Correu\nJoana;Puig;j@x.cat\nPere,Bosch,p@x.cat\n"
                                    "Anna;Vila;a@x.cat\nMarc,Soler,m@x.cat\n")
    assert refused(path) == ("The file mixes separators: the header uses “;” but rows 3, 5 use "
                             "another one. Save the file again with one separator.")


def test_a_value_with_a_comma_in_a_semicolon_file_is_fine(tmp_path):
    path = write(tmp_path, "p.csv", "Nom;Cognoms;Entitat\nJoana;Puig;Veïns, Associació\nPere;Bosch;\n")
    assert read_table(path).rows[0][2] == "Veïns, Associació"


def test_utf16_with_an_odd_byte_count_is_refused(tmp_path):
    data = "Nom;Correu\nJoana;j@x.cat\n".encode("utf-16")
    assert read_table(write(tmp_path, "ok.csv", data)).rows == [["Joana", "j@x.cat"]]
    message = refused(write(tmp_path, "cut.csv", data[:-1]))
    assert message.startswith("The file says it is UTF-16 text but it is damaged or cut short")


def test_a_named_encoding_that_does_not_fit_is_a_sentence(tmp_path):
    path = write(tmp_path, "p.csv", "Nom;Correu\nJoan·na;j@x.cat\n".encode("utf-8"))
    assert refused(path, encoding="ascii").startswith("The file cannot be read as ascii text:")


def test_json_lists_stay_lists_and_read_as_text(tmp_path):
    path = write(tmp_path, "p.json", json.dumps([{"id": 1, "author": {"name": ["A", "B"]}}]))
    table = read_table(path)
    assert table.headers == ["id", "author/name"]
    assert table.records() == [{"id": 1, "author/name": ["A", "B"]}]
    assert cell_text(["A", None, 2.0]) == "A, 2"
