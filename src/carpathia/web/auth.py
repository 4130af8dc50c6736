"""LAN mode: a shared token guards every request; people log in with it and a user name.

On loopback (``127.0.0.1``, ``::1``, ``localhost``) no token is needed: only this laptop can
connect. Bound to any other address, the server refuses to start without a token, or makes one
and prints it once (:func:`resolve_token`). Clients then send ``Authorization: Bearer TOKEN``
(scripts) or log in through the form (browsers: a ``carpathia_session`` cookie, HttpOnly,
SameSite=Strict, held in this server's memory only). Without it every request gets 401.
The user name given at login is written into the workspace's audit log for every change,
beside the session (a digest of the session id, never the id itself) and the client's address,
so a claimed name can be told apart from who actually made the change.

Guessing the token: after :data:`FREE_FAILURES` wrong tokens from one address, that address
must wait before the next try, twice as long after each further failure (up to
:data:`MAX_LOCK_S`); meanwhile its logins and bearer requests answer 429 with ``Retry-After``.
Every failure is logged with the address. Sessions end after :data:`SESSION_IDLE_S` without a
request and :data:`SESSION_MAX_S` after the login.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qs

from carpathia.errors import InputError

__all__ = ["COOKIE", "USER_HEADER", "Auth", "AuthMiddleware", "Throttled", "is_loopback", "resolve_token"]

COOKIE = "carpathia_session"
#: Header naming the person behind a bearer-token client (default: "api").
USER_HEADER = "x-carpathia-user"
_MIN_TOKEN = 8
_MAX_USER = 60
#: Wrong tokens one address may send before it has to wait (carpathia's choice: typos happen).
FREE_FAILURES = 5
#: Longest wait imposed on one address after repeated wrong tokens, seconds.
MAX_LOCK_S = 900.0
#: A session ends after this long without a request (an operational period), seconds.
SESSION_IDLE_S = 12 * 3600.0
#: A session ends this long after its login whatever happens, seconds.
SESSION_MAX_S = 24 * 3600.0
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


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_user(name: str | None) -> str:
    """A user name for the audit log: trimmed, one line, at most 60 characters, no control
    characters (terminal escapes, bidirectional overrides)."""
    text = " ".join(_CONTROL.sub(" ", str(name or "")).split())
    if not text:
        raise InputError("give a user name (it goes into the incident log)")
    if len(text) > _MAX_USER:
        raise InputError(f"the user name must be at most {_MAX_USER} characters")
    return text


@dataclass
class _Session:
    user: str
    created: float
    seen: float
    label: str  # what the audit log records: a digest of the session id, never the id


@dataclass
class _Failures:
    count: int = 0
    until: float = 0.0  # no try accepted before this time (monotonic seconds)


class Throttled(Exception):
    """Too many wrong tokens from one address: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many wrong tokens from this address; try again in {math.ceil(retry_after)} s")
        self.retry_after = retry_after


class Auth:
    """The token (or none), the login sessions and the failed tries of one running server."""

    def __init__(
        self,
        token: str | None,
        default_user: str,
        *,
        clock=time.monotonic,
        idle_s: float = SESSION_IDLE_S,
        max_s: float = SESSION_MAX_S,
    ) -> None:
        self.token = token
        self.default_user = default_user
        self.clock = clock
        self.idle_s = float(idle_s)
        self.max_s = float(max_s)
        self._sessions: dict[str, _Session] = {}
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    @property
    def required(self) -> bool:
        return self.token is not None

    def token_ok(self, given: object) -> bool:
        if self.token is None:
            return True
        if not isinstance(given, str):  # a number or a list in a JSON login is simply wrong
            return False
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode())

    # ------------------------------------------------------------------ throttling
    def check_throttle(self, client: str) -> None:
        """Raise :class:`Throttled` while ``client`` must wait after wrong tokens."""
        with self._lock:
            f = self._failures.get(client)
            wait = 0.0 if f is None else f.until - self.clock()
        if wait > 0:
            raise Throttled(wait)

    def _failed(self, client: str, what: str) -> None:
        with self._lock:
            f = self._failures.setdefault(client, _Failures())
            f.count += 1
            if f.count >= FREE_FAILURES:
                f.until = self.clock() + min(MAX_LOCK_S, 2.0 ** (f.count - FREE_FAILURES))
            n = f.count
            if len(self._failures) > 10_000:  # a flood of addresses: forget the oldest
                self._failures.pop(next(iter(self._failures)))
        _log.warning("wrong token (%s) from %s: failure %d", what, client, n)

    def _succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    # ------------------------------------------------------------------ sessions
    def login(self, token: object, user: object, client: str = "-") -> str | None:
        """Check the token and start a session for ``user``: the session id for the cookie, or
        None when the token is wrong. Raises :class:`Throttled` while ``client`` must wait."""
        self.check_throttle(client)
        if not self.token_ok(token):
            self._failed(client, "login")
            return None
        if user is not None and not isinstance(user, str):
            raise InputError("the user name must be text")
        name = clean_user(user)
        self._succeeded(client)
        sid = secrets.token_urlsafe(24)
        now = self.clock()
        label = "s-" + hashlib.sha256(sid.encode()).hexdigest()[:12]
        with self._lock:
            self._sessions[sid] = _Session(name, now, now, label)
            for k in [k for k, v in self._sessions.items() if not self._alive(v, now)]:
                del self._sessions[k]
        _log.info("%s logged in from %s (session %s)", name, client, label)
        return sid

    def _alive(self, s: _Session, now: float) -> bool:
        return now - s.seen <= self.idle_s and now - s.created <= self.max_s

    def logout(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)

    def session(self, sid: str | None) -> _Session | None:
        """The live session of a cookie (its idle clock restarted), or None."""
        if not sid:
            return None
        now = self.clock()
        with self._lock:
            s = self._sessions.get(sid)
            if s is None:
                return None
            if not self._alive(s, now):
                del self._sessions[sid]
                return None
            s.seen = now
            return s

    def identify(self, headers: dict[str, str], cookies: dict[str, str], client: str = "-") -> tuple[str, str] | None:
        """``(user, session label)`` behind a request, or None when it must be refused.

        Raises :class:`Throttled` when a wrong bearer token comes from an address that must wait.
        """
        s = self.session(cookies.get(COOKIE))
        if s is not None:
            return s.user, s.label
        auth = headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        bearer = value.strip() if scheme.lower() == "bearer" else None
        named = clean_user_or_none(headers.get(USER_HEADER, ""))
        if self.token is None:
            return named or self.default_user, "loopback"
        if not bearer:
            return None
        self.check_throttle(client)
        if not self.token_ok(bearer):
            self._failed(client, "bearer")
            return None
        self._succeeded(client)
        return named or self.default_user, "bearer"


def clean_user_or_none(name: str) -> str | None:
    text = " ".join(_CONTROL.sub(" ", str(name or "")).split())
    return text[:_MAX_USER] if text else None


def _cookies(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in raw.split(";"):
        k, sep, v = part.strip().partition("=")
        if sep:
            out[k] = v
    return out


#: Paths reachable without credentials: the login form posts here (and checks the token itself).
_OPEN_PATHS = frozenset({"/api/login"})
#: Path prefix reachable without credentials: the locate-me page and its two posts, which check
#: their own one-time token (web/_locate.py).
_OPEN_PREFIX = "/locate/"


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
        client = client_address(scope)
        try:
            who = self.auth.identify(headers, _cookies(headers.get("cookie", "")), client)
        except Throttled as exc:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            wait = str(math.ceil(exc.retry_after)).encode()
            await _send(send, 429, {"error": str(exc)}, extra=[(b"retry-after", wait)])
            return
        user, session = who if who is not None else (None, None)
        if who is None and path not in _OPEN_PATHS and not (path.startswith(_OPEN_PREFIX) and scope["type"] == "http"):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await _refuse(send, headers)
            return
        if method not in ("GET", "HEAD", "OPTIONS") and not _same_origin(headers):
            await _send(send, 403, {"error": "cross-origin writes are refused; use the page served by this server"})
            return
        st = scope.setdefault("state", {})
        st["user"], st["session"], st["client"] = user, session, client
        if method in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        status = {}

        async def _send_status(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, _send_status)
        _log.info("%s (%s, %s) %s %s -> %s", user or "-", session or "-", client, method, path, status.get("code"))


def client_address(scope) -> str:
    """The peer's address as the server saw it (proxies are not trusted)."""
    c = scope.get("client")
    return str(c[0]) if c else "-"


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


async def _send(send, status: int, body, *, content_type: str = "application/json", extra=()) -> None:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    extra = [*extra, *([(b"www-authenticate", b"Bearer")] if status == 401 else [])]
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
        except (ValueError, RecursionError):
            raise InputError("the login body is not JSON") from None
        if not isinstance(obj, dict):
            raise InputError("the login body must be a JSON object with token and user")
        return obj.get("token"), obj.get("user")
    form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=20)
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
