-- Summaries kept as runs change, so that a dashboard or a scrape reads a
-- few rows per scenario however long the history:
--
-- run_totals counts the finished runs by scenario, verdict and rollback,
-- with the newest start of each, updated by triggers in the transaction
-- that writes the run.
--
-- change_seq numbers the writes of runs: SQLite has one writer at a time,
-- so a write takes the next number when it commits, and a reader that
-- remembers the highest it read reads again only the runs written since.

-- +goose Up
ALTER TABLE runs ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_by_change ON runs (change_seq);

-- +goose StatementBegin
CREATE TRIGGER runs_change_insert AFTER INSERT ON runs
BEGIN
    UPDATE runs SET change_seq = (SELECT MAX(change_seq) FROM runs) + 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER runs_change_update AFTER UPDATE ON runs WHEN NEW.change_seq = OLD.change_seq
BEGIN
    UPDATE runs SET change_seq = (SELECT MAX(change_seq) FROM runs) + 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd

CREATE TABLE run_totals (
    scenario        TEXT NOT NULL,
    verdict         TEXT NOT NULL,
    rollback        TEXT NOT NULL,
    runs            INTEGER NOT NULL,
    last_started_at INTEGER NOT NULL,
    PRIMARY KEY (scenario, verdict, rollback)
);
INSERT INTO run_totals (scenario, verdict, rollback, runs, last_started_at)
SELECT scenario, verdict, rollback, COUNT(*), MAX(started_at) FROM runs WHERE status = 'finished'
GROUP BY scenario, verdict, rollback;

-- +goose StatementBegin
CREATE TRIGGER runs_totals_insert AFTER INSERT ON runs WHEN NEW.status = 'finished'
BEGIN
    INSERT INTO run_totals (scenario, verdict, rollback, runs, last_started_at)
    VALUES (NEW.scenario, NEW.verdict, NEW.rollback, 1, NEW.started_at)
    ON CONFLICT (scenario, verdict, rollback) DO UPDATE
        SET runs = runs + 1, last_started_at = MAX(last_started_at, excluded.last_started_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER runs_totals_update AFTER UPDATE OF status, verdict, rollback, scenario, started_at ON runs
WHEN OLD.status = 'finished' OR NEW.status = 'finished'
BEGIN
    UPDATE run_totals SET runs = runs - 1
        WHERE OLD.status = 'finished' AND scenario = OLD.scenario AND verdict = OLD.verdict AND rollback = OLD.rollback;
    DELETE FROM run_totals
        WHERE OLD.status = 'finished' AND scenario = OLD.scenario AND verdict = OLD.verdict AND rollback = OLD.rollback AND runs <= 0;
    -- The newest start of what is left, when the run that left was it.
    UPDATE run_totals SET last_started_at = (SELECT MAX(started_at) FROM runs
            WHERE scenario = OLD.scenario AND status = 'finished' AND verdict = OLD.verdict AND rollback = OLD.rollback)
        WHERE OLD.status = 'finished' AND scenario = OLD.scenario AND verdict = OLD.verdict AND rollback = OLD.rollback
            AND last_started_at <= OLD.started_at;
    INSERT INTO run_totals (scenario, verdict, rollback, runs, last_started_at)
    SELECT NEW.scenario, NEW.verdict, NEW.rollback, 1, NEW.started_at WHERE NEW.status = 'finished'
    ON CONFLICT (scenario, verdict, rollback) DO UPDATE
        SET runs = runs + 1, last_started_at = MAX(last_started_at, excluded.last_started_at);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER runs_totals_delete AFTER DELETE ON runs WHEN OLD.status = 'finished'
BEGIN
    UPDATE run_totals SET runs = runs - 1
        WHERE scenario = OLD.scenario AND verdict = OLD.verdict AND rollback = OLD.rollback;
    DELETE FROM run_totals
        WHERE scenario = OLD.scenario AND verdict = OLD.verdict AND rollback = OLD.rollback AND runs <= 0;
    UPDATE run_totals SET last_started_at = (SELECT MAX(started_at) FROM runs
            WHERE scenario = OLD.scenario AND status = 'finished' AND verdict = OLD.verdict AND rollback = OLD.rollback)
        WHERE scenario = OLD.scenario AND verdict = OLD.verdict AND rollback = OLD.rollback
            AND last_started_at <= OLD.started_at;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER runs_totals_delete;
DROP TRIGGER runs_totals_update;
DROP TRIGGER runs_totals_insert;
DROP TABLE run_totals;
DROP TRIGGER runs_change_update;
DROP TRIGGER runs_change_insert;
DROP INDEX runs_by_change;
ALTER TABLE runs DROP COLUMN change_seq;
