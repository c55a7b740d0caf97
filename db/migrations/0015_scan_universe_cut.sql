-- depends: 0013_phase_run_wall_start
-- The symbols a scan's universe cut only for its size (they had price, volume and news), kept on the
-- scan's header, most liquid first: the first ranked universe_cap + 1 of the symbols with news. On a
-- day when the whole market has news they are thousands, one scan_results row each was most of a
-- scan's time; the verdict route answers for them from here.

ALTER TABLE scans
    ADD COLUMN universe_cap integer CHECK (universe_cap >= 0),
    ADD COLUMN universe_cut text[] NOT NULL DEFAULT '{}';

COMMENT ON COLUMN scans.universe_cut IS
    'Symbols cut by the universe cap, most liquid first: universe_cut[i] ranked universe_cap + i.';
