-- depends: 0001_schema
-- Trading (OMS) additions to the v6 schema, and the simulated venue's own books.
--
-- orders.intent        entry (opens/increases a position: needs a Risk approval) or exit (reduces one).
-- orders.broker        the broker the order was sent to; reconciliation only asks that broker.
-- orders.reference_price  the price the approval was checked against (limit/stop price, or for a
--                      market order the last bar close at submission).
-- orders.approval_expires_at  when the consumed approval expired: an entry that never reached the
--                      broker is not sent after this (reconciliation rejects it instead).
-- orders.commission    cumulative commission the broker charged.
-- positions.exited_quantity  shares closed so far (weights avg_exit_price).
-- positions.market_price      last price the position was marked at (last fill or reconciliation).
-- A closed position keeps the quantity it had just before its closing fill.

ALTER TABLE orders
    ADD COLUMN intent text NOT NULL DEFAULT 'entry' CHECK (intent IN ('entry', 'exit')),
    ADD COLUMN broker text NOT NULL DEFAULT 'sim' CHECK (broker ~ '^[a-z][a-z0-9_]{0,31}$'),
    ADD COLUMN reference_price numeric(18, 6) CHECK (reference_price > 0),
    ADD COLUMN approval_expires_at timestamptz,
    ADD COLUMN commission numeric(18, 6) NOT NULL DEFAULT 0 CHECK (commission >= 0);

CREATE INDEX orders_live_by_broker_idx ON orders (broker, created_at)
    WHERE status IN ('new', 'accepted', 'partially_filled');

ALTER TABLE positions
    ADD COLUMN exited_quantity numeric(18, 6) NOT NULL DEFAULT 0 CHECK (exited_quantity >= 0),
    ADD COLUMN market_price numeric(18, 6) CHECK (market_price > 0);

-- At most one open position per security: fills move it, reconciliation corrects it.
CREATE UNIQUE INDEX positions_one_open_per_security_idx ON positions (security_id) WHERE status = 'open';

-- The simulated venue (catalyst.brokers.sim): a stand-in for an outside broker, so its books are
-- its own documents, not Catalyst's normalized model. UNIQUE (account, client_order_id) is the
-- venue's duplicate guard.
CREATE TABLE sim_broker_accounts (
    account     text PRIMARY KEY CHECK (length(account) BETWEEN 1 AND 40),
    state       jsonb NOT NULL CHECK (jsonb_typeof(state) = 'object'),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sim_broker_orders (
    broker_order_id  uuid PRIMARY KEY,
    account          text NOT NULL REFERENCES sim_broker_accounts (account),
    client_order_id  text NOT NULL,
    status           text NOT NULL,
    doc              jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'object'),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sim_broker_orders_client_order_id_key UNIQUE (account, client_order_id)
);

CREATE TABLE sim_broker_fills (
    fill_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account          text NOT NULL REFERENCES sim_broker_accounts (account),
    broker_order_id  uuid NOT NULL REFERENCES sim_broker_orders (broker_order_id),
    side             text NOT NULL CHECK (side IN ('buy', 'sell')),
    quantity         numeric(18, 6) NOT NULL CHECK (quantity > 0),
    price            numeric(18, 6) NOT NULL CHECK (price > 0),
    commission       numeric(18, 6) NOT NULL CHECK (commission >= 0),
    filled_at        timestamptz NOT NULL
);

CREATE INDEX sim_broker_fills_order_idx ON sim_broker_fills (broker_order_id);
