-- Version 5 (never edit once shipped): the do-not-call list. A number on it is never called:
-- the placing path refuses it before anything is sent, and the attempt row itself cannot be
-- written for it (the check and the insert share one transaction).
--  * `phone_e164`: the number as dialled (`+` and digits), one row per number.
--  * `added_at`: when it was put on the list (unix ms, UTC); kept when it is added again.
--  * `reason`: the user's words (one line; '' when none).
--  * `source`: how it got there: 'call' (from a call in the history, `call_id`), 'import'
--    (a file) or 'typed' (by hand).
--  * `call_id`: the call it was added from, if any (the call itself is never deleted).
CREATE TABLE do_not_call (
    phone_e164 TEXT    PRIMARY KEY CHECK (phone_e164 GLOB '+[1-9]*'),
    added_at   INTEGER NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    source     TEXT    NOT NULL CHECK (source IN ('call', 'import', 'typed')),
    call_id    INTEGER REFERENCES calls (id) ON DELETE SET NULL
) WITHOUT ROWID;
