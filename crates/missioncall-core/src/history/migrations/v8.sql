-- Version 8 (never edit once shipped): batches of calls from a CSV file.
--  * `batches`: one import the user confirmed: the file's name, the mission template, the
--    origin every row is sent to (fixed at creation, like a scheduled call's), how many of its
--    calls may be going at once (1 to 3), and its state: running (rows placed as they fall
--    due), paused (nothing more is placed), cancelled, done. `runner` is the attempt owner
--    (see owner.rs) of the one process that places its rows while it runs; a running batch
--    whose runner is gone (closed, crashed) is paused by the next process that looks, never
--    resumed by itself. Times: INTEGER unix ms, UTC.
--  * `batch_rows`: every data row of the file as the dry run judged it: its 1-based number,
--    the cell as read, the number as dialled (NULL when invalid), the verdict and its reason.
--    A row that can be placed has a scheduled call (`job_id`), created in the SAME transaction
--    as the batch: a batch exists with all its rows or not at all. Each job is then placed at
--    most once by the scheduled calls' one claiming transaction (version 6), so no row is ever
--    placed twice, whatever crashes.
CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL,
    template    TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    concurrency INTEGER NOT NULL CHECK (concurrency BETWEEN 1 AND 3),
    state       TEXT    NOT NULL DEFAULT 'running'
        CHECK (state IN ('running', 'paused', 'cancelled', 'done')),
    note        TEXT    NOT NULL DEFAULT '',
    runner      TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE batch_rows (
    batch_id   INTEGER NOT NULL REFERENCES batches (id),
    row        INTEGER NOT NULL,
    input      TEXT    NOT NULL,
    phone_e164 TEXT,
    verdict    TEXT    NOT NULL,
    reason     TEXT,
    job_id     INTEGER UNIQUE REFERENCES scheduled_calls (id),
    PRIMARY KEY (batch_id, row)
) WITHOUT ROWID;

-- The batch a scheduled call belongs to (NULL for one scheduled by hand).
ALTER TABLE scheduled_calls ADD COLUMN batch_id INTEGER REFERENCES batches (id);
CREATE INDEX scheduled_calls_batch_idx ON scheduled_calls (batch_id, state)
    WHERE batch_id IS NOT NULL;
