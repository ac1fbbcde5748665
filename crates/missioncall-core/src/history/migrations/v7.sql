-- Version 7 (never edit once shipped): calls placed outside the calling hours by choice.
--  * `calls.outside_hours`: NULL for a call placed within the user's calling hours (or where
--    the callee's local time is unknown); otherwise the sentence the user saw when they chose
--    "call now anyway" (e.g. "It is 22:40 for them (America/Chicago), outside your calling
--    hours ..."), kept as the record of that choice.
--  * `scheduled_calls.outside_hours`: the same choice made when the call was scheduled; it is
--    copied to the call the job becomes.
ALTER TABLE calls ADD COLUMN outside_hours TEXT;
ALTER TABLE scheduled_calls ADD COLUMN outside_hours TEXT;
