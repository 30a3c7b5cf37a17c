"""Signing in to a platform, and where its secret is kept.

Two ways in (``../shared/decidim/AUTH.md``):

- ``session`` (Decidim 0.26 – 0.30, still accepted later): the web sign-in form. GET
  ``/users/sign_in`` for the CSRF token and a session cookie, POST the e-mail and password, then
  call ``/api`` with the cookie. Devise answers a failed sign-in with a redirect too, so the
  result is checked by asking the API who we are.
- ``api`` (0.31+): ``POST /api/sign_in`` with an API key and secret returns a JWT (about 2 h),
  sent as ``Authorization: Bearer``.

Secrets live in the OS keyring under the service ``p311desk:<host>`` and the account (e-mail or
API key) as user name; never in the database, files or logs. Where no keyring exists, the
caller passes the secret for one run and nothing is remembered.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from p311desk.errors import N_
from p311desk.paths import APP_NAME
from sync.documents import document
from sync.errors import KeyringUnavailable, NotAPlatform, SignInFailed, SignInNotSupported

if TYPE_CHECKING:
    from sync.client import DecidimClient

log = logging.getLogger(__name__)

METHODS = {"session": N_("e-mail and password"), "api": N_("API key and secret")}
_CSRF = (re.compile(r'name="authenticity_token"\s+value="([^"]+)"'),
         re.compile(r'value="([^"]+)"\s+name="authenticity_token"'),
         re.compile(r'<meta\s+name="csrf-token"\s+content="([^"]+)"'))


# --- the keyring -----------------------------------------------------------------------------

def keyring_service(host: str) -> str:
    return f"{APP_NAME}:{host}"


def _backend():
    """The OS keyring, or None where there is none (a headless server, the 'fail' backend)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - any broken keyring setup means: no keyring
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return backend


def keyring_available() -> bool:
    return _backend() is not None


def remember_secret(host: str, account: str, secret: str) -> None:
    backend = _backend()
    if backend is None:
        raise KeyringUnavailable(host=host)
    backend.set_password(keyring_service(host), account, secret)


def recall_secret(host: str, account: str | None) -> str | None:
    backend = _backend()
    if backend is None or not account:
        return None
    try:
        return backend.get_password(keyring_service(host), account)
    except Exception:  # noqa: BLE001 - a locked or broken keyring: treat as not remembered
        log.warning("keyring could not be read for %s", host)
        return None


def forget_secret(host: str, account: str | None) -> None:
    backend = _backend()
    if backend is None or not account:
        return
    try:
        backend.delete_password(keyring_service(host), account)
    except Exception:  # noqa: BLE001 - nothing remembered is fine
        pass


# --- signing in ------------------------------------------------------------------------------

def sign_in(client: DecidimClient) -> dict:
    """Sign ``client`` in with its credentials; returns ``{"id", "name", "nickname"}``.

    Signing in is retried like a read: doing it twice only makes a second session."""
    creds = client.credentials
    if creds is None or not creds.secret:
        from sync.errors import SignInRequired

        raise SignInRequired(host=client.host, account=creds.account if creds else "—")
    step = _api_sign_in if creds.method == "api" else _form_sign_in
    from sync.client import _AuthExpired

    for _round in range(3):
        answer = client.with_retries(step, client)
        if creds.method == "api" and answer:
            # The JWT is the proof: no extra request to ask who we are (it matters on re-sign-ins).
            data = {"session": {"user": answer}}
            break
        try:
            data = client.with_retries(client._post_graphql, document("session", "0.27"),
                                       None, "Session")
        except _AuthExpired:
            continue  # the new session expired at once (a restarting server): sign in afresh
        break
    else:
        raise SignInFailed(host=client.host, what=_what(creds.method))
    user = (data.get("session") or {}).get("user")
    if not user:
        raise SignInFailed(host=client.host, what=_what(creds.method))
    log.info("%s: signed in (%s)", client.host, creds.method)
    return user


def _what(method: str) -> str:
    return N_("API key or secret") if method == "api" else N_("e-mail or password")


def _api_sign_in(client: DecidimClient) -> dict | None:
    creds = client.credentials
    client.http.headers.pop("Authorization", None)
    response = client.request("POST", "/api/sign_in",
                              data={"api_user[key]": creds.account, "api_user[secret]": creds.secret})
    if response.status_code == 404:
        raise SignInNotSupported(host=client.host, method=METHODS["api"], other=METHODS["session"])
    if response.status_code in (401, 403):
        raise SignInFailed(host=client.host, what=_what("api"))
    token = None
    header = response.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    if not token:
        try:
            token = (response.json() or {}).get("jwt_token")
        except ValueError:
            token = None
    if response.status_code != 200 or not token:
        raise SignInFailed(host=client.host, what=_what("api"))
    client.http.headers["Authorization"] = f"Bearer {token}"
    try:
        body = response.json() or {}
    except ValueError:
        body = {}
    return {k: body[k] for k in ("id", "name", "nickname") if k in body} if body.get("id") else None


def _form_sign_in(client: DecidimClient) -> None:
    creds = client.credentials
    client.http.cookies.clear()
    page = client.request("GET", "/users/sign_in", headers={"Accept": "text/html"}, allow_redirects=True)
    if page.status_code == 404:
        raise SignInNotSupported(host=client.host, method=METHODS["session"], other=METHODS["api"])
    token = next((m.group(1) for rx in _CSRF if (m := rx.search(page.text or ""))), None)
    if page.status_code != 200 or not token:
        raise NotAPlatform(url=client.base_url)
    response = client.request("POST", "/users/sign_in", headers={"Accept": "text/html"}, data={
        "authenticity_token": token, "user[email]": creds.account, "user[password]": creds.secret,
        "user[remember_me]": "1"})
    if response.status_code == 422:
        # Rails refused the CSRF token: the form's session expired meanwhile. Fetch a fresh form.
        from sync.client import Transient

        raise Transient(SignInFailed(host=client.host, what=_what("session")))
    if response.status_code in (401, 403):
        raise SignInFailed(host=client.host, what=_what("session"))
