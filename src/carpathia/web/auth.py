"""LAN mode: a shared token guards every request; people log in with it and a user name.

On loopback (``127.0.0.1``, ``::1``, ``localhost``) no token is needed: only this laptop can
connect. Bound to any other address, the server refuses to start without a token, or makes one
and prints it once (:func:`resolve_token`). Clients then send ``Authorization: Bearer TOKEN``
(scripts) or log in through the form (browsers: a ``carpathia_session`` cookie, HttpOnly,
SameSite=Strict, held in this server's memory only). Without it every request gets 401.
The user name given at login is written into the workspace's audit log for every change.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import secrets
import threading
from html import escape
from urllib.parse import parse_qs

from carpathia.errors import InputError

__all__ = ["COOKIE", "USER_HEADER", "Auth", "AuthMiddleware", "is_loopback", "resolve_token"]

COOKIE = "carpathia_session"
#: Header naming the person behind a bearer-token client (default: "api").
USER_HEADER = "x-carpathia-user"
_MIN_TOKEN = 8
_MAX_USER = 60
_log = logging.getLogger("carpathia.web")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    h = host.strip().strip("[]")
    if h.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """The token the server will require, and whether it was generated here.

    Loopback hosts need none (a given token is still enforced); any other host gets the given
    token or a fresh random one (``secrets.token_urlsafe``, 128 bits) that the caller prints once.
    """
    if token is not None:
        token = token.strip()
        if len(token) < _MIN_TOKEN:
            raise InputError(f"--token must be at least {_MIN_TOKEN} characters (a passphrase the team shares)")
        return token, False
    if is_loopback(host):
        return None, False
    return secrets.token_urlsafe(16), True


def clean_user(name: str | None) -> str:
    """A user name for the audit log: trimmed, one line, at most 60 characters."""
    text = " ".join(str(name or "").split())
    if not text:
        raise InputError("give a user name (it goes into the incident log)")
    if len(text) > _MAX_USER:
        raise InputError(f"the user name must be at most {_MAX_USER} characters")
    return text


class Auth:
    """The token (or none) and the login sessions of one running server."""

    def __init__(self, token: str | None, default_user: str) -> None:
        self.token = token
        self.default_user = default_user
        self._sessions: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def required(self) -> bool:
        return self.token is not None

    def token_ok(self, given: str | None) -> bool:
        if self.token is None:
            return True
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def login(self, token: str | None, user: str | None) -> str | None:
        """Check the token and start a session for ``user``: the session id for the cookie, or
        None when the token is wrong."""
        if not self.token_ok(token):
            return None
        name = clean_user(user)
        sid = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[sid] = name
        return sid

    def logout(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    def identify(self, headers: dict[str, str], cookies: dict[str, str]) -> str | None:
        """The user behind a request, or None when it must be refused."""
        sid = cookies.get(COOKIE)
        if sid:
            with self._lock:
                user = self._sessions.get(sid)
            if user is not None:
                return user
        auth = headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        bearer = value.strip() if scheme.lower() == "bearer" else None
        if self.token is not None and not (bearer and self.token_ok(bearer)):
            return None
        named = headers.get(USER_HEADER, "").strip()
        return named[:_MAX_USER] if named else self.default_user


def _cookies(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in raw.split(";"):
        k, sep, v = part.strip().partition("=")
        if sep:
            out[k] = v
    return out


#: Paths reachable without credentials: the login form posts here (and checks the token itself).
_OPEN_PATHS = frozenset({"/api/login"})


class AuthMiddleware:
    """Pure ASGI middleware: refuses requests without credentials (401), sets ``state.user``,
    logs every write with its user, and refuses cross-origin writes (403)."""

    def __init__(self, app, auth: Auth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        method = scope.get("method", "GET")
        user = self.auth.identify(headers, _cookies(headers.get("cookie", "")))
        if user is None and path not in _OPEN_PATHS:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await _refuse(send, headers)
            return
        if method not in ("GET", "HEAD", "OPTIONS") and not _same_origin(headers):
            await _send(send, 403, {"error": "cross-origin writes are refused; use the page served by this server"})
            return
        scope.setdefault("state", {})["user"] = user
        if method in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        status = {}

        async def _send_status(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, _send_status)
        _log.info("%s %s %s -> %s", user or "-", method, path, status.get("code"))


def _same_origin(headers: dict[str, str]) -> bool:
    origin = headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


async def _refuse(send, headers: dict[str, str]) -> None:
    if "text/html" in headers.get("accept", ""):
        await _send(send, 401, LOGIN_PAGE.encode(), content_type="text/html; charset=utf-8")
    else:
        await _send(send, 401, {"error": "this server is in LAN mode: send 'Authorization: Bearer TOKEN' or log in"})


async def _send(send, status: int, body, *, content_type: str = "application/json") -> None:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    extra = [(b"www-authenticate", b"Bearer")] if status == 401 else []
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(data)).encode()),
                (b"cache-control", b"no-store"),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def parse_login(body: bytes, content_type: str) -> tuple[str | None, str | None]:
    """(token, user) from a login form or JSON body."""
    if content_type.startswith("application/json"):
        try:
            obj = json.loads(body or b"{}")
        except ValueError:
            raise InputError("the login body is not JSON") from None
        if not isinstance(obj, dict):
            raise InputError("the login body must be a JSON object with token and user")
        return obj.get("token"), obj.get("user")
    form = parse_qs(body.decode("utf-8", "replace"))
    return (form.get("token") or [None])[0], (form.get("user") or [None])[0]


LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>carpathia: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px system-ui,sans-serif;margin:4em auto;max-width:22em}label{display:block;margin:.8em 0}
input{width:100%;padding:.4em;font:inherit}button{padding:.5em 1.2em;font:inherit}</style></head>
<body><h1>carpathia command post</h1>
<p>This server runs in LAN mode. Enter the token printed when it started, and your name for the log.</p>
<form method="post" action="/api/login">
<label>Your name <input name="user" autocomplete="name" required maxlength="60"></label>
<label>Token <input name="token" type="password" required></label>
<button type="submit">Log in</button></form></body></html>
"""


def login_error_page(message: str) -> str:
    return LOGIN_PAGE.replace("<form", f'<p style="color:#b00">{escape(message)}</p><form', 1)
