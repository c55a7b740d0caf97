-- depends: 0014_decision_request_index 0015_scan_universe_cut
-- A trade request received, a placed trade and a closed position are written once per request id
-- (retries and concurrent calls of one request): the unique index lets that be one INSERT … ON CONFLICT
-- DO NOTHING instead of a transaction that took an advisory lock, looked the decision up and then wrote
-- it; and a request's first try learns from that one statement that no earlier try exists.

CREATE UNIQUE INDEX decision_logs_once_idx ON decision_logs (cycle_id, decision, (context->>'request_id'))
    WHERE decision IN ('trade_requested', 'trade_placed', 'position_closed');
