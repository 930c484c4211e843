-- What each measure block of a run recorded (JSON: name, unit, value and
-- the phase it ran in), so that reports can show sizes and restore
-- throughput and model recovery time against size. '[]' for runs recorded
-- before measures were kept.

-- +goose Up
ALTER TABLE runs ADD COLUMN measures TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE runs DROP COLUMN measures;
