"""The incident store: one SQLite file per workspace, an append-only audit log, undo.

Durability: WAL journal, ``synchronous=FULL`` (a committed change survives a power cut),
foreign keys on, and every change made inside :meth:`Store.transaction`, which is one
``BEGIN IMMEDIATE … COMMIT``: a process killed at any point leaves either the whole change or
none of it. The audit row is written in the same transaction as the change it records, so the
log and the data never disagree.

Every write goes through a :class:`Transaction`'s ``insert``/``update``/``delete``, which
capture the row before and after; the audit row keeps that list (``changes``) as JSON, and
:meth:`Store.undo` applies it backwards in a new transaction that is itself logged. The audit
table refuses UPDATE and DELETE (triggers). Rasters (terrain, probability maps, coverage) are
content-addressed blobs: the key is the SHA-256 of the bytes, checked again on every read.

The default path of a workspace is ``./carpathia.db``, or ``$CARPATHIA_DB`` when set
(:func:`default_db_path`); the CLI's ``--db`` overrides both.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import getpass
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from carpathia.errors import DataFileError, FileNotFound, InputError

from ._schema import AUDITED, GENESIS, MIGRATIONS, audit_hash

__all__ = ["APPLICATION_ID", "ConflictError", "Store", "Transaction", "default_db_path", "now_iso", "whoami"]

#: ``PRAGMA application_id`` of a carpathia store ("CRPT"), so other SQLite files are refused.
APPLICATION_ID = 0x43525054
#: The tables a caller may name: exactly the audited ones.
_TABLES = frozenset(AUDITED)
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


class ConflictError(InputError):
    """A change that collides with one made at the same moment by someone else (HTTP 409): the
    name or number was taken between the check and the write. Nothing was written; reload and retry."""


def default_db_path() -> Path:
    """``$CARPATHIA_DB`` if set, else ``carpathia.db`` in the current folder."""
    return Path(os.environ.get("CARPATHIA_DB") or "carpathia.db")


def now_iso() -> str:
    """The current time, ISO 8601 in UTC with its zone, to the second."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def whoami(user: str | None = None) -> str:
    """Who makes a change: ``user`` if given, else ``$USER``, else the login name."""
    if user is not None and str(user).strip():
        return str(user).strip()
    env = os.environ.get("USER") or os.environ.get("USERNAME")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def _q(name: str) -> str:
    if not _IDENT.match(name):
        raise InputError(f"not a column or table name: {name!r}")
    return f'"{name}"'


class Transaction:
    """One open write transaction: every row change is captured for the audit log and undo."""

    def __init__(self, conn: sqlite3.Connection, incident_id: int | None) -> None:
        self._conn = conn
        self.incident_id = incident_id
        self.changes: list[dict[str, Any]] = []

    def execute(self, sql: str, params: Sequence = ()) -> sqlite3.Cursor:
        """A read inside the transaction (writes must use insert/update/delete)."""
        return self._conn.execute(sql, params)

    def row(self, table: str, rid: int) -> dict[str, Any] | None:
        _table(table)
        r = self._conn.execute(f"SELECT * FROM {_q(table)} WHERE id = ?", (rid,)).fetchone()
        return None if r is None else dict(r)

    def insert(self, table: str, **cols: Any) -> int:
        """Insert a row; returns its id."""
        _table(table)
        names = ", ".join(_q(c) for c in cols)
        marks = ", ".join("?" for _ in cols)
        cur = self._conn.execute(f"INSERT INTO {_q(table)} ({names}) VALUES ({marks})", tuple(cols.values()))
        rid = int(cur.lastrowid)
        self.changes.append({"table": table, "id": rid, "before": None, "after": self.row(table, rid)})
        return rid

    def update(self, table: str, rid: int, **cols: Any) -> None:
        """Change columns of one row."""
        before = self.row(table, rid)
        if before is None:
            raise InputError(f"no row {rid} in {table}")
        sets = ", ".join(f"{_q(c)} = ?" for c in cols)
        self._conn.execute(f"UPDATE {_q(table)} SET {sets} WHERE id = ?", (*cols.values(), rid))
        self.changes.append({"table": table, "id": rid, "before": before, "after": self.row(table, rid)})

    def delete(self, table: str, rid: int) -> None:
        """Delete one row."""
        before = self.row(table, rid)
        if before is None:
            raise InputError(f"no row {rid} in {table}")
        self._conn.execute(f"DELETE FROM {_q(table)} WHERE id = ?", (rid,))
        self.changes.append({"table": table, "id": rid, "before": before, "after": None})

    def put_blob(self, kind: str, data: bytes) -> str:
        """Store bytes under their SHA-256 (once); returns the hex digest."""
        sha = hashlib.sha256(data).hexdigest()
        self._conn.execute(
            "INSERT OR IGNORE INTO blobs (sha256, kind, size, created, data) VALUES (?, ?, ?, ?, ?)",
            (sha, kind, len(data), now_iso(), sqlite3.Binary(data)),
        )
        return sha


def _create_private(p: Path) -> None:
    """Create the empty workspace file readable and writable by its owner only (0600): it holds
    names, positions and the audit log. SQLite gives its -wal and -shm files the same mode."""
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise InputError(f"cannot create the workspace {p}: {exc.strerror}") from None
    os.close(fd)


def _conflict(exc: sqlite3.IntegrityError) -> ConflictError:
    text = str(exc)
    m = re.search(r"UNIQUE constraint failed: (\w+)\.(\w+)", text)
    if m:
        return ConflictError(
            f"another change took this {m.group(2)} in {m.group(1)} a moment ago; nothing was written, reload and retry"
        )
    return ConflictError(f"the change conflicts with the workspace ({text}); nothing was written, reload and retry")


def _table(name: str) -> None:
    if name not in _TABLES:
        raise InputError(f"unknown table {name!r}")


class Store:
    """An open incident store (SQLite file), created and migrated on open.

    Parameters
    ----------
    path
        The workspace file; created when missing unless ``create`` is false.
    create
        Create a new store when the file does not exist.

    Raises
    ------
    FileNotFound
        No such file and ``create`` is false.
    DataFileError
        The file is not a SQLite database, is another program's database, or was written by a
        newer carpathia (its schema version is ahead of this one's migrations).
    """

    def __init__(self, path: str | os.PathLike, *, create: bool = True, migrations: Sequence[str] = MIGRATIONS):
        p = Path(path)
        if p.is_dir():
            raise InputError(f"{p} is a folder; the workspace is a file such as {p / 'carpathia.db'}")
        if not p.exists():
            if not create:
                raise FileNotFound(f"{p}: no such workspace; create one with 'carpathia incident new --db {p}'")
            if not p.parent.exists():
                raise FileNotFound(f"{p.parent}: no such folder for the workspace")
            if not p.parent.is_dir():
                raise InputError(f"{p.parent} is a file, not a folder; the workspace cannot go below it")
            _create_private(p)
        self.path = p
        #: Who is behind the changes besides the claimed name: a session id and a client address,
        #: written into every audit row (set by the CLI and the web server).
        self.session: str | None = None
        self.client: str | None = None
        self._migrations = tuple(migrations)
        try:
            self.conn = sqlite3.connect(p, isolation_level=None, timeout=30.0)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA busy_timeout = 30000")
            self.conn.execute("PRAGMA foreign_keys = ON")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.conn.execute("PRAGMA synchronous = FULL")
            self._check_and_migrate()
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(AttributeError, sqlite3.Error):
                self.conn.close()
            raise DataFileError(f"{p} is not a carpathia workspace (SQLite says: {exc})") from exc
        self.journal_mode = str(mode).lower()
        cols = {r[1] for r in self.conn.execute("PRAGMA table_info(audit)").fetchall()}
        #: Whether audit rows carry the hash chain (schema 2 on); a store opened with fewer
        #: migrations (tests of upgrades) writes rows as its schema knows them.
        self.chained = "hash" in cols

    # ------------------------------------------------------------------ life cycle
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _check_and_migrate(self) -> None:
        version = self.schema_version
        app = int(self.conn.execute("PRAGMA application_id").fetchone()[0])
        tables = self.conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if app != APPLICATION_ID and (version != 0 or tables != 0):
            raise DataFileError(f"{self.path} is a SQLite file of another program, not a carpathia workspace")
        if version > len(self._migrations):
            raise DataFileError(
                f"{self.path} has schema version {version}, newer than this carpathia's "
                f"{len(self._migrations)}; upgrade carpathia to open it"
            )
        for k in range(version, len(self._migrations)):
            step = self._migrations[k]
            if isinstance(step, str):
                script = f"BEGIN IMMEDIATE;\n{step}\nPRAGMA application_id = {APPLICATION_ID};\n"
                script += f"PRAGMA user_version = {k + 1};\nCOMMIT;"
                try:
                    self.conn.executescript(script)
                except sqlite3.Error:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
                continue
            # a migration that rebuilds tables: foreign keys off around it, checked before the commit
            self.conn.execute("PRAGMA foreign_keys = OFF")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                if int(self.conn.execute("PRAGMA user_version").fetchone()[0]) == k:  # not done by another process
                    step(self.conn)
                    bad = self.conn.execute("PRAGMA foreign_key_check").fetchall()
                    if bad:
                        raise DataFileError(f"{self.path}: migration {k + 1} breaks foreign keys: {bad[:3]}")
                    self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    self.conn.execute(f"PRAGMA user_version = {k + 1}")
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            finally:
                self.conn.execute("PRAGMA foreign_keys = ON")

    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check`` and ``foreign_key_check``: an empty list when all is well."""
        out = [r[0] for r in self.conn.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
        out += [f"foreign key: {tuple(r)}" for r in self.conn.execute("PRAGMA foreign_key_check").fetchall()]
        return out

    # ------------------------------------------------------------------ reads
    def one(self, sql: str, params: Sequence = ()) -> dict[str, Any] | None:
        r = self.conn.execute(sql, params).fetchone()
        return None if r is None else dict(r)

    def all(self, sql: str, params: Sequence = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(sql, params).fetchall()]

    def count(self, table: str, incident_id: int | None = None) -> int:
        """Rows in ``table`` (of one incident when given)."""
        if table not in _TABLES and table not in ("audit", "blobs"):
            raise InputError(f"unknown table {table!r}")
        if incident_id is None:
            return int(self.conn.execute(f"SELECT count(*) FROM {_q(table)}").fetchone()[0])
        return int(
            self.conn.execute(f"SELECT count(*) FROM {_q(table)} WHERE incident_id = ?", (incident_id,)).fetchone()[0]
        )

    def blob(self, sha: str) -> bytes:
        """The bytes stored under ``sha``, checked against it."""
        r = self.conn.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha,)).fetchone()
        if r is None:
            raise DataFileError(f"{self.path}: blob {sha[:12]}… is missing; the workspace is damaged")
        data = bytes(r[0])
        if hashlib.sha256(data).hexdigest() != sha:
            raise DataFileError(f"{self.path}: blob {sha[:12]}… fails its checksum; the workspace is damaged")
        return data

    # ------------------------------------------------------------------ writes
    @contextlib.contextmanager
    def transaction(
        self, action: str, *, who: str | None = None, incident_id: int | None = None, summary: str = ""
    ) -> Iterator[Transaction]:
        """One atomic, audited change: ``BEGIN IMMEDIATE``, the block's writes, the audit row, ``COMMIT``.

        Any exception in the block rolls everything back (nothing is written) and propagates.
        Set ``tx.incident_id`` inside the block when the incident is created there.
        """
        self.conn.execute("BEGIN IMMEDIATE")
        tx = Transaction(self.conn, incident_id)
        try:
            try:
                yield tx
            except sqlite3.IntegrityError as exc:
                if "UNIQUE" not in str(exc):
                    raise
                raise _conflict(exc) from None
            if tx.changes:
                self._append_audit(tx.incident_id, who, action, summary or action, tx.changes)
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def _append_audit(self, incident_id, who, action, summary, changes, undoes=None) -> int:
        """Append one audit row, chained to the last one by its hash (inside the open transaction)."""
        last = self.conn.execute(
            f"SELECT id, {'hash' if self.chained else 'NULL AS hash'} FROM audit ORDER BY id DESC LIMIT 1"
        ).fetchone()
        seq = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
        rid = max(int(last["id"]) if last else 0, int(seq[0]) if seq else 0) + 1
        row = {
            "id": rid,
            "incident_id": incident_id,
            "time": now_iso(),
            "who": whoami(who),
            "action": action,
            "summary": summary,
            "changes": json.dumps(changes, ensure_ascii=False, default=str),
            "undoes": undoes,
            "session": self.session,
            "client": self.client,
        }
        if self.chained:
            prev = (last["hash"] if last else None) or GENESIS
            row["prev_hash"], row["hash"] = prev, audit_hash(prev, row)
        else:
            del row["session"], row["client"]
        names = ", ".join(row)
        self.conn.execute(f"INSERT INTO audit ({names}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values()))
        return rid

    def verify(self) -> list[str]:
        """Check the audit log's hash chain and that every audited row is what the log says.

        Returns the problems found (an empty list when all is well): a row whose hash or link to
        the previous row does not match (history rewritten, removed or reordered), and a table row
        that differs from the state the log's changes lead to (a change made around the log).
        The chain is keyed by nothing secret: someone who rewrites the whole file can recompute
        it, which is why :meth:`head` should be noted down outside the workspace now and then.
        """
        problems: list[str] = []
        prev = GENESIS
        state: dict[tuple[str, int], Any] = {}
        for r in self.conn.execute("SELECT * FROM audit ORDER BY id"):
            row = dict(r)
            if row["prev_hash"] != prev:
                problems.append(f"audit entry {row['id']}: does not follow the entry before it (removed or moved)")
            if row["hash"] != audit_hash(row["prev_hash"] or GENESIS, row):
                problems.append(f"audit entry {row['id']}: its content does not match its hash (rewritten)")
            prev = row["hash"] or GENESIS
            try:
                changes = json.loads(row["changes"])
            except ValueError:
                problems.append(f"audit entry {row['id']}: unreadable changes")
                continue
            for ch in changes:
                state[(ch["table"], int(ch["id"]))] = ch["after"]
        for table in AUDITED:
            actual = {
                int(r["id"]): json.loads(json.dumps(dict(r), ensure_ascii=False, default=str))
                for r in self.conn.execute(f"SELECT * FROM {_q(table)}")
            }
            expected = {rid: after for (t, rid), after in state.items() if t == table and after is not None}
            for rid in sorted(set(actual) | set(expected)):
                if rid not in expected:
                    problems.append(f"{table} row {rid} is not in the audit log (written around it)")
                elif rid not in actual:
                    problems.append(f"{table} row {rid} is in the audit log but missing (deleted around it)")
                elif actual[rid] != expected[rid]:
                    problems.append(f"{table} row {rid} differs from the audit log (changed around it)")
        return problems

    def head(self) -> tuple[int, str] | None:
        """The last audit entry's id and hash: note them down (paper log) to anchor the chain."""
        r = self.conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        return None if r is None else (int(r["id"]), str(r["hash"]))

    def log(self, incident_id: int | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Audit entries, oldest first: id, time, who, action, summary, undoes, undone_by, changes."""
        where, params = ("WHERE incident_id = ?", (incident_id,)) if incident_id is not None else ("", ())
        rows = self.all(f"SELECT * FROM audit {where} ORDER BY id", params)
        undone = {r["undoes"]: r["id"] for r in rows if r["undoes"] is not None}
        for r in rows:
            r["changes"] = json.loads(r["changes"])
            r["undone_by"] = undone.get(r["id"])
        return rows[-limit:] if limit else rows

    def undo(self, incident_id: int | None = None, *, who: str | None = None) -> dict[str, Any]:
        """Undo the last change (of ``incident_id`` when given) that is not an undo and not undone.

        The inverse changes are applied in reverse order in one transaction and logged as a new
        audit entry with ``undoes`` set. Returns that entry. Raises :class:`InputError` when
        nothing is left to undo or when a row has changed since (the log would not match).
        """
        where = "AND incident_id = ?" if incident_id is not None else ""
        params = (incident_id,) if incident_id is not None else ()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            last = self.conn.execute(
                f"SELECT * FROM audit WHERE undoes IS NULL {where} AND id NOT IN "
                f"(SELECT undoes FROM audit WHERE undoes IS NOT NULL) ORDER BY id DESC LIMIT 1",
                params,
            ).fetchone()
            if last is None:
                raise InputError("nothing to undo")
            tx = Transaction(self.conn, last["incident_id"])
            for ch in reversed(json.loads(last["changes"])):
                table, rid, before, after = ch["table"], ch["id"], ch["before"], ch["after"]
                current = tx.row(table, rid)
                if current != after:
                    raise InputError(f"cannot undo entry {last['id']}: {table} row {rid} has changed since")
                if before is None:
                    tx.delete(table, rid)
                elif after is None:
                    tx.insert(table, **before)
                else:
                    tx.update(table, rid, **{k: v for k, v in before.items() if k != "id"})
            rid = self._append_audit(
                last["incident_id"], who, "undo", f"undo #{last['id']}: {last['summary']}", tx.changes, last["id"]
            )
            self.conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if "UNIQUE" not in str(exc):
                raise
            raise _conflict(exc) from None
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        out = self.one("SELECT * FROM audit WHERE id = ?", (rid,))
        assert out is not None
        out["changes"] = json.loads(out["changes"])
        return out

    def __repr__(self) -> str:
        return f"<Store {self.path} schema v{self.schema_version}>"
