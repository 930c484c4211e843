-- Manual steps wait for a person: the step's row says what to do, how long
-- it may wait and whether it still waits (waiting, cleared by the runner
-- when the step ends), and holds the first answer, from whatever machine
-- it came. A run holds the first request to abort it. Times are Unix
-- microseconds.

-- +goose Up
ALTER TABLE steps ADD COLUMN instructions TEXT NOT NULL DEFAULT '';
ALTER TABLE steps ADD COLUMN manual_timeout_seconds DOUBLE PRECISION;
ALTER TABLE steps ADD COLUMN waiting BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE steps ADD COLUMN answer_outcome TEXT;
ALTER TABLE steps ADD COLUMN answered_by TEXT NOT NULL DEFAULT '';
ALTER TABLE steps ADD COLUMN answer_note TEXT NOT NULL DEFAULT '';
ALTER TABLE steps ADD COLUMN answered_at BIGINT;
ALTER TABLE steps ADD COLUMN answer_automatic BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX steps_waiting ON steps (run_id) WHERE waiting;
ALTER TABLE runs ADD COLUMN abort_requested_at BIGINT;
ALTER TABLE runs ADD COLUMN abort_requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN abort_note TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE runs DROP COLUMN abort_note;
ALTER TABLE runs DROP COLUMN abort_requested_by;
ALTER TABLE runs DROP COLUMN abort_requested_at;
DROP INDEX steps_waiting;
ALTER TABLE steps DROP COLUMN answer_automatic;
ALTER TABLE steps DROP COLUMN answered_at;
ALTER TABLE steps DROP COLUMN answer_note;
ALTER TABLE steps DROP COLUMN answered_by;
ALTER TABLE steps DROP COLUMN answer_outcome;
ALTER TABLE steps DROP COLUMN waiting;
ALTER TABLE steps DROP COLUMN manual_timeout_seconds;
ALTER TABLE steps DROP COLUMN instructions;
