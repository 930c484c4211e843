-- The labels of the runner that ran a run, as a JSON object, so that runs
-- can be selected by runner pool. Runs recorded before have '{}': no
-- labels.

-- +goose Up
ALTER TABLE runs ADD COLUMN runner_labels TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE runs DROP COLUMN runner_labels;
