-- A step is written when it starts, marked running, and completed when it
-- ends: a run whose runner died shows the step it died in.

-- +goose Up
ALTER TABLE steps ADD COLUMN running BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE steps DROP COLUMN running;
