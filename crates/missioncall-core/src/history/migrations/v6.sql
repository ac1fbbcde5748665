-- Version 6 (never edit once shipped): scheduled calls.
--  * `scheduled_calls`: a call the user asked for at a later time, stored exactly as it will be
--    sent: the number (E.164, and the region it was typed in), the task text, and the origin
--    (a service address, or 'demo') fixed when it was scheduled; it is never sent elsewhere.
--    `due_at`, `created_at`, `updated_at`: INTEGER unix milliseconds, UTC.
--  * `state`: waiting (for its time), overdue (its time passed while nothing could place it:
--    the user confirms or drops it), placed (it became the attempt `attempt_id`), cancelled
--    (before its time), dropped (overdue, and the user chose not to place it), not_placed (a
--    check refused it before anything was written or sent: `note` says why).
--  * A job becomes an attempt in ONE transaction: the attempt row is inserted (`sending`,
--    owned, `calls.scheduled_id` set) and the job moves to `placed` with `attempt_id` only if
--    it is still in the state the runner read (`UPDATE ... WHERE state = ...`, one row
--    changed). So a job is placed at most once, by one process, and a placed job always
--    names its attempt (the CHECK below).
CREATE TABLE scheduled_calls (
    id           INTEGER PRIMARY KEY,
    phone_e164   TEXT    NOT NULL,
    phone_region TEXT,
    task         TEXT    NOT NULL,
    origin       TEXT    NOT NULL,
    due_at       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'overdue', 'placed', 'cancelled', 'dropped', 'not_placed')),
    attempt_id   INTEGER UNIQUE REFERENCES calls (id),
    note         TEXT    NOT NULL DEFAULT '',
    CHECK ((state = 'placed') = (attempt_id IS NOT NULL))
);

-- The runner's questions (what is due next, what waits or is overdue) read this index only.
CREATE INDEX scheduled_calls_due_idx ON scheduled_calls (state, due_at, id);

-- The other direction of the link: the job an attempt was placed for (NULL for calls placed
-- by hand).
ALTER TABLE calls ADD COLUMN scheduled_id INTEGER REFERENCES scheduled_calls (id);
