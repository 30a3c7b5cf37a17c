"""Is the platform reachable? A short TCP probe, never run on the UI thread.

The app works offline; this only feeds the status bar and tells the sync page when it may try.
"""

from __future__ import annotations

import socket


def probe(host: str, port: int = 443, timeout: float = 2.0) -> bool:
    """True when a TCP connection to the platform host can be opened within ``timeout``."""
    if not host:
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
