-- Version 3 (never edit once shipped): what the user says of a call, kept apart from what the
-- service says (no write of the tracker touches these columns or tables).
--  * `outcome`: the user's judgement (NULL: none yet).
--  * `note`: free text. `follow_up_on`: a local date `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM`.
--  * `annotated_at`: when the user last changed any of these (a restore keeps the newer side).
--  * `tags_text` and `contact_name` copy the call's tag names (one per line) and its number's
--    contact name, so that the full-text index finds them; the code keeps them in step.
ALTER TABLE calls ADD COLUMN outcome TEXT
    CHECK (outcome IN ('achieved', 'not_achieved', 'no_answer', 'follow_up'));
ALTER TABLE calls ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN follow_up_on TEXT;
ALTER TABLE calls ADD COLUMN annotated_at INTEGER;
ALTER TABLE calls ADD COLUMN tags_text TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';

CREATE INDEX calls_outcome_idx ON calls (outcome, created_at DESC, id DESC);
CREATE INDEX calls_follow_up_idx ON calls (follow_up_on) WHERE follow_up_on IS NOT NULL;

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);

CREATE TABLE call_tags (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (call_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX call_tags_tag_idx ON call_tags (tag_id, call_id);

CREATE TABLE contacts (
    phone_e164 TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The full-text index gains the note, the tags and the contact's name.
DROP TRIGGER calls_fts_insert;
DROP TRIGGER calls_fts_delete;
DROP TRIGGER calls_fts_update;
DROP TABLE calls_fts;

CREATE VIRTUAL TABLE calls_fts USING fts5 (
    task, transcript, summary, phone_digits, note, tags_text, contact_name,
    content = 'calls', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER calls_fts_insert AFTER INSERT ON calls BEGIN
    INSERT INTO calls_fts (rowid, task, transcript, summary, phone_digits, note, tags_text, contact_name)
    VALUES (new.id, new.task, new.transcript, new.summary, new.phone_digits, new.note, new.tags_text, new.contact_name);
END;

CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
    INSERT INTO calls_fts (calls_fts, rowid, task, transcript, summary, phone_digits, note, tags_text, contact_name)
    VALUES ('delete', old.id, old.task, old.transcript, old.summary, old.phone_digits, old.note, old.tags_text, old.contact_name);
END;

CREATE TRIGGER calls_fts_update
AFTER UPDATE OF task, transcript, summary, phone_digits, note, tags_text, contact_name ON calls
BEGIN
    INSERT INTO calls_fts (calls_fts, rowid, task, transcript, summary, phone_digits, note, tags_text, contact_name)
    VALUES ('delete', old.id, old.task, old.transcript, old.summary, old.phone_digits, old.note, old.tags_text, old.contact_name);
    INSERT INTO calls_fts (rowid, task, transcript, summary, phone_digits, note, tags_text, contact_name)
    VALUES (new.id, new.task, new.transcript, new.summary, new.phone_digits, new.note, new.tags_text, new.contact_name);
END;

INSERT INTO calls_fts (calls_fts) VALUES ('rebuild');
