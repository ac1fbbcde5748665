-- Version 4 (never edit once shipped): what the review filters and the overview read, without
-- reading the rows. The columns added since version 1 (outcome, ...) and the short columns
-- after the transcript (demo, status_changed_at) sit on each row's overflow pages, so a filter
-- or a count that read rows walked the transcripts: counting the completed calls without an
-- outcome took ~0.5 s at 100,000 calls, and the overview ~1 s.
--  * reached_call: 1 once the service has reported the call in progress (someone was on the
--    line), kept by a trigger on the timeline so that every writer (the tracker, a restore)
--    keeps it; the overview's "never connected" reads it instead of the timeline.
--  * calls_created_idx: newest first, then every short column a filter or the overview reads
--    (the list's order, date ranges, counts and figures of any filter without a status).
--  * calls_state_idx: the status first (sending attempts, a status filter), then the same.
--  * calls_narrow_idx: the same columns keyed by id, for a search: each full-text match is
--    checked against the other filters here, without reading its row.
ALTER TABLE calls ADD COLUMN reached_call INTEGER NOT NULL DEFAULT 0;
UPDATE calls SET reached_call = 1
    WHERE id IN (SELECT call_id FROM status_events WHERE status = 'service:in_progress');
CREATE TRIGGER calls_reached AFTER INSERT ON status_events
    WHEN new.status = 'service:in_progress'
BEGIN
    UPDATE calls SET reached_call = 1 WHERE id = new.call_id AND reached_call = 0;
END;

DROP INDEX calls_created_idx;
CREATE INDEX calls_created_idx ON calls
    (created_at DESC, id DESC, local_state, service_status, outcome, demo, phone_e164,
     reached_call, status_changed_at);
DROP INDEX calls_state_idx;
CREATE INDEX calls_state_idx ON calls
    (local_state, service_status, outcome, demo, created_at DESC, id DESC, phone_e164,
     reached_call, status_changed_at);
CREATE INDEX calls_narrow_idx ON calls
    (id, local_state, service_status, outcome, demo, created_at, phone_e164, reached_call,
     status_changed_at);
