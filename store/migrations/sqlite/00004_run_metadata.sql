-- What reports need of a run's scenario, recorded with the run so that
-- they need not parse its stored source: the scheduled tick a scheduled
-- run was started for (Unix microseconds, NULL for other runs), its cron
-- schedule and timezone ('' for UTC), the owner, and the tags and
-- postmortems as JSON arrays. Runs recorded before have '' for all.

-- +goose Up
ALTER TABLE runs ADD COLUMN scheduled_at INTEGER;
ALTER TABLE runs ADD COLUMN schedule TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN schedule_timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN postmortems TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE runs DROP COLUMN postmortems;
ALTER TABLE runs DROP COLUMN tags;
ALTER TABLE runs DROP COLUMN owner;
ALTER TABLE runs DROP COLUMN schedule_timezone;
ALTER TABLE runs DROP COLUMN schedule;
ALTER TABLE runs DROP COLUMN scheduled_at;
