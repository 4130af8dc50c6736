"""The store: durability settings, versioned schema with migrations, audit log, undo, checksums."""

from __future__ import annotations

import sqlite3

import pytest

from carpathia.errors import DataFileError, FileNotFound, InputError
from carpathia.incident import Store
from carpathia.incident._schema import MIGRATIONS, SCHEMA_VERSION
from carpathia.incident.store import APPLICATION_ID


def _weather_row(tx, iid):
    return tx.insert("weather", incident_id=iid, time="2024-01-13T16:00:00+00:00", air_temp_c=-5.0, wind_kmh=20.0)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.db")
    with s.transaction("setup", who="t") as tx:
        sha = tx.put_blob("terrain", b"not really a terrain")
        iid = tx.insert(
            "incidents",
            name="x",
            created="2024-01-13T16:00:00+00:00",
            category="hiker",
            last_seen="2024-01-13T15:00:00+00:00",
            region="r",
            terrain_sha=sha,
        )
        tx.incident_id = iid
    yield s
    s.close()


def test_durability_pragmas_and_version(store):
    c = store.conn
    assert store.journal_mode == "wal"
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert c.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    assert c.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert store.integrity_check() == []


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError), store.transaction("bad", who="t") as tx:
        _weather_row(tx, 999)
    assert store.count("weather") == 0


def test_a_failed_block_writes_nothing(store):
    before = (store.count("weather"), store.count("audit"))
    with pytest.raises(RuntimeError), store.transaction("two rows", who="t", incident_id=1) as tx:
        _weather_row(tx, 1)
        _weather_row(tx, 1)
        raise RuntimeError("boom")
    assert (store.count("weather"), store.count("audit")) == before


def test_audit_row_records_who_what_before_after(store):
    with store.transaction("weather", who="alice", incident_id=1, summary="cold") as tx:
        rid = _weather_row(tx, 1)
    with store.transaction("weather fix", who="bob", incident_id=1) as tx:
        tx.update("weather", rid, air_temp_c=-7.5)
    log = store.log(1)
    assert [e["who"] for e in log[-2:]] == ["alice", "bob"]
    assert log[-2]["summary"] == "cold"
    ch = log[-1]["changes"][0]
    assert ch["table"] == "weather" and ch["before"]["air_temp_c"] == -5.0 and ch["after"]["air_temp_c"] == -7.5
    assert log[-1]["time"].endswith("+00:00")  # ISO 8601 with zone


def test_audit_log_is_append_only(store):
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("UPDATE audit SET who = 'mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("DELETE FROM audit")


def test_undo_insert_update_delete_in_order(store):
    with store.transaction("add", who="t", incident_id=1) as tx:
        rid = _weather_row(tx, 1)
    with store.transaction("edit", who="t", incident_id=1) as tx:
        tx.update("weather", rid, wind_kmh=55.0)
    with store.transaction("remove", who="t", incident_id=1) as tx:
        tx.delete("weather", rid)
    assert store.count("weather") == 0
    u = store.undo(1, who="t")
    assert u["action"] == "undo" and u["summary"].startswith("undo #")
    assert store.one("SELECT wind_kmh FROM weather WHERE id = ?", (rid,))["wind_kmh"] == 55.0
    store.undo(1, who="t")
    assert store.one("SELECT wind_kmh FROM weather WHERE id = ?", (rid,))["wind_kmh"] == 20.0
    store.undo(1, who="t")
    assert store.count("weather") == 0
    store.undo(1, who="t")  # the incident itself
    assert store.count("incidents") == 0
    with pytest.raises(InputError, match="nothing to undo"):
        store.undo(1, who="t")
    log = store.log()
    assert sum(e["undone_by"] is not None for e in log) == 4
    assert store.integrity_check() == []


def test_blob_checksum_is_verified_on_read(store):
    with store.transaction("blob", who="t") as tx:
        sha = tx.put_blob("map", b"abc")
    assert store.blob(sha) == b"abc"
    store.conn.execute("UPDATE blobs SET data = ? WHERE sha256 = ?", (b"abd", sha))
    with pytest.raises(DataFileError, match="checksum"):
        store.blob(sha)
    with pytest.raises(DataFileError, match="missing"):
        store.blob("0" * 64)


def test_migrations_run_in_order_and_newer_files_are_refused(tmp_path):
    p = tmp_path / "m.db"
    Store(p).close()
    extra = "CREATE TABLE radio_log (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"
    with Store(p, migrations=(*MIGRATIONS, extra)) as s:
        assert s.schema_version == SCHEMA_VERSION + 1
        s.conn.execute("INSERT INTO radio_log (text) VALUES ('ok')")
    with pytest.raises(DataFileError, match="newer"):
        Store(p)


def test_a_broken_migration_leaves_the_old_version(tmp_path):
    p = tmp_path / "m.db"
    Store(p).close()
    with pytest.raises(DataFileError):
        Store(p, migrations=(*MIGRATIONS, "CREATE TABLE a (x); CREATE TABLE a (x);"))
    with Store(p) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.one("SELECT name FROM sqlite_master WHERE name = 'a'") is None


def test_foreign_files_are_refused(tmp_path):
    other = tmp_path / "other.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(DataFileError, match="another program"):
        Store(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DataFileError, match="not a carpathia workspace"):
        Store(junk)
    with pytest.raises(FileNotFound):
        Store(tmp_path / "missing.db", create=False)
    with pytest.raises(InputError, match="folder"):
        Store(tmp_path)
