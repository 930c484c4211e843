-- How a run's rollback went ('' for runs recorded before it was kept), and
-- the steps its scenario would run, as JSON, so that what never ran shows.

-- +goose Up
ALTER TABLE runs ADD COLUMN rollback TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN plan TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE runs DROP COLUMN plan;
ALTER TABLE runs DROP COLUMN rollback;
