"""The GraphQL client and sign-in against the fake Decidim (both versions), faults included."""

from __future__ import annotations

import pytest

from sync.capabilities import Capabilities, probe
from sync.client import Credentials, DecidimClient, host_of, normalize_url
from sync.errors import (
    NotAPlatform,
    PlatformRefused,
    PlatformServerError,
    PlatformUnreachable,
    SignInFailed,
    SignInNotSupported,
    SignInRequired,
)
from sync.fake_decidim import USER_EMAIL, start
from tests.sync.conftest import credentials_for, fast_client


def test_urls_are_normalised_to_the_organisation_host():
    assert normalize_url("participa.example.org/") == "https://participa.example.org"
    assert normalize_url("https://participa.example.org/api") == "https://participa.example.org"
    assert host_of("HTTP://127.0.0.1:8311/") == "127.0.0.1:8311"
    with pytest.raises(NotAPlatform):
        normalize_url("ftp://x")


def test_probe_tells_what_each_version_can_do(fake):
    with fast_client(fake.url) as client:
        caps = probe(client)
    if fake.version == "0.32":
        # Anonymous introspection is closed on 0.32: the fallback probes tell the same story.
        assert (caps.line, caps.create_proposals, caps.close_meetings, caps.taxonomies) == ("0.32", True, True, True)
        assert caps.sign_in == ("session", "api") and caps.version is None
        assert caps.sentences()[0].startswith("Decidim 0.31+ line: proposals and meeting closures go straight")
        assert caps.schema is None  # built for the 0.32 SDL
    else:
        # Introspection is open up to 0.30: the line is named from the server's own schema.
        assert (caps.line, caps.create_proposals, caps.taxonomies) == (fake.version, False, fake.version == "0.30")
        assert caps.version == {"0.27": "0.27.9", "0.28": "0.28.4", "0.30": None}[fake.version]
        assert caps.schema is not None and caps.comments
        assert caps.sentences()[0].endswith("proposals go through an import file; comments can be written.")
        if fake.version == "0.30":
            assert caps.sentences()[0].startswith("Decidim 0.30 line:")
    assert Capabilities.from_json(caps.to_json()) == caps


def test_sign_in_and_who_am_i(fake):
    with fast_client(fake.url, credentials=credentials_for(fake.version)) as client:
        probe(client)
        user = client.sign_in()
        assert user["id"] in ("7", "9")
        # Signed-in API users may introspect on 0.32: the probe is then exact.
        assert probe(client).confirmed


def test_wrong_secret_is_refused_in_a_sentence(fake):
    creds = credentials_for(fake.version)
    creds.secret = "wrong"
    with fast_client(fake.url, credentials=creds) as client:
        probe(client)
        with pytest.raises(SignInFailed) as err:
            client.sign_in()
    assert "wrong" not in err.value.message()
    assert ("API key or secret" if fake.version == "0.32" else "e-mail or password") in err.value.message()


def test_api_keys_are_refused_where_only_the_web_session_exists():
    with start("0.27") as server:
        client = fast_client(server.url, credentials=Credentials("api", "k", "s"))
        with pytest.raises(SignInNotSupported):
            client.sign_in()
        client.close()


def test_an_expired_session_signs_in_again_once_silently(fake):
    fake.force_auth = True
    with fast_client(fake.url, credentials=credentials_for(fake.version)) as client:
        probe(client)
        client.sign_in()
        before = client.stats["sign_ins"]
        fake.expire_all()
        data = client.query("spaces")
        assert len(data["participatoryProcesses"]) == 2
        assert client.stats["sign_ins"] == before + 1


def test_without_a_known_secret_the_user_is_asked(fake):
    fake.force_auth = True
    creds = credentials_for(fake.version)
    creds.secret = None
    with fast_client(fake.url, credentials=creds, line=fake.version) as client:
        with pytest.raises(SignInRequired) as err:
            client.query("spaces")
    assert creds.account in err.value.message()


@pytest.mark.parametrize("fault", ["timeout", "expired_token"])
def test_reads_survive_each_fault(fake, fault):
    # (test_pull checks every fault end to end; these two exercise the client's own paths)
    fake.faults = {fault: 0.3}
    fake.fault_delay = 0.35
    fake.force_auth = True
    with fast_client(fake.url, credentials=credentials_for(fake.version), line=fake.version) as client:
        client.sign_in()
        nodes = [n["id"] for page in client.pages("proposals", "11", "proposals") for n in page]
    assert len(nodes) == len(set(nodes)) == len(fake.store.published_proposals("11"))


def test_failures_become_typed_errors_after_the_retries():
    with start("0.32", faults={"500": 1.0}) as server:
        client = fast_client(server.url, line="0.32", attempts=3)
        with pytest.raises(PlatformServerError) as err:
            client.query("spaces")
        assert client.stats["requests"] == 3 and "HTTP 500" in err.value.message()
        client.close()
    client = fast_client(server.url, attempts=2)  # the server is gone now
    with pytest.raises(PlatformUnreachable):
        client.query("who_am_i")
    client.close()


def test_graphql_errors_quote_the_server():
    with start("0.27") as server:
        client = fast_client(server.url)
        with pytest.raises(PlatformRefused) as err:
            client.execute("{ nothingHere }")
        assert "nothingHere" in err.value.message()
        client.close()


def test_a_too_complex_page_is_asked_again_smaller():
    # Decidim 0.26 refuses queries more complex than 300: the client halves the page size.
    with start("0.27", max_complexity=300) as server:
        client = fast_client(server.url, line="0.27")
        ids = [n["id"] for page in client.pages("proposals", "11", "proposals") for n in page]
        assert len(ids) == len(server.store.published_proposals("11")) and client.page_size < 50
        client.close()


def test_not_a_platform(tmp_path):
    import http.server
    import threading

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        client = DecidimClient(f"http://127.0.0.1:{httpd.server_address[1]}", attempts=1)
        with pytest.raises(NotAPlatform):
            client.execute("{ __typename }")
        client.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_user_agent_and_timeouts_are_always_set(fake, monkeypatch):
    seen = []
    client = fast_client(fake.url)
    real = client.http.request

    def spy(method, url, **kwargs):
        seen.append((kwargs.get("timeout"), client.http.headers["User-Agent"]))
        return real(method, url, **kwargs)

    monkeypatch.setattr(client.http, "request", spy)
    probe(client)
    client.close()
    assert seen and all(t is not None and ua.startswith("p311desk/") for t, ua in seen)
    assert client.http.verify is True
    assert USER_EMAIL  # the fake's accounts are importable for the CLI tests


def test_a_lost_answer_to_a_write_is_not_retried_and_says_it_may_have_landed():
    with start("0.32", faults={"drop_after_write": 1.0}) as server:
        client = fast_client(server.url, line="0.32")
        with pytest.raises(PlatformUnreachable) as err:
            client.execute('mutation M { component(id: "11") { __typename } }', idempotent=False)
        assert err.value.maybe_landed and client.stats["requests"] == 1
        client.close()
    client = fast_client(server.url, attempts=1)
    with pytest.raises(PlatformUnreachable) as err:  # refused: surely never sent
        client.execute("{ __typename }", idempotent=False)
    assert not err.value.maybe_landed
    client.close()
