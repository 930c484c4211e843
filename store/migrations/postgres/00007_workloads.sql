-- What each workload of a run measured (JSON: attempts, client downtime,
-- lost acknowledged writes), the two figures reports trend (in columns, so
-- that a report over many runs reads no JSON), the objectives on them, and
-- which steps ran in the background or were cancelled at the end of the
-- drill.

-- +goose Up
ALTER TABLE runs ADD COLUMN workloads TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN client_downtime_seconds DOUBLE PRECISION;
ALTER TABLE runs ADD COLUMN lost_writes BIGINT;
ALTER TABLE runs ADD COLUMN objective_downtime_seconds DOUBLE PRECISION;
ALTER TABLE runs ADD COLUMN objective_lost_writes BIGINT;
ALTER TABLE steps ADD COLUMN background BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE steps ADD COLUMN cancelled BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE steps DROP COLUMN cancelled;
ALTER TABLE steps DROP COLUMN background;
ALTER TABLE runs DROP COLUMN objective_lost_writes;
ALTER TABLE runs DROP COLUMN objective_downtime_seconds;
ALTER TABLE runs DROP COLUMN lost_writes;
ALTER TABLE runs DROP COLUMN client_downtime_seconds;
ALTER TABLE runs DROP COLUMN workloads;
