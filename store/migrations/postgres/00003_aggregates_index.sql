-- The per-scenario aggregates of a report window read only the index: it
-- is ordered by scenario, so each scenario's percentiles sort a few
-- thousand rows, and it carries the verdict and the RTO.

-- +goose Up
CREATE INDEX runs_by_scenario_covering ON runs (scenario, started_at) INCLUDE (verdict, rto_seconds);
DROP INDEX runs_by_scenario;

-- +goose Down
CREATE INDEX runs_by_scenario ON runs (scenario, started_at);
DROP INDEX runs_by_scenario_covering;
