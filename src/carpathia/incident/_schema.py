"""The incident store's schema, as a list of migrations.

``MIGRATIONS[k]`` brings a store from schema version ``k`` to ``k + 1`` (``PRAGMA user_version``).
A new release appends a migration and never edits an old one. Geometry is GeoJSON text in
lon/lat with its CRS recorded (``EPSG:4326``); times are ISO 8601 text with a zone; rasters
(terrain, probability maps, coverage) are content-addressed blobs (``blobs.sha256``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3

__all__ = ["AUDITED", "MIGRATIONS", "SCHEMA_VERSION", "audit_hash"]

_V1 = """
CREATE TABLE blobs (
    sha256   TEXT PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('terrain', 'map', 'coverage')),
    size     INTEGER NOT NULL,
    created  TEXT NOT NULL,
    data     BLOB NOT NULL
);
CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    created       TEXT NOT NULL,
    category      TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    eco_region    TEXT,
    terrain_class TEXT,
    region        TEXT NOT NULL,
    terrain_sha   TEXT NOT NULL REFERENCES blobs(sha256),
    search_for    TEXT NOT NULL DEFAULT 'unresponsive' CHECK (search_for IN ('responsive', 'unresponsive')),
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'found', 'suspended')),
    notes         TEXT
);
CREATE TABLE subjects (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    name        TEXT,
    category    TEXT NOT NULL,
    description TEXT
);
CREATE TABLE ipps (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    kind        TEXT NOT NULL CHECK (kind IN ('IPP', 'PLS', 'LKP')),
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    geometry    TEXT NOT NULL,
    crs         TEXT NOT NULL DEFAULT 'EPSG:4326',
    time        TEXT,
    note        TEXT
);
CREATE TABLE weather (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    time         TEXT NOT NULL,
    air_temp_c   REAL NOT NULL,
    wind_kmh     REAL NOT NULL,
    precip_mm_h  REAL,
    snow_depth_m REAL,
    source       TEXT
);
CREATE TABLE periods (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    number      INTEGER NOT NULL CHECK (number >= 1),
    start       TEXT NOT NULL,
    hours       REAL NOT NULL CHECK (hours > 0),
    created     TEXT NOT NULL,
    UNIQUE (incident_id, number)
);
CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    label       TEXT NOT NULL,
    geometry    TEXT NOT NULL,
    crs         TEXT NOT NULL DEFAULT 'EPSG:4326',
    area_m2     REAL NOT NULL CHECK (area_m2 > 0),
    attributes  TEXT,
    UNIQUE (incident_id, label)
);
CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    name         TEXT NOT NULL,
    resource_key TEXT NOT NULL,
    resource     TEXT NOT NULL,
    hours        REAL,
    radio        TEXT,
    UNIQUE (incident_id, name)
);
CREATE TABLE map_versions (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    created       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('model', 'debrief', 'clue')),
    raster_sha    TEXT NOT NULL REFERENCES blobs(sha256),
    grid_hash     TEXT NOT NULL,
    rest_of_world REAL NOT NULL,
    meta          TEXT NOT NULL,
    UNIQUE (incident_id, version)
);
CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    period_id    INTEGER NOT NULL REFERENCES periods(id),
    number       INTEGER NOT NULL CHECK (number >= 101),
    segment_id   INTEGER NOT NULL REFERENCES segments(id),
    team_id      INTEGER NOT NULL REFERENCES teams(id),
    status       TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'debriefed')),
    tactics      TEXT,
    transit_h    REAL,
    search_h     REAL,
    expected_pod REAL,
    expected_pos REAL,
    UNIQUE (incident_id, number)
);
CREATE TABLE debriefs (
    id             INTEGER PRIMARY KEY,
    incident_id    INTEGER NOT NULL REFERENCES incidents(id),
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id),
    time           TEXT NOT NULL,
    found          TEXT NOT NULL CHECK (found IN ('no', 'yes')),
    subject        TEXT NOT NULL,
    coverage_sha   TEXT REFERENCES blobs(sha256),
    segment_pod    REAL,
    mass_searched  REAL,
    map_version_id INTEGER REFERENCES map_versions(id),
    details        TEXT
);
CREATE TABLE tracks (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    debrief_id    INTEGER NOT NULL REFERENCES debriefs(id),
    name          TEXT,
    source        TEXT,
    geometry      TEXT NOT NULL,
    crs           TEXT NOT NULL DEFAULT 'EPSG:4326',
    times         TEXT,
    length_m      REAL NOT NULL,
    start         TEXT,
    "end"         TEXT
);
CREATE TABLE clues (
    id             INTEGER PRIMARY KEY,
    incident_id    INTEGER NOT NULL REFERENCES incidents(id),
    debrief_id     INTEGER REFERENCES debriefs(id),
    time           TEXT NOT NULL,
    lat            REAL NOT NULL,
    lon            REAL NOT NULL,
    geometry       TEXT NOT NULL,
    crs            TEXT NOT NULL DEFAULT 'EPSG:4326',
    description    TEXT,
    sigma_m        REAL NOT NULL,
    weight         REAL NOT NULL,
    map_version_id INTEGER REFERENCES map_versions(id)
);
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER,
    time        TEXT NOT NULL,
    who         TEXT NOT NULL,
    action      TEXT NOT NULL,
    summary     TEXT NOT NULL,
    changes     TEXT NOT NULL,
    undoes      INTEGER REFERENCES audit(id)
);
CREATE INDEX audit_incident ON audit(incident_id, id);
CREATE INDEX map_versions_incident ON map_versions(incident_id, version);
CREATE INDEX debriefs_incident ON debriefs(incident_id, id);
CREATE INDEX tracks_debrief ON tracks(debrief_id);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

#: The audited tables of schema 1, which migration 2 rebuilds (frozen: a migration never changes).
_AUDITED_V1 = (
    "incidents",
    "subjects",
    "ipps",
    "weather",
    "periods",
    "segments",
    "teams",
    "map_versions",
    "assignments",
    "debriefs",
    "tracks",
    "clues",
)
#: Tables whose rows the audit log records (every change to them is one audit entry).
AUDITED = (*_AUDITED_V1, "reports")
#: ``prev_hash`` of the first audit row.
GENESIS = "0" * 64
_AUDIT_FIELDS = ("id", "incident_id", "time", "who", "action", "summary", "changes", "undoes", "session", "client")


def audit_hash(prev: str, row) -> str:
    """SHA-256 (hex) of an audit row chained to the previous row's hash: the fields in
    :data:`_AUDIT_FIELDS` order as compact JSON after ``prev`` and a newline."""
    fields = [row[k] for k in _AUDIT_FIELDS]
    text = prev + "\n" + json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _v2(conn: sqlite3.Connection) -> None:
    """Schema 2: AUTOINCREMENT ids on the audited tables (an id undone is never given again, so a new
    row cannot inherit a deleted one's audit history); audit rows carry the session and client
    address beside the claimed name, and a SHA-256 hash chain (``prev_hash``, ``hash``).

    The tables are rebuilt (SQLite cannot add AUTOINCREMENT to a table): the caller turns foreign
    keys off around the migration and checks them before the commit. Each table's sequence starts
    above the largest id it ever held, its rows' and every id its audit log names.
    """
    tables = dict(re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", _V1, flags=re.S))
    for name in _AUDITED_V1:
        body = re.sub(r"^(\s*id\s+INTEGER PRIMARY KEY),", r"\1 AUTOINCREMENT,", tables[name], count=1, flags=re.M)
        assert "AUTOINCREMENT" in body, name
        conn.execute(f"CREATE TABLE _new_{name} ({body}\n)")
        conn.execute(f"INSERT INTO _new_{name} SELECT * FROM {name}")
        conn.execute(f"DROP TABLE {name}")
        conn.execute(f"ALTER TABLE _new_{name} RENAME TO {name}")
    conn.execute("CREATE INDEX map_versions_incident ON map_versions(incident_id, version)")
    conn.execute("CREATE INDEX debriefs_incident ON debriefs(incident_id, id)")
    conn.execute("CREATE INDEX tracks_debrief ON tracks(debrief_id)")
    for name in _AUDITED_V1:
        top = conn.execute(f"SELECT coalesce(max(id), 0) FROM {name}").fetchone()[0]
        logged = conn.execute(
            "SELECT coalesce(max(json_extract(c.value, '$.id')), 0) FROM audit, json_each(audit.changes) AS c "
            "WHERE json_extract(c.value, '$.table') = ?",
            (name,),
        ).fetchone()[0]
        seq = max(int(top), int(logged))
        conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, seq))
    for col in ("session", "client", "prev_hash", "hash"):
        conn.execute(f"ALTER TABLE audit ADD COLUMN {col} TEXT")
    conn.execute("DROP TRIGGER audit_append_only_update")
    prev = GENESIS
    cur = conn.execute("SELECT * FROM audit ORDER BY id")
    cols = [d[0] for d in cur.description]
    for r in cur.fetchall():
        row = dict(zip(cols, r, strict=True))
        h = audit_hash(prev, row)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, h, row["id"]))
        prev = h
    conn.execute(
        "CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )


#: Schema 3: location reports (issue 15): a phone's fix, a shared pin, a relative's word, a cell
#: sector; audited and undoable like every other row. ``time`` is the time of the fix; ``sector``
#: and ``ellipse`` are JSON; ``extra`` keeps the fields of an AML message carpathia does not model.
_V3 = """
CREATE TABLE reports (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    source        TEXT NOT NULL CHECK (source IN ('aml', 'locate-me', 'shared-pin', 'relative', 'cell-sector',
                                                  'police-trace', 'plb', 'verbal')),
    time          TEXT NOT NULL,
    received      TEXT NOT NULL,
    lat           REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon           REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    geometry      TEXT NOT NULL,
    crs           TEXT NOT NULL DEFAULT 'EPSG:4326',
    accuracy_m    REAL CHECK (accuracy_m IS NULL OR accuracy_m >= 0),
    confidence    REAL NOT NULL CHECK (confidence > 0 AND confidence < 1),
    ellipse       TEXT,
    sector        TEXT,
    method        TEXT,
    battery_pct   REAL CHECK (battery_pct IS NULL OR battery_pct BETWEEN 0 AND 100),
    altitude_m    REAL,
    verification  TEXT NOT NULL DEFAULT 'unverified'
                  CHECK (verification IN ('confirmed', 'plausible', 'unverified', 'refuted')),
    notes         TEXT,
    raw           TEXT,
    source_format TEXT,
    extra         TEXT
);
CREATE INDEX reports_incident ON reports(incident_id, time);
"""

#: Migrations, oldest first: ``MIGRATIONS[k]`` upgrades schema version k to k + 1 (SQL text, or a
#: function of the connection run inside the migration's transaction).
MIGRATIONS: tuple = (_V1, _v2, _V3)
#: The schema version this carpathia writes.
SCHEMA_VERSION = len(MIGRATIONS)
