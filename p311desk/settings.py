"""Domain settings of this installation (municipality, language, platform), typed and stored in
the database. Window geometry and other purely visual state stay in the UI's QSettings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from sqlalchemy.orm import Session

from p311desk.errors import ValidationError
from p311desk.i18n import LANGUAGES
from p311desk.models import Setting


@dataclass
class AppSettings:
    municipality: str = ""
    # The municipality's logo for printed documents, as a data URI (SVG, PNG or JPEG) so that it
    # travels with the database; empty: the documents carry the name only.
    municipality_logo: str = ""
    language: str = "ca"
    platform_host: str = ""  # e.g. "participa311.diba.cat"; empty = work fully offline
    decidim_version: str = "0.30"
    # Keep DNI/NIE in clear only if the administrator explicitly chose to.
    store_document_ids_in_clear: bool = False
    # The check-in list shows what tells namesakes apart (birth year, postal code, organisation);
    # e-mail addresses only when the administrator asks for them (the screen faces the queue).
    show_email_at_door: bool = False


# The Decidim versions whose files and API we know (the platform's version is a setting).
DECIDIM_VERSIONS = ("0.26", "0.27", "0.28", "0.29", "0.30", "0.31", "0.32")

_PREFIX = "app."


def load(s: Session) -> AppSettings:
    values = {}
    for f in fields(AppSettings):  # rows of retired settings are ignored
        row = s.get(Setting, _PREFIX + f.name)
        if row is not None:
            values[f.name] = row.value
    return AppSettings(**values)


def save(s: Session, settings: AppSettings) -> AppSettings:
    if settings.language not in LANGUAGES:
        raise ValidationError("Unknown language: {lang}", lang=settings.language)
    for name, value in asdict(settings).items():
        row = s.get(Setting, _PREFIX + name)
        if row is None:
            s.add(Setting(key=_PREFIX + name, value=value))
        elif row.value != value:
            row.value = value
    return settings
