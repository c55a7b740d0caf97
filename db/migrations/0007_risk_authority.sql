-- depends: 0005_trading
-- The Risk Manager as the one authority over exposure, shared with Trading through the database.
--
-- risk_control       one row: the Risk state Trading must obey and its epoch. Every move into a
--                    state that blocks entries (reducing, halted) bumps the epoch; an approval
--                    carries the epoch it was signed in, and Trading refuses an entry whose epoch
--                    is not the current one or while the state is not 'active'. Risk writes it,
--                    Trading reads it FOR SHARE in the transaction that records an order.
-- risk_reservations  every approval the Risk Manager signed, as the exposure it reserves until it
--                    is used (by an order: 'used'), ends with that order ('released', by the
--                    trigger below), lapses ('expired') or is revoked by a halt ('revoked').
--                    Trading claims it with UPDATE … WHERE status = 'reserved' in the order's
--                    transaction, so a claim and an expiry or a revocation never both win.
-- orders.approval_stop  the stop the approval was sized with; the position it opens carries it
--                    (positions.stop_loss), so the daily-loss budget counts the loss at that stop.
-- fills.realized_pnl the P&L this fill realized (0 for a fill that opens or adds): today's realized
--                    P&L is the sum over today's fills, less their commissions, however a position
--                    was opened.

CREATE TABLE risk_control (
    id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    epoch       bigint NOT NULL DEFAULT 0 CHECK (epoch >= 0),
    state       text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'reducing', 'halted')),
    reason      text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO risk_control (id) VALUES (1);

CREATE TABLE risk_reservations (
    nonce        text PRIMARY KEY CHECK (length(nonce) BETWEEN 16 AND 64),
    security_id  integer NOT NULL REFERENCES securities (security_id),
    side         text NOT NULL CHECK (side IN ('buy', 'sell')),
    intent       text NOT NULL CHECK (intent IN ('entry', 'exit')),
    quantity     integer NOT NULL CHECK (quantity > 0),
    price_bound  numeric(18, 6) NOT NULL CHECK (price_bound > 0),
    stop_price   numeric(18, 6) CHECK (stop_price > 0),
    epoch        bigint NOT NULL CHECK (epoch >= 0),
    status       text NOT NULL DEFAULT 'reserved'
                 CHECK (status IN ('reserved', 'used', 'released', 'expired', 'revoked')),
    order_id     uuid REFERENCES orders (order_id),
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT risk_reservations_used_has_order CHECK (status IN ('reserved', 'expired', 'revoked')
                                                       OR order_id IS NOT NULL)
);

COMMENT ON TABLE risk_reservations IS
    'Exposure reserved by Risk Manager approvals until the order that used them ends (see 0007).';

CREATE INDEX risk_reservations_outstanding_idx ON risk_reservations (status) WHERE status IN ('reserved', 'used');

CREATE TRIGGER risk_reservations_updated_at BEFORE UPDATE ON risk_reservations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TRIGGER risk_control_updated_at BEFORE UPDATE ON risk_control
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Whatever path ends an order (a fill, a cancel, a broker reject, reconciliation), the exposure its
-- approval reserved is released in the same transaction.
CREATE FUNCTION release_reservation_of_ended_order() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE risk_reservations SET status = 'released'
        WHERE nonce = NEW.approval_nonce AND status = 'used';
    RETURN NEW;
END
$$;

CREATE TRIGGER orders_release_reservation AFTER UPDATE OF status ON orders
    FOR EACH ROW
    WHEN (NEW.approval_nonce IS NOT NULL AND NEW.status IN ('filled', 'canceled', 'rejected', 'expired')
          AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION release_reservation_of_ended_order();

ALTER TABLE orders ADD COLUMN approval_stop numeric(18, 6) CHECK (approval_stop > 0);

ALTER TABLE fills ADD COLUMN realized_pnl numeric(20, 6) NOT NULL DEFAULT 0;

-- Shares that working exit orders may still sell (buy) of each position: the one definition Trading
-- classifies orders with and the Risk Manager's book counts. Bracket legs are one-cancels-other: a
-- bracket reserves its larger open leg once, and only after its parent filled something.
CREATE VIEW working_exits AS
SELECT security_id, side, sum(reserved) AS quantity FROM (
    SELECT o.security_id, o.side, max(o.quantity - o.filled_quantity) AS reserved
    FROM orders o LEFT JOIN orders p ON p.order_id = o.parent_order_id
    WHERE o.intent = 'exit' AND o.status IN ('new', 'accepted', 'partially_filled')
      AND (p.order_id IS NULL OR p.filled_quantity > 0)
    GROUP BY o.security_id, o.side, coalesce(o.parent_order_id, o.order_id)) r
GROUP BY security_id, side;
