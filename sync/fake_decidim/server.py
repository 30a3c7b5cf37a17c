"""The fake Decidim's HTTP side on 127.0.0.1: the version's sign-in, ``POST /api``, and faults.

- Lines 0.27, 0.28, 0.30 and 0.32 (``sync.schemas``): the web session on all of them (the only
  sign-in up to 0.30), API users from 0.31, the write API on 0.32 only, introspection closed to
  anyone but API users on 0.32, ``decidim { version }`` null from 0.30.
- The Devise web session. ``GET /users/sign_in`` sets a session cookie and renders the
  form with its CSRF ``authenticity_token``; ``POST /users/sign_in`` checks the token and the
  e-mail/password and answers with a redirect either way (as Devise does), rotating the cookie
  on success. ``/api`` uses the cookie.
- 0.32: also ``POST /api/sign_in`` (API key + secret) -> JWT in the ``Authorization`` header and
  the body; ``DELETE /api/sign_out``. Introspection only for API users.
- ``force_auth``: anonymous API calls get HTTP 401 ``{"error": "Access denied"}``.
- Faults, each with a probability (seeded, so a run can be repeated): ``timeout`` (no answer
  for ``fault_delay`` seconds, then the connection is cut), ``500`` (Decidim's "Internal Server
  error" body), ``drop_after_write`` (a mutation or sign-in is carried out, then the connection
  is cut before the answer), ``expired_token`` (the caller's session or token expires just now).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import secrets
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from sync.fake_decidim import graph
from sync.fake_decidim.data import Store
from sync.schemas import LINES

log = logging.getLogger(__name__)

COOKIE = "_vilaprova_session"
FAULTS = ("timeout", "500", "drop_after_write", "expired_token")
TOKEN_TTL = 7200.0


def parse_faults(text: str | None) -> dict[str, float]:
    """``"timeout=0.1,500=0.05"`` -> ``{"timeout": 0.1, "500": 0.05}``."""
    faults: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
        faults[name] = float(value or 0)
    return faults


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A client that gave up (its timeout) leaves a broken pipe here: expected, not news.
        log.debug("fake decidim: connection from %s ended early", client_address)


class FakeDecidim:
    """A running (or ready to run) fake platform. Use :func:`sync.fake_decidim.start`."""

    def __init__(self, version: str = "0.32", *, port: int = 0, faults: dict[str, float] | None = None,
                 proposals: int = 120, seed: int = 311, fault_delay: float = 1.0, force_auth: bool = False,
                 max_complexity: int = graph.MAX_COMPLEXITY, token_ttl: float = TOKEN_TTL) -> None:
        if version not in LINES:
            raise ValueError(f"version is one of {', '.join(LINES)}")
        self.version = version
        self.store = Store(version, proposals=proposals, seed=seed)
        self.faults = dict(faults or {})
        self.fault_rng = random.Random(seed + 1)
        self.fault_delay = fault_delay
        self.force_auth = force_auth
        self.max_complexity = max_complexity
        self.token_ttl = token_ttl
        self.sessions: dict[str, dict[str, Any]] = {}  # cookie -> {"csrf", "user"}
        self.tokens: dict[str, dict[str, Any]] = {}    # jwt -> {"user", "expires"}
        self.issued_tokens: list[str] = []             # for tests that scan for leaked tokens
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._key = secrets.token_bytes(32)
        self.httpd = _QuietServer(("127.0.0.1", port), _handler(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeDecidim:
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="fake-decidim",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeDecidim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def roll(self, fault: str) -> bool:
        p = self.faults.get(fault, 0.0)
        if p <= 0:
            return False
        with self.lock:
            return self.fault_rng.random() < p

    def expire_all(self) -> None:
        """Every web session and token expires (the server restarted, or two hours passed)."""
        with self.lock:
            self.sessions.clear()
            self.tokens.clear()

    def make_token(self, user: dict) -> str:
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
        claims = json.dumps({"sub": user["id"], "jti": secrets.token_hex(8), "exp": int(time.time() + self.token_ttl)})
        payload = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=")
        signature = base64.urlsafe_b64encode(hmac.new(self._key, header + b"." + payload, hashlib.sha256).digest())
        token = (header + b"." + payload + b"." + signature.rstrip(b"=")).decode()
        with self.lock:
            self.tokens[token] = {"user": user, "expires": time.time() + self.token_ttl}
            self.issued_tokens.append(token)
        return token


def _handler(fake: FakeDecidim):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: without this, Nagle's algorithm and the client's
        # delayed ACK add ~40 ms to every answer on a kept-alive connection.
        disable_nagle_algorithm = True
        server_version = "FakeDecidim/" + fake.version

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own logs
            log.debug("fake decidim: " + format, *args)

        # --- plumbing ------------------------------------------------------------------------
        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, body: bytes | str | dict, *, content_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> None:
            if isinstance(body, dict):
                body = json.dumps(body)
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type + "; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _drop(self) -> None:
            self.close_connection = True

        def _cookie(self) -> str | None:
            jar = SimpleCookie(self.headers.get("Cookie", ""))
            return jar[COOKIE].value if COOKIE in jar else None

        def _new_session(self, user: dict | None) -> str:
            sid = secrets.token_urlsafe(24)
            with fake.lock:
                fake.sessions[sid] = {"csrf": secrets.token_urlsafe(32), "user": user}
            return sid

        def _set_cookie(self, sid: str) -> dict[str, str]:
            return {"Set-Cookie": f"{COOKIE}={sid}; path=/; HttpOnly; SameSite=Lax"}

        def _current(self) -> tuple[dict | None, bool, bool]:
            """(user, is API user, sent credentials that are no longer valid)."""
            auth = self.headers.get("Authorization", "")
            if auth.lower().startswith("bearer "):
                token = auth[7:].strip()
                with fake.lock:
                    entry = fake.tokens.get(token)
                if entry and entry["expires"] > time.time():
                    return entry["user"], True, False
                return None, False, True
            sid = self._cookie()
            if sid:
                with fake.lock:
                    entry = fake.sessions.get(sid)
                if entry and entry["user"]:
                    return entry["user"], False, False
                return None, False, bool(sid) and entry is None
            return None, False, False

        def _expire_current(self) -> None:
            auth = self.headers.get("Authorization", "")
            with fake.lock:
                if auth.lower().startswith("bearer "):
                    fake.tokens.pop(auth[7:].strip(), None)
                sid = self._cookie()
                if sid:
                    fake.sessions.pop(sid, None)

        def _faults_before(self) -> bool:
            """Apply the faults that strike before the request is handled; True if it was."""
            if fake.roll("timeout"):
                fake.counts["fault:timeout"] += 1
                time.sleep(fake.fault_delay)
                self._drop()
                return True
            if fake.roll("500"):
                fake.counts["fault:500"] += 1
                self._send(500, {"errors": [{"message": "Internal Server error"}], "data": {}})
                return True
            if fake.roll("expired_token"):
                fake.counts["fault:expired_token"] += 1
                self._expire_current()
            return False

        # --- routes --------------------------------------------------------------------------
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?", 1)[0]
            fake.counts[f"GET {path}"] += 1
            if path == "/users/sign_in":
                if self._faults_before():
                    return
                sid = self._cookie()
                with fake.lock:
                    entry = fake.sessions.get(sid or "")
                headers = {}
                if entry is None:
                    sid = self._new_session(None)
                    headers = self._set_cookie(sid)
                    with fake.lock:
                        entry = fake.sessions[sid]
                html = (f"<!DOCTYPE html><html><head><meta name=\"csrf-token\" content=\"{entry['csrf']}\">"
                        "<title>Sign in</title></head><body><form action=\"/users/sign_in\" method=\"post\">"
                        f"<input type=\"hidden\" name=\"authenticity_token\" value=\"{entry['csrf']}\">"
                        "<input name=\"user[email]\"><input type=\"password\" name=\"user[password]\">"
                        "</form></body></html>")
                self._send(200, html, content_type="text/html", headers=headers)
            elif path == "/api":
                self._send(302, "", content_type="text/html", headers={"Location": "/api/docs"})
            elif path == "/":
                self._send(200, f"<h1>Fake Decidim {fake.version}</h1><p>POST /api</p>", content_type="text/html")
            else:
                self._send(404, {"error": "Not found"})

        def do_DELETE(self) -> None:  # noqa: N802
            path = self.path.split("?", 1)[0]
            fake.counts[f"DELETE {path}"] += 1
            if path in ("/api/sign_out", "/users/sign_out"):
                self._expire_current()
                self._send(200, {})
            else:
                self._send(404, {"error": "Not found"})

        def do_POST(self) -> None:  # noqa: N802
            path = self.path.split("?", 1)[0]
            raw = self._body()
            fake.counts[f"POST {path}"] += 1
            if path == "/users/sign_in":
                self._form_sign_in(raw)
            elif path == "/api/sign_in" and fake.version == "0.32":
                self._api_sign_in(raw)
            elif path == "/api":
                self._graphql(raw)
            else:
                self._send(404, {"error": "Not found"})

        def _form_sign_in(self, raw: bytes) -> None:
            if self._faults_before():
                return
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            sid = self._cookie()
            with fake.lock:
                entry = fake.sessions.get(sid or "")
            if entry is None or not hmac.compare_digest(form.get("authenticity_token", ""), entry["csrf"]):
                # Rails refuses a missing or wrong CSRF token.
                self._send(422, "<p>The change you wanted was rejected.</p>", content_type="text/html")
                return
            user = fake.store.users.get(form.get("user[email]", ""))
            if user is None or not hmac.compare_digest(user["password"], form.get("user[password]", "")):
                self._send(302, "", content_type="text/html", headers={"Location": "/users/sign_in"})
                return
            with fake.lock:
                fake.sessions.pop(sid, None)
            new_sid = self._new_session({k: v for k, v in user.items() if k != "password"})
            if fake.roll("drop_after_write"):
                fake.counts["fault:drop_after_write"] += 1
                self._drop()
                return
            self._send(302, "", content_type="text/html", headers={"Location": "/", **self._set_cookie(new_sid)})

        def _api_sign_in(self, raw: bytes) -> None:
            if self._faults_before():
                return
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            user = fake.store.api_users.get(form.get("api_user[key]", ""))
            if user is None or not hmac.compare_digest(user["secret"], form.get("api_user[secret]", "")):
                self._send(401, {"jwt_token": None})
                return
            public = {k: v for k, v in user.items() if k != "secret"}
            token = fake.make_token(public)
            if fake.roll("drop_after_write"):
                fake.counts["fault:drop_after_write"] += 1
                self._drop()
                return
            self._send(200, {**public, "jwt_token": token, "avatar": None},
                       headers={"Authorization": f"Bearer {token}"})

        def _graphql(self, raw: bytes) -> None:
            if self._faults_before():
                return
            try:
                body = json.loads(raw or b"{}")
                query = body.get("query") or ""
                variables = body.get("variables") or {}
                if isinstance(variables, str):
                    variables = json.loads(variables or "{}")
            except (ValueError, AttributeError):
                self._send(400, {"errors": [{"message": "Invalid JSON"}]})
                return
            user, api_user, stale = self._current()
            if stale or (fake.force_auth and user is None):
                self._send(401, {"error": "Access denied"})
                return
            ctx = graph.Context(fake.store, user, api_user)
            mutation = graph.is_mutation(query)
            result = graph.execute(ctx, query, variables, body.get("operationName"),
                                   max_complexity=fake.max_complexity)
            if mutation and fake.roll("drop_after_write"):
                fake.counts["fault:drop_after_write"] += 1
                self._drop()
                return
            self._send(200, result)

    return Handler
