-- Version 1 (shipped; never edit): calls, their status timeline, and the full-text index.
CREATE TABLE calls (
    id                INTEGER PRIMARY KEY,
    phone_e164        TEXT    NOT NULL,
    phone_region      TEXT,
    phone_digits      TEXT    NOT NULL DEFAULT '',
    task              TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    task_id           TEXT    UNIQUE,
    task_number       INTEGER,
    status            TEXT    NOT NULL,
    error             TEXT,
    transcript        TEXT,
    summary           TEXT,
    origin            TEXT    NOT NULL,
    demo              INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
    status_changed_at INTEGER NOT NULL,
    last_checked_at   INTEGER
);

CREATE INDEX calls_created_idx ON calls (created_at DESC, id DESC);
CREATE INDEX calls_status_idx  ON calls (status, created_at DESC, id DESC);
CREATE INDEX calls_phone_idx   ON calls (phone_e164, created_at DESC);
CREATE INDEX calls_live_idx    ON calls (id)
    WHERE task_id IS NOT NULL
      AND status NOT IN ('sending', 'unknown_outcome', 'not_placed', 'completed', 'cancelled');

CREATE TABLE status_events (
    id      INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    status  TEXT    NOT NULL,
    seen_at INTEGER NOT NULL,
    UNIQUE (call_id, status)
);

CREATE VIRTUAL TABLE calls_fts USING fts5 (
    task, transcript, summary, phone_digits,
    content = 'calls', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER calls_fts_insert AFTER INSERT ON calls BEGIN
    INSERT INTO calls_fts (rowid, task, transcript, summary, phone_digits)
    VALUES (new.id, new.task, new.transcript, new.summary, new.phone_digits);
END;

CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
    INSERT INTO calls_fts (calls_fts, rowid, task, transcript, summary, phone_digits)
    VALUES ('delete', old.id, old.task, old.transcript, old.summary, old.phone_digits);
END;

CREATE TRIGGER calls_fts_update AFTER UPDATE OF task, transcript, summary, phone_digits ON calls
BEGIN
    INSERT INTO calls_fts (calls_fts, rowid, task, transcript, summary, phone_digits)
    VALUES ('delete', old.id, old.task, old.transcript, old.summary, old.phone_digits);
    INSERT INTO calls_fts (rowid, task, transcript, summary, phone_digits)
    VALUES (new.id, new.task, new.transcript, new.summary, new.phone_digits);
END;
