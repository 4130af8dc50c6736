"""``carpathia serve``: the web command post on this laptop or the command post's LAN."""

from __future__ import annotations

import socket
from pathlib import Path

import typer

from carpathia.errors import InputError

from ._common import console


def serve_cmd(
    db: Path = typer.Option(None, "--db", help="Incident workspace (SQLite); default $CARPATHIA_DB or ./carpathia.db."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; anything but loopback needs a token."),
    port: int = typer.Option(8765, "--port", help="TCP port."),
    token: str = typer.Option(
        None, "--token", help="Shared secret for LAN mode (made and printed once when --host is not loopback)."
    ),
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
    secret, generated = resolve_token(host, token)
    _check_port(host, port)
    limit = int(max_upload_mb * 2**20)
    app = create_app(db=db, token=secret, user=user, tile_cache_dir=tile_cache, max_upload_bytes=limit)
    shown = "localhost" if is_loopback(host) else host
    console.print(f"carpathia command post on http://{shown}:{port}/  (workspace {app.state.carpathia.db})")
    if generated:
        console.print(f"LAN mode: token {secret}  (give it to the team; it is not shown again)")
    elif secret is not None:
        console.print("LAN mode: clients must log in with the token given by --token")
    console.print("stop with Ctrl-C")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)


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
