-- depends: 0013_phase_run_wall_start
-- A request's decision found by its request id (the Workflow's idempotency look-up before every placed
-- trade, and again under the lock that writes it once): without this index each look-up read every
-- decision of the cycle and its context, so it grew slower with every trade of the day.

CREATE INDEX decision_logs_request_idx ON decision_logs (cycle_id, decision, (context->>'request_id'));
