"""Demo data: a fictional municipality, one process, two sessions and 300 people.

This is the package's public surface; other packages, the CLI and the UI use only these names."""

from __future__ import annotations

from p311desk.demo.data import (
    create_demo,
)

__all__ = [
    "create_demo",
]
