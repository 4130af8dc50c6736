"""The locate-me link (issue 15 item 5): a one-time page that sends the lost person's position.

The team issues a link for one incident (``POST /api/incidents/{id}/locate-links``, team token
required). Opened on the lost person's phone, ``/locate/<token>`` asks the browser for its
position and sends it, with its accuracy and the battery level, as a ``locate-me`` location
report, again every :data:`RESEND_S` seconds while the page stays open.

Security: the token is 192 random bits, kept only as its SHA-256, valid for a set time
(:data:`DEFAULT_MINUTES`, at most :data:`MAX_MINUTES`); the first opening binds it to that page
(a second opening is refused); fixes are rate-limited (:data:`MIN_INTERVAL_S`, at most
:data:`MAX_FIXES`); wrong tokens are throttled per address. The page shows nothing of the
incident and the routes under ``/locate/`` reach nothing else. Links live in the server's
memory: a restart ends them. Browsers give positions only to secure pages: in the field the
server must be reached over HTTPS (or on the phone itself, localhost).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from carpathia.errors import InputError

__all__ = ["LocateLinks", "register"]

#: Path prefix reachable without the team token.
PREFIX = "/locate/"
DEFAULT_MINUTES = 240
MAX_MINUTES = 24 * 60
#: Fewest seconds between two accepted fixes of one link; the page resends every RESEND_S.
MIN_INTERVAL_S = 10.0
RESEND_S = 30
MAX_FIXES = 720
#: Wrong tokens from one address before it waits (per ten minutes).
MAX_BAD_TOKENS = 20


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class _Link:
    incident_id: int
    issued_by: str
    expires: float  # time.time()
    nonce_sha: str | None = None
    fixes: int = 0
    last_fix: float = 0.0


@dataclass
class LocateLinks:
    """The live links of one server: token SHA-256 -> link; ``clock`` is ``time.time``."""

    clock: Any = time.time
    _links: dict[str, _Link] = field(default_factory=dict)
    _bad: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, incident_id: int, issued_by: str, minutes: float = DEFAULT_MINUTES) -> tuple[str, float]:
        if not 1 <= minutes <= MAX_MINUTES:
            raise InputError(f"a locate-me link lasts 1 to {MAX_MINUTES} minutes, not {minutes:g}")
        token = secrets.token_urlsafe(24)
        expires = self.clock() + minutes * 60.0
        with self._lock:
            now = self.clock()
            self._links = {k: v for k, v in self._links.items() if v.expires > now}  # forget dead links
            self._links[_sha(token)] = _Link(int(incident_id), issued_by, expires)
        return token, expires

    def _throttled(self, client: str) -> bool:
        now = self.clock()
        hits = [t for t in self._bad.get(client, []) if now - t < 600]
        self._bad[client] = hits
        return len(hits) >= MAX_BAD_TOKENS

    def lookup(self, token: str, client: str) -> tuple[int, _Link | None, str]:
        """(status, link, message): 200 with the link, or the refusal."""
        with self._lock:
            if self._throttled(client):
                return 429, None, "too many wrong links from this address; wait ten minutes"
            link = self._links.get(_sha(token)) if 16 <= len(token) <= 64 else None
            if link is None:
                self._bad.setdefault(client, []).append(self.clock())
                return 404, None, "this link is not valid"
            if link.expires <= self.clock():
                return 410, None, "this link has expired; ask the rescue team for a new one"
            return 200, link, ""

    def bind(self, link: _Link) -> str | None:
        """The page's nonce on the first opening; None when the link was opened already."""
        with self._lock:
            if link.nonce_sha is not None:
                return None
            nonce = secrets.token_urlsafe(18)
            link.nonce_sha = _sha(nonce)
            return nonce

    def accept_fix(self, link: _Link, nonce: str) -> tuple[int, str]:
        with self._lock:
            if link.nonce_sha is None or not hmac.compare_digest(link.nonce_sha, _sha(nonce)):
                return 403, "this page did not open the link"
            now = self.clock()
            if link.fixes >= MAX_FIXES:
                return 429, "this link has sent all the positions it may"
            if now - link.last_fix < MIN_INTERVAL_S:
                return 429, f"one position every {MIN_INTERVAL_S:g} s"
            link.fixes += 1
            link.last_fix = now
            return 200, ""


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: float = Field(DEFAULT_MINUTES, ge=1, le=MAX_MINUTES, description="How long the link lives.")


class FixIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nonce: str = Field(min_length=8, max_length=64)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0, le=1_000_000, description="Metres at 95 % (W3C).")
    battery: float | None = Field(None, ge=0, le=100)
    time_ms: float | None = Field(None, description="The browser's timestamp of the fix, ms since 1970.")


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Send your location</title>
<style>body{{font:18px/1.4 sans-serif;margin:1.5em;max-width:32em}}#status{{font-weight:bold}}</style>
</head><body data-nonce="{nonce}">
<h1>Mountain rescue: send your location</h1>
<p>Allow this page to use your location. Keep it open: it sends your position again every
{resend} seconds. Keep your phone warm and save its battery.</p>
<p id="status">Asking for your location…</p>
<p id="fixes"></p>
<script src="/locate/app.js"></script>
</body></html>
"""

_REFUSAL = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Link not valid</title></head><body><h1>{message}</h1>
<p>Call 112 or the rescue team and ask for a new link.</p></body></html>
"""

_JS = """'use strict';
(function () {
  var nonce = document.body.dataset.nonce;
  var base = location.pathname.replace(/\\/$/, '');
  var status = document.getElementById('status');
  var count = document.getElementById('fixes');
  var sent = 0, stopped = false;
  function say(text) { status.textContent = text; }
  function battery() {
    if (!navigator.getBattery) { return Promise.resolve(null); }
    return navigator.getBattery().then(function (b) { return Math.round(b.level * 100); },
                                       function () { return null; });
  }
  function post(path, body) {
    return fetch(base + path, {method: 'POST', headers: {'content-type': 'application/json'},
                               body: JSON.stringify(body), credentials: 'omit', cache: 'no-store'});
  }
  function send(pos) {
    battery().then(function (level) {
      return post('/fix', {nonce: nonce, lat: pos.coords.latitude, lon: pos.coords.longitude,
                           accuracy: pos.coords.accuracy, battery: level, time_ms: pos.timestamp});
    }).then(function (r) {
      if (r.status === 201) {
        sent += 1;
        say('Location sent (within ' + Math.round(pos.coords.accuracy) + ' m). Keep this page open.');
        count.textContent = 'Positions sent: ' + sent;
      } else if (r.status === 410 || r.status === 403 || r.status === 404) {
        stopped = true; say('This link no longer works; call the rescue team.');
      }
    }, function () { say('No network: trying again…'); });
  }
  function failed(err) {
    if (err.code === 1) {
      stopped = true;
      say('Location refused. Allow location for this page in your browser settings, then reload.');
      post('/refused', {nonce: nonce});
    } else { say('No position yet: move into the open if you can; trying again…'); }
  }
  function ask() {
    if (stopped) { return; }
    navigator.geolocation.getCurrentPosition(send, failed, {enableHighAccuracy: true, maximumAge: 0, timeout: 60000});
  }
  if (!('geolocation' in navigator)) { say('This browser cannot give a location; call the rescue team.'); return; }
  ask();
  setInterval(ask, RESEND_MS);
})();
""".replace("RESEND_MS", str(RESEND_S * 1000))


def _no_store(resp: Response) -> Response:
    resp.headers["cache-control"] = "no-store"
    resp.headers["permissions-policy"] = "geolocation=(self)"
    return resp


def register(app: FastAPI, state) -> None:
    """Add the link-issuing route (team token) and the open ``/locate/`` routes to ``app``."""
    from carpathia.incident import Workspace
    from carpathia.location import W3C_CONFIDENCE, LocationReport

    from .auth import client_address

    links: LocateLinks = getattr(state, "locate_links", None) or LocateLinks()
    state.locate_links = links
    lock = threading.Lock()

    def publish(iid: int, what: str) -> None:
        state.bus.publish("incident", {"id": iid, "what": what, "user": "locate-me link"})

    @app.post("/api/incidents/{iid}/locate-links", tags=["incidents"], status_code=201)
    def issue(request: Request, iid: int, body: LinkIn | None = None) -> dict[str, Any]:
        """Issue a one-time locate-me link for the incident; send the returned URL to the lost
        person's phone (SMS). It is shown once: only its hash is kept."""
        with Workspace(state.db, user=request.state.user, create=False) as ws:
            real = ws.incident_id(iid)
        token, expires = links.issue(real, request.state.user or "-", (body or LinkIn()).minutes)
        path = f"{PREFIX}{token}"
        return {"path": path, "url": str(request.base_url).rstrip("/") + path,
                "expires": datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds")}

    @app.get("/locate/app.js", include_in_schema=False)
    def script() -> Response:
        return _no_store(Response(_JS, media_type="text/javascript"))

    def refuse(status: int, message: str, *, page: bool) -> Response:
        if page:
            return _no_store(HTMLResponse(_REFUSAL.format(message=html.escape(message)), status_code=status))
        return _no_store(JSONResponse({"error": message}, status_code=status))

    @app.get("/locate/{token}", include_in_schema=False)
    def page(request: Request, token: str) -> Response:
        status, link, message = links.lookup(token, client_address(request.scope))
        if link is None:
            return refuse(status, message, page=True)
        nonce = links.bind(link)
        if nonce is None:
            return refuse(410, "this link was already opened on another phone or page", page=True)
        publish(link.incident_id, "locate-me link opened")
        return _no_store(HTMLResponse(_PAGE.format(nonce=html.escape(nonce), resend=RESEND_S)))

    @app.post("/locate/{token}/fix", include_in_schema=False, status_code=201)
    def fix(request: Request, token: str, body: FixIn) -> Response:
        status, link, message = links.lookup(token, client_address(request.scope))
        if link is None:
            return refuse(status, message, page=False)
        status, message = links.accept_fix(link, body.nonce)
        if status != 200:
            return refuse(status, message, page=False)
        now = datetime.now(UTC)
        when = now
        if body.time_ms is not None:
            t = datetime.fromtimestamp(body.time_ms / 1000.0, UTC)
            if now - timedelta(hours=1) <= t <= now + timedelta(minutes=1):
                when = min(t, now)  # the browser's own fix time, when it is plausible
        report = LocationReport(
            lon=body.lon, lat=body.lat, time=when.replace(microsecond=0), source="locate-me",
            accuracy_m=body.accuracy, confidence=W3C_CONFIDENCE, battery_pct=body.battery,
            verification="plausible", notes="sent by the locate-me link",
        )
        with lock, Workspace(state.db, user="locate-me link", create=False) as ws:
            rid = ws.add_report(report, link.incident_id, source_format="browser")["report_id"]
        publish(link.incident_id, "report")
        return _no_store(JSONResponse({"ok": True, "received": rid > 0}, status_code=201))

    @app.post("/locate/{token}/refused", include_in_schema=False, status_code=204)
    def refused(request: Request, token: str, body: dict[str, Any]) -> Response:
        status, link, message = links.lookup(token, client_address(request.scope))
        if link is None:
            return refuse(status, message, page=False)
        nonce = str(body.get("nonce", ""))[:64]
        if link.nonce_sha is None or not hmac.compare_digest(link.nonce_sha, _sha(nonce)):
            return refuse(403, "this page did not open the link", page=False)
        publish(link.incident_id, "locate-me refused")
        return _no_store(Response(status_code=204))
