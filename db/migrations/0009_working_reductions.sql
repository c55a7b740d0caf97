-- depends: 0008_prior_close
-- working_exits counts every working order by side, whatever its intent: an entry approved while
-- flat (a short sale of 24) that is still working when a long position opens will sell 24 of that
-- long when it fills, exactly as an exit would. Counting only exit-intent orders let an unapproved
-- "exit" of the whole long be classified an exit beside it, and the two fills left the position
-- short (a flip no approval allowed). Readers take the side opposite the position they reduce.
-- Bracket legs count once per parent (OCO: the stop and the target never both fill), and only
-- once their parent has filled something.

CREATE OR REPLACE VIEW working_exits AS
SELECT security_id, side, sum(reserved) AS quantity FROM (
    SELECT o.security_id, o.side, max(o.quantity - o.filled_quantity) AS reserved
    FROM orders o LEFT JOIN orders p ON p.order_id = o.parent_order_id
    WHERE o.status IN ('new', 'accepted', 'partially_filled')
      AND (p.order_id IS NULL OR p.filled_quantity > 0)
    GROUP BY o.security_id, o.side, coalesce(o.parent_order_id, o.order_id)) r
GROUP BY security_id, side;
