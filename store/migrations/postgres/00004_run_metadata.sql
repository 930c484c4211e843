-- What reports need of a run's scenario, recorded with the run so that
-- they need not parse its stored source: the scheduled tick a scheduled
-- run was started for (Unix microseconds, BIGINT like the other times,
-- NULL for other runs), its cron schedule and timezone ('' for UTC), the
-- owner, and the tags and postmortems as JSON arrays. Runs recorded
-- before have '' for all.

-- +goose Up
ALTER TABLE runs
    ADD COLUMN scheduled_at      BIGINT,
    ADD COLUMN schedule          TEXT NOT NULL DEFAULT '',
    ADD COLUMN schedule_timezone TEXT NOT NULL DEFAULT '',
    ADD COLUMN owner             TEXT NOT NULL DEFAULT '',
    ADD COLUMN tags              TEXT NOT NULL DEFAULT '',
    ADD COLUMN postmortems       TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE runs
    DROP COLUMN postmortems,
    DROP COLUMN tags,
    DROP COLUMN owner,
    DROP COLUMN schedule_timezone,
    DROP COLUMN schedule,
    DROP COLUMN scheduled_at;
