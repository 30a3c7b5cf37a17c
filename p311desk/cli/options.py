"""Option values several CLI commands share, parsed once with the same refusals."""

from __future__ import annotations

import json

from p311desk.errors import ValidationError


def column_mapping(text: str | None) -> dict | None:
    """``--mapping``: a JSON object of field → header name or 1-based column number."""
    if not text:
        return None
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValidationError("The mapping is not valid JSON: {error}", error=str(err)) from err
    if not isinstance(mapping, dict):
        raise ValidationError("The mapping must be a JSON object of field: column.")
    return mapping
