-- A scheduled tick is claimed before it runs, so that several runners
-- sharing one store run it once.

-- +goose Up
CREATE TABLE claims (
    scenario     TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL,
    claimed_by   TEXT NOT NULL,
    claimed_at   BIGINT NOT NULL,
    PRIMARY KEY (scenario, scheduled_at)
);

-- +goose Down
DROP TABLE claims;
