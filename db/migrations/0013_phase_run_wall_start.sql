-- depends: 0011_workflow
-- When a phase run began by the wall clock: a run still 'running' long after it began is taken for
-- dead (its process died) and may run again. Its market_at cannot tell: a replay clock runs faster
-- than the wall, so a slow scan or close would look dead after minutes and be started a second time.

ALTER TABLE cycle_phase_runs ADD COLUMN started_at timestamptz NOT NULL DEFAULT now();

COMMENT ON COLUMN cycle_phase_runs.started_at IS
    'Wall time the run (or its latest retry) began; staleness is now() - started_at, never market time.';
