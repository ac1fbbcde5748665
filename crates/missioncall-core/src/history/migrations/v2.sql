-- Version 2 (never edit once shipped): the model of a call.
--  * The status is split in two columns that can never be confused: `local_state`, what only
--    MissionCall knows (NULL once the service's word is the status), and `service_status`, the
--    service's own word. Version 1 kept both in one `status` column, where a service word equal
--    to a local one (`not_placed`, `sending`) was read back as ours.
--  * `tracking`: whether the tracker still follows the task (a decision to stop holds).
--  * `attempt_owner`: the process sending an attempt (see owner.rs); NULL for older rows.
--  * The timeline's words get a prefix: `local:<word>` or `service:<word>`.
-- A v1 row with no task id had a local status; a row with a task id had the service's word.
ALTER TABLE calls ADD COLUMN local_state TEXT
    CHECK (local_state IN ('sending', 'unknown_outcome', 'not_placed', 'demo_ended'));
ALTER TABLE calls ADD COLUMN service_status TEXT;
ALTER TABLE calls ADD COLUMN tracking TEXT NOT NULL DEFAULT 'following'
    CHECK (tracking IN ('following', 'given_up', 'unreadable'));
ALTER TABLE calls ADD COLUMN attempt_owner TEXT;

UPDATE calls SET local_state = status
    WHERE task_id IS NULL AND status IN ('sending', 'unknown_outcome', 'not_placed');
UPDATE calls SET service_status = status WHERE local_state IS NULL;

DROP INDEX calls_status_idx;
DROP INDEX calls_live_idx;
ALTER TABLE calls DROP COLUMN status;

CREATE INDEX calls_state_idx ON calls (local_state, service_status, created_at DESC, id DESC);
CREATE INDEX calls_live_idx ON calls (id)
    WHERE task_id IS NOT NULL AND local_state IS NULL AND tracking = 'following' AND service_status NOT IN ('completed', 'cancelled');

-- Timeline words: `sending` and `unknown_outcome` were always ours (no service says them);
-- `not_placed` was ours unless the call has a task id (then the service said it).
UPDATE status_events SET status = 'local:' || status
    WHERE status IN ('sending', 'unknown_outcome')
       OR (status = 'not_placed'
           AND (SELECT task_id FROM calls WHERE calls.id = status_events.call_id) IS NULL);
UPDATE status_events SET status = 'service:' || status
    WHERE status NOT LIKE 'local:%';
