"""``carpathia serve``: the web command post on this laptop or the command post's LAN."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import typer

from carpathia.errors import FileNotFound, InputError

from ._common import console


def serve_cmd(
    db: Path = typer.Option(None, "--db", help="Incident workspace (SQLite); default $CARPATHIA_DB or ./carpathia.db."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; anything but loopback needs a token."),
    port: int = typer.Option(8765, "--port", help="TCP port."),
    token: str = typer.Option(
        None,
        "--token",
        envvar="CARPATHIA_TOKEN",
        help="Shared secret for LAN mode (made and printed once when --host is not loopback). "
        "Prefer $CARPATHIA_TOKEN or --token-file: a command line is visible to every user in 'ps'.",
    ),
    token_file: Path = typer.Option(
        None, "--token-file", help="Read the shared secret from this file (first line), not the command line."
    ),
    ssl_certfile: Path = typer.Option(None, "--ssl-certfile", help="TLS certificate (PEM): serve HTTPS."),
    ssl_keyfile: Path = typer.Option(None, "--ssl-keyfile", help="TLS private key (PEM) of --ssl-certfile."),
    user: str = typer.Option(None, "--user", help="Name logged for changes from clients that give none."),
    tile_cache: Path = typer.Option(None, "--tile-cache", help="Folder to keep rendered basemap tiles in."),
    max_upload_mb: float = typer.Option(20.0, "--max-upload-mb", help="Largest upload accepted, MiB."),
) -> None:
    """Serve the command post: map, incident workflow and live updates for every browser."""
    import uvicorn

    from carpathia.web import create_app, is_loopback, resolve_token

    if not 1 <= port <= 65535:
        raise InputError(f"--port must be in 1..65535, not {port}")
    if not max_upload_mb > 0:
        raise InputError("--max-upload-mb must be positive")
    if token_file is not None:
        if token is not None:
            raise InputError("give the token once: --token (or $CARPATHIA_TOKEN) or --token-file")
        token = _read_token(token_file)
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise InputError("HTTPS needs both --ssl-certfile and --ssl-keyfile")
    for f in (ssl_certfile, ssl_keyfile):
        if f is not None and not f.is_file():
            raise FileNotFound(f"{f}: no such file")
    tls = ssl_certfile is not None
    secret, generated = resolve_token(host, token)
    _check_port(host, port)
    limit = int(max_upload_mb * 2**20)
    app = create_app(
        db=db,
        token=secret,
        user=user,
        tile_cache_dir=tile_cache,
        max_upload_bytes=limit,
        host=host,
        secure_cookies=tls,
    )
    shown = "localhost" if is_loopback(host) else host
    scheme = "https" if tls else "http"
    console.print(f"carpathia command post on {scheme}://{shown}:{port}/  (workspace {app.state.carpathia.db})")
    if generated:
        console.print(f"LAN mode: token {secret}  (give it to the team; it is not shown again)")
    elif secret is not None:
        console.print("LAN mode: clients must log in with the token given by --token")
    if token_file is None and any(a == "--token" or a.startswith("--token=") for a in sys.argv):
        console.print(
            "note: a --token on the command line is visible to every user of this machine (ps); "
            "prefer $CARPATHIA_TOKEN or --token-file"
        )
    if secret is not None and not tls:
        console.print("plain HTTP: the secret and pages cross the LAN unencrypted (see --ssl-certfile/--ssl-keyfile)")
    console.print("stop with Ctrl-C")
    _log_to_stderr()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=2,
        ssl_certfile=str(ssl_certfile) if tls else None,
        ssl_keyfile=str(ssl_keyfile) if tls else None,
    )


def _read_token(path: Path) -> str:
    if not path.is_file():
        raise FileNotFound(f"{path}: no such token file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the token ({exc})") from None
    token = lines[0].strip() if lines else ""
    if not token:
        raise InputError(f"{path}: the token file is empty")
    return token


def _log_to_stderr() -> None:
    """Logins, failed tokens, refused hosts and every write go to stderr with a time stamp."""
    import logging

    log = logging.getLogger("carpathia.web")
    if not log.handlers:
        h = logging.StreamHandler()
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(h)
        log.setLevel(logging.INFO)


def _check_port(host: str, port: int) -> None:
    """A clear error before uvicorn's when the address is taken or not this machine's."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise InputError(f"--host {host!r} is not an address of this machine") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port") from None
