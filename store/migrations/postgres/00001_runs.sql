-- Run history. Times are Unix microseconds in UTC, so that the same SQL
-- compares and orders them in PostgreSQL and SQLite; durations are seconds.

-- +goose Up
CREATE TABLE runs (
    id                    TEXT PRIMARY KEY,
    scenario              TEXT NOT NULL,
    scenario_hash         TEXT NOT NULL,
    scenario_source       TEXT NOT NULL DEFAULT '',
    trigger               TEXT NOT NULL,
    gameday               TEXT NOT NULL DEFAULT '',
    host                  TEXT NOT NULL,
    pid                   INTEGER NOT NULL,
    status                TEXT NOT NULL,
    verdict               TEXT NOT NULL DEFAULT '',
    reason                TEXT NOT NULL DEFAULT '',
    started_at            BIGINT NOT NULL,
    ended_at              BIGINT,
    heartbeat_at          BIGINT NOT NULL,
    clock_start           BIGINT,
    clock_stop            BIGINT,
    rto_seconds           DOUBLE PRECISION,
    rpo_seconds           DOUBLE PRECISION,
    objective_rto_seconds DOUBLE PRECISION,
    objective_rpo_seconds DOUBLE PRECISION
);
CREATE INDEX runs_by_scenario ON runs (scenario, started_at);
CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_running ON runs (heartbeat_at) WHERE status = 'running';

CREATE TABLE steps (
    run_id           TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    phase            TEXT NOT NULL,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    round            INTEGER NOT NULL DEFAULT 0,
    started_at       BIGINT NOT NULL,
    duration_seconds DOUBLE PRECISION NOT NULL,
    attempts         INTEGER NOT NULL,
    passed           BOOLEAN NOT NULL,
    message          TEXT NOT NULL DEFAULT '',
    result           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, seq)
);

-- +goose Down
DROP TABLE steps;
DROP TABLE runs;
