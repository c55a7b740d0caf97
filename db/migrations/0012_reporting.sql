-- depends: 0009_working_reductions
-- Reporting reads the pattern and catalyst of a trade from the decision that placed its entry
-- (decision_logs.context->>'client_order_id' = the entry order's client_order_id) and why a position
-- was closed from the decision naming its closing order (context->>'order_id'): one index each, so
-- the journal's per-trade lookups stay index probes however long the decision log grows.

CREATE INDEX decision_logs_client_order_idx ON decision_logs ((context->>'client_order_id'));
CREATE INDEX decision_logs_order_idx ON decision_logs ((context->>'order_id'));
