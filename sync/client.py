"""A small GraphQL client for one Decidim platform, over one ``requests.Session``.

- Every call has a timeout; TLS is verified; the User-Agent names p311desk and its version.
- Reads (queries) are retried with exponential backoff and jitter (tenacity) when the answer
  was lost or the server failed (connection errors, timeouts, HTTP 5xx). Writes are never
  retried here: whether a lost write landed is decided by looking (sync part 2, the outbox).
- An expired web session or token (HTTP 401, or a redirect to the sign-in form) signs in again
  once, silently, when the secret is known; otherwise :class:`SignInRequired` asks the user.
- GraphQL ``errors`` and HTTP errors become the typed errors of :mod:`sync.errors`, quoting the
  server's message. Nothing sent or received that could be a secret is logged or put in an error.

Signing in (:mod:`sync.auth`) keeps the cookie or the JWT in this object's memory only.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential, wait_random

from p311desk import __version__
from p311desk.errors import N_
from sync.documents import document
from sync.errors import (
    CredentialsInUrl,
    NotAPlatform,
    PlatformError,
    PlatformRefused,
    PlatformServerError,
    PlatformUnreachable,
    SignInRequired,
)
from sync.schemas import PAGE_SIZE, TypeMap

log = logging.getLogger(__name__)

USER_AGENT = f"p311desk/{__version__} (offline participation sessions; +https://github.com/p311desk)"
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
COMPLEXITY = re.compile(r"complexity of \d+, which exceeds max complexity", re.IGNORECASE)

REASON_TIMEOUT = N_("no answer in time")
REASON_CONNECTION = N_("no connection")
REASON_DROPPED = N_("the connection was cut")


def normalize_url(url: str) -> str:
    """``participa.example.org`` or ``https://participa.example.org/`` -> ``https://participa.example.org``."""
    url = (url or "").strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
        url = "https://" + url
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise CredentialsInUrl()
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NotAPlatform(url=url)
    path = parts.path.rstrip("/")
    if path.endswith("/api"):
        path = path[:-4]
    return f"{parts.scheme}://{parts.netloc}{path}"


def host_of(url: str) -> str:
    """The organisation's host (with the port when it is not the default one)."""
    return urlsplit(normalize_url(url)).netloc.lower()


def _unreachable(host: str, reason: str, *, maybe_landed: bool) -> PlatformUnreachable:
    """``maybe_landed``: the request left and its answer was lost (a timeout, a cut connection),
    so a write may have been carried out; the outbox must look before sending it again."""
    error = PlatformUnreachable(host=host, reason=reason)
    error.maybe_landed = maybe_landed
    return error


class Transient(Exception):
    """A read failed in a way worth retrying; carries the error to raise once retries run out."""

    def __init__(self, error: PlatformError) -> None:
        super().__init__(error.msgid)
        self.error = error


@dataclass
class Credentials:
    """Who signs in: ``method`` is ``session`` (e-mail + password) or ``api`` (key + secret).

    The secret lives here only for the time of a run (from the keyring or the user's prompt)."""

    method: str
    account: str
    secret: str | None = field(default=None, repr=False)


class DecidimClient:
    """One platform's API. ``stats`` counts requests, retries and sign-ins (for the benchmark)."""

    def __init__(self, base_url: str, *, credentials: Credentials | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, attempts: int = 5,
                 backoff: tuple[float, float] = (0.5, 8.0), line: str | None = None,
                 schema: TypeMap | None = None) -> None:
        self.base_url = normalize_url(base_url)
        self.host = host_of(self.base_url)
        self.api_url = self.base_url + "/api"
        self.credentials = credentials
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.line = line  # schema line ("0.27", "0.28", "0.30", "0.32"), set by probing
        self.schema = schema  # the TypeMap documents are built for (the server's, else the line's)
        self.page_size = PAGE_SIZE
        self.stats: Counter[str] = Counter()
        self.signed_in = False
        self.user: dict = {}  # who signed in (id, name, nickname), once signed in
        self.http = requests.Session()
        self.http.verify = True
        self.http.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> DecidimClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- low level -------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One HTTP request with the timeout set; network failures become typed errors."""
        self.stats["requests"] += 1
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base_url + path, **kwargs)
        except requests.Timeout as exc:
            log.info("%s %s: timeout", method, path)
            raise Transient(_unreachable(self.host, REASON_TIMEOUT, maybe_landed=True)) from exc
        except requests.ConnectionError as exc:
            dropped = "Connection aborted" in str(exc) or "RemoteDisconnected" in str(exc)
            log.info("%s %s: %s", method, path, "connection cut" if dropped else "no connection")
            reason = REASON_DROPPED if dropped else REASON_CONNECTION
            raise Transient(_unreachable(self.host, reason, maybe_landed=dropped)) from exc
        log.debug("%s %s -> %s in %.3f s", method, path, response.status_code, time.perf_counter() - started)
        if response.status_code == 501:  # "not implemented": a web server without this route
            raise NotAPlatform(url=self.base_url)
        if response.status_code >= 500:
            raise Transient(PlatformServerError(host=self.host, status=response.status_code))
        return response

    def with_retries(self, fn, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` (an idempotent call) again on transient failures, with backoff and jitter."""
        def count_retry(_state: Any) -> None:
            self.stats["retries"] += 1

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff[0], max=self.backoff[1]) + wait_random(0, self.backoff[0]),
            retry=retry_if_exception_type(Transient), reraise=True, before_sleep=count_retry)
        try:
            for attempt in retrying:
                with attempt:
                    return fn(*args, **kwargs)
        except Transient as exc:
            raise exc.error from None
        return None  # pragma: no cover - Retrying either returns or raises

    def once(self, fn, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` (a write) exactly once; a transient failure is raised as its typed error."""
        try:
            return fn(*args, **kwargs)
        except Transient as exc:
            raise exc.error from None

    # --- GraphQL ---------------------------------------------------------------------------
    def _post_graphql(self, query: str, variables: dict[str, Any] | None, operation: str | None) -> dict:
        body = {"query": query, "variables": variables or {}}
        if operation:
            body["operationName"] = operation
        response = self.request("POST", "/api", json=body)
        if response.status_code == 401 or (300 <= response.status_code < 400
                                          and "sign_in" in response.headers.get("Location", "")):
            raise _AuthExpired()
        if response.status_code in (404, 405):
            raise NotAPlatform(url=self.base_url)
        try:
            payload = response.json()
        except ValueError:
            if response.status_code != 200:
                raise PlatformServerError(host=self.host, status=response.status_code) from None
            raise NotAPlatform(url=self.base_url) from None
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if errors:
            messages = [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
            raise PlatformRefused(host=self.host, message=" ".join(m for m in messages if m) or "?")
        if response.status_code != 200 or not isinstance(payload, dict):
            raise PlatformServerError(host=self.host, status=response.status_code)
        return payload.get("data") or {}

    def execute(self, query: str, variables: dict[str, Any] | None = None, *,
                operation: str | None = None, idempotent: bool = True) -> dict:
        """Send a document; returns ``data``. Signs in again once if the session expired."""
        run = self.with_retries if idempotent else self.once
        # An expired session or token: sign in again (silently, when the secret is known) and
        # send once more. A fresh session refused again at once is retried a couple of times
        # (a server restarting), never in a loop.
        for _round in range(3):
            try:
                return run(self._post_graphql, query, variables, operation)
            except _AuthExpired:
                pass
            if not (self.credentials and self.credentials.secret):
                raise SignInRequired(host=self.host, account=self.credentials.account if self.credentials else "—")
            log.info("%s: session expired, signing in again", self.host)
            self.sign_in()
        raise SignInRequired(host=self.host, account=self.credentials.account)

    def doc(self, name: str) -> str:
        """Document ``name`` built for this platform's schema (:mod:`sync.documents`)."""
        return document(name, self.schema or self.line or "0.27")

    def query(self, name: str, variables: dict[str, Any] | None = None) -> dict:
        """Run the read document ``name`` built for this platform's schema."""
        return self.execute(self.doc(name), variables)

    def pages(self, name: str, component_id: str, connection: str) -> Iterator[list[dict]]:
        """The nodes of a component's connection, page by page, within the page size.

        When the server finds a page too complex (0.26 allows a complexity of 300), the page size
        is halved and the same page asked again."""
        after: str | None = None
        while True:
            try:
                data = self.query(name, {"componentId": component_id, "first": self.page_size, "after": after})
            except PlatformRefused as err:
                if COMPLEXITY.search(str(err.params.get("message", ""))) and self.page_size > 1:
                    self.page_size = max(1, self.page_size // 2)
                    continue
                raise
            component = data.get("component") or {}
            conn = component.get(connection)
            if conn is None:
                return
            nodes = [n for n in (conn.get("nodes") or []) if n]
            yield nodes
            info = conn.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = info["endCursor"]

    # --- signing in ------------------------------------------------------------------------
    def sign_in(self) -> dict:
        """Sign in with :attr:`credentials`; returns the user as the API sees it."""
        from sync.auth import sign_in

        user = sign_in(self)
        self.user = dict(user or {})
        self.signed_in = True
        self.stats["sign_ins"] += 1
        return user


class _AuthExpired(Exception):
    """HTTP 401 or a redirect to the sign-in form: the session or token is missing or expired."""
