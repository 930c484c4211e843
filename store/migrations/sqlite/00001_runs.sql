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
    started_at            INTEGER NOT NULL,
    ended_at              INTEGER,
    heartbeat_at          INTEGER NOT NULL,
    clock_start           INTEGER,
    clock_stop            INTEGER,
    rto_seconds           REAL,
    rpo_seconds           REAL,
    objective_rto_seconds REAL,
    objective_rpo_seconds REAL
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
    started_at       INTEGER NOT NULL,
    duration_seconds REAL NOT NULL,
    attempts         INTEGER NOT NULL,
    passed           INTEGER NOT NULL,
    message          TEXT NOT NULL DEFAULT '',
    result           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, seq)
);

-- +goose Down
DROP TABLE steps;
DROP TABLE runs;
