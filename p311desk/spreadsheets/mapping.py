"""Column mapping for participant imports: which column of the file holds which field.

A mapping is proposed from the header names (Catalan, Spanish, English, and the columns of
Decidim's meeting registrations export), the user corrects it, and the confirmed mapping is
remembered in the ``import_mapping`` table under the signature of the file's headers, so the
next file with the same columns is mapped the same way without asking.

A mapping is ``{field: header}``; fields are the keys of :data:`FIELDS`.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from p311desk.errors import ValidationError
from p311desk.i18n import N_
from p311desk.models import ImportMapping, utcnow
from p311desk.text import fold

KIND = "participants"

FIELDS: dict[str, str] = {
    "full_name": N_("Full name"),
    "given_name": N_("Name"),
    "family_name": N_("Surnames"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "document_id": N_("Document id (DNI/NIE)"),
    "birth_date": N_("Birth date"),
    "birth_year": N_("Birth year"),
    "postal_code": N_("Postal code"),
    "organisation": N_("Organisation"),
    "code": N_("Registration code"),
    "registration_id": N_("Decidim registration id"),
}

ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("nom i cognoms", "nom complet", "nombre y apellidos", "nombre completo",
                  "full name", "name and surname", "name and surnames", "user/name", "participant",
                  "participante", "persona", "nom i cognom", "apellidos y nombre", "cognoms i nom",
                  "cognoms, nom", "apellidos, nombre"),
    "given_name": ("nom", "nombre", "name", "first name", "firstname", "given name", "nom de pila",
                   "forename"),
    "family_name": ("cognoms", "cognom", "apellidos", "apellido", "surname", "surnames",
                    "last name", "lastname", "family name", "primer cognom", "primer apellido"),
    "email": ("correu", "correu electronic", "correu-e", "e-mail", "email", "mail", "correo",
              "correo electronico", "email address", "adreca electronica", "adreca de correu",
              "user/email", "direccion de correo", "direccion de correo electronico"),
    "phone": ("telefon", "telefono", "phone", "telephone", "mobil", "movil", "tel", "tel.",
              "mobile", "telefon mobil", "telefono movil"),
    "document_id": ("dni", "nif", "nie", "dni/nie", "dni/nif", "nif/nie", "dni / nie",
                    "document", "documento", "document d'identitat", "documento de identidad",
                    "id document", "identity document", "passaport", "pasaporte", "passport"),
    "birth_date": ("data de naixement", "data naixement", "naixement", "data de naix.",
                   "fecha de nacimiento", "fecha nacimiento", "nacimiento", "f. nacimiento",
                   "birth date", "date of birth", "birthdate", "dob", "birthday"),
    "birth_year": ("any de naixement", "any naixement", "ano de nacimiento", "ano nacimiento",
                   "birth year", "year of birth"),
    "postal_code": ("codi postal", "cp", "c.p.", "c.p", "codigo postal", "postal code", "zip",
                    "zip code", "postcode"),
    "organisation": ("entitat", "entidad", "organitzacio", "organizacion", "organisation",
                     "organization", "associacio", "asociacion", "grup", "grupo",
                     "user/user_group", "group"),
    "code": ("code", "codi", "codigo", "codi de registre", "codigo de registro",
             "registration code", "codi d'inscripcio", "codigo de inscripcion", "codi qr",
             "qr code", "check-in code"),
    "registration_id": ("id",),
}


def normalize_header(text: Any) -> str:
    """Header text as compared with aliases: folded, without trailing ``:`` or ``*``."""
    folded = fold(text)
    folded = re.sub(r"[\s:*]+$", "", folded)
    folded = re.sub(r"^registration_form_(answers|responses)/", "", folded)
    return folded


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            index.setdefault(normalize_header(alias), name)
    return index


def known_header_names() -> set[str]:
    return set(_alias_index())


def signature(headers: list[str]) -> str:
    """A stable fingerprint of a file's columns (order matters, case and accents do not)."""
    joined = "\x1f".join(normalize_header(h) for h in headers)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def propose(headers: list[str]) -> dict[str, str]:
    """A mapping ``{field: header}`` guessed from the header names."""
    index = _alias_index()
    mapping: dict[str, str] = {}
    for header in headers:
        key = normalize_header(header)
        name = index.get(key)
        if name is None:
            # "Correu electrònic de contacte", "Telèfon (mòbil)"... : match on the first words.
            words = re.split(r"[\s(/,]+", key)
            for n in range(len(words) - 1, 0, -1):
                name = index.get(" ".join(words[:n]))
                if name and name != "registration_id":
                    break
            else:
                name = None
        if name and name not in mapping:
            mapping[name] = header
    # "Nom" alone with no surname column is the whole name.
    if "given_name" in mapping and "family_name" not in mapping and "full_name" not in mapping:
        mapping["full_name"] = mapping.pop("given_name")
    if "full_name" in mapping and "given_name" in mapping and "family_name" in mapping:
        mapping.pop("full_name")
    # A bare "id" column is only the Decidim registration id in Decidim's own export.
    if "registration_id" in mapping and "code" not in mapping:
        mapping.pop("registration_id")
    return mapping


def validate(mapping: dict[str, Any], headers: list[str]) -> dict[str, int]:
    """Check a mapping against the headers; returns ``{field: column index}``.

    Headers may be given by name or by 1-based column number (as in ``--mapping``)."""
    result: dict[str, int] = {}
    for name, column in mapping.items():
        if column in (None, ""):
            continue
        if name not in FIELDS:
            raise ValidationError("Unknown field in the mapping: {field}", field=name)
        if isinstance(column, int) and not isinstance(column, bool):
            if not 1 <= column <= len(headers):
                raise ValidationError("The file has no column {column}.", column=column)
            index = column - 1
        elif column in headers:
            index = headers.index(str(column))
        else:
            folded = [normalize_header(h) for h in headers]
            key = normalize_header(column)
            if key not in folded:
                raise ValidationError("The file has no column “{column}”.", column=column)
            index = folded.index(key)
        if index in result.values():
            raise ValidationError("The column “{column}” is mapped twice.", column=headers[index])
        result[name] = index
    if not ({"full_name", "given_name", "family_name"} & set(result)):
        raise ValidationError("Choose the column that holds the name.")
    return result


def recall(s: Session, headers: list[str]) -> dict[str, str] | None:
    row = s.get(ImportMapping, signature(headers))
    if row is None or row.kind != KIND:
        return None
    mapping = {k: v for k, v in row.mapping.items() if k in FIELDS and v in headers}
    return mapping or None


def remember(s: Session, headers: list[str], mapping: dict[str, str]) -> None:
    sig = signature(headers)
    row = s.get(ImportMapping, sig)
    clean = {k: v for k, v in mapping.items() if v}
    if row is None:
        s.add(ImportMapping(signature=sig, kind=KIND, mapping=clean))
    elif row.mapping != clean:
        row.mapping, row.updated_at = clean, utcnow()


def mapping_for(s: Session, headers: list[str]) -> tuple[dict[str, str], bool]:
    """The remembered mapping for these headers if any (``True``), else a proposal (``False``)."""
    remembered = recall(s, headers)
    if remembered:
        return remembered, True
    return propose(headers), False
