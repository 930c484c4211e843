-- Every `redrill serve` process sharing the store, by name (host:pid
-- unless it was given one): its labels as a JSON object, its version, where
-- it runs, when it started, its last heartbeat and, once it said it
-- stopped, when (NULL while it runs). Times are Unix microseconds.

-- +goose Up
CREATE TABLE runners (
    name         TEXT PRIMARY KEY,
    labels       TEXT NOT NULL DEFAULT '{}',
    version      TEXT NOT NULL DEFAULT '',
    host         TEXT NOT NULL DEFAULT '',
    pid          INTEGER NOT NULL DEFAULT 0,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    stopped_at   INTEGER
);

-- +goose Down
DROP TABLE runners;
