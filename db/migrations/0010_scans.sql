-- depends: 0009_working_reductions
-- One row per Scanner run: its market time, the funnel's counts per stage, the warnings of
-- degraded sources and where the time went. scan_results holds each symbol of the run at the
-- stage it reached (dropped there, or a final candidate), its reason in details.

CREATE TABLE scans (
    scan_id        uuid PRIMARY KEY,
    seq            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    cycle_id       uuid REFERENCES trading_cycles (cycle_id),
    status         text NOT NULL DEFAULT 'completed' CHECK (status IN ('completed')),
    as_of          timestamptz NOT NULL,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz NOT NULL,
    universe_size  integer NOT NULL CHECK (universe_size > 0),
    stages         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(stages) = 'array'),
    warnings       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(warnings) = 'array'),
    timings_ms     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(timings_ms) = 'object'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT scans_finish_after_start CHECK (finished_at >= started_at)
);

COMMENT ON TABLE scans IS 'Scanner runs (header of scan_results): market time, stage counts, warnings, timings.';

CREATE INDEX scans_cycle_idx ON scans (cycle_id) WHERE cycle_id IS NOT NULL;

-- NOT VALID: rows written before this table existed are not checked; every new row is.
ALTER TABLE scan_results ADD CONSTRAINT scan_results_scan_fk
    FOREIGN KEY (scan_id) REFERENCES scans (scan_id) ON DELETE CASCADE NOT VALID;
