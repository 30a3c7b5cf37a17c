"""The connectivity probe, against a listener on 127.0.0.1 only."""

import socket

from sync.connectivity import probe


def test_probe_reaches_a_local_listener():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        assert probe("127.0.0.1", server.getsockname()[1], timeout=1.0)


def test_probe_reports_a_closed_port_and_no_host():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connection refused
        assert not probe("127.0.0.1", port, timeout=1.0)
    assert not probe("", 443)
