-- Summaries kept as runs change, so that a dashboard or a scrape reads a
-- few rows per scenario however long the history:
--
-- run_totals counts the finished runs by scenario, verdict and rollback,
-- with the newest start of each, updated by a trigger in the transaction
-- that writes the run, whichever runner or replica writes it.
--
-- change_xid is the transaction that last wrote a run. A reader that
-- remembers the oldest transaction still running when it last read
-- (pg_snapshot_xmin) reads again only the runs written from then on: a
-- transaction that commits late, out of order, is still at or after it.

-- +goose Up
ALTER TABLE runs ADD COLUMN change_xid xid8 NOT NULL DEFAULT '0';
CREATE INDEX runs_by_change ON runs (change_xid);

-- +goose StatementBegin
CREATE FUNCTION runs_mark_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER runs_change BEFORE INSERT OR UPDATE ON runs
    FOR EACH ROW EXECUTE FUNCTION runs_mark_change();

CREATE TABLE run_totals (
    scenario        TEXT NOT NULL,
    verdict         TEXT NOT NULL,
    rollback        TEXT NOT NULL,
    runs            BIGINT NOT NULL,
    last_started_at BIGINT NOT NULL,
    PRIMARY KEY (scenario, verdict, rollback)
);
INSERT INTO run_totals (scenario, verdict, rollback, runs, last_started_at)
SELECT scenario, verdict, rollback, COUNT(*), MAX(started_at) FROM runs WHERE status = 'finished'
GROUP BY scenario, verdict, rollback;

-- +goose StatementBegin
CREATE FUNCTION runs_count_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.verdict = NEW.verdict AND OLD.rollback = NEW.rollback
        AND OLD.scenario = NEW.scenario AND OLD.started_at = NEW.started_at THEN
        RETURN NULL; -- a heartbeat, a clock start: the totals are the same
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.status = 'finished' THEN
        UPDATE run_totals SET runs = runs - 1
            WHERE scenario = OLD.scenario AND verdict = OLD.verdict AND rollback = OLD.rollback;
        DELETE FROM run_totals
            WHERE scenario = OLD.scenario AND verdict = OLD.verdict AND rollback = OLD.rollback AND runs <= 0;
        -- The newest start of what is left, when the run that left was it.
        UPDATE run_totals SET last_started_at = (SELECT MAX(started_at) FROM runs
                WHERE scenario = OLD.scenario AND status = 'finished' AND verdict = OLD.verdict AND rollback = OLD.rollback)
            WHERE scenario = OLD.scenario AND verdict = OLD.verdict AND rollback = OLD.rollback
                AND last_started_at <= OLD.started_at;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'finished' THEN
        INSERT INTO run_totals (scenario, verdict, rollback, runs, last_started_at)
        VALUES (NEW.scenario, NEW.verdict, NEW.rollback, 1, NEW.started_at)
        ON CONFLICT (scenario, verdict, rollback) DO UPDATE
            SET runs = run_totals.runs + 1, last_started_at = GREATEST(run_totals.last_started_at, excluded.last_started_at);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER runs_totals AFTER INSERT OR UPDATE OR DELETE ON runs
    FOR EACH ROW EXECUTE FUNCTION runs_count_totals();

-- +goose Down
DROP TRIGGER runs_totals ON runs;
DROP FUNCTION runs_count_totals();
DROP TABLE run_totals;
DROP TRIGGER runs_change ON runs;
DROP FUNCTION runs_mark_change();
DROP INDEX runs_by_change;
ALTER TABLE runs DROP COLUMN change_xid;
