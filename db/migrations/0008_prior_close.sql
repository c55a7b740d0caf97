-- depends: 0007_risk_authority
-- prior_close(security, day_start): the price a position carried into a trading day is measured
-- from that day, the last close before it (the last minute bar before the open, else the last
-- daily bar of an earlier day); NULL when the bar store has neither. The Risk Manager measures a
-- carried position's unrealized P&L today from it, and today's realized P&L of every exit fill
-- of a carried position too (not from the entry price, which would count yesterday's move as
-- today's and, after a gain yesterday, overstate today's loss headroom).

CREATE FUNCTION prior_close(p_security_id integer, p_day_start timestamptz) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT h.close FROM trading_history h
         WHERE h.security_id = p_security_id AND h.timeframe = '1Min'
           AND h.time_id <= (extract(epoch FROM p_day_start - interval '1 minute') * 1000000)::bigint
         ORDER BY h.time_id DESC LIMIT 1),
        (SELECT h.close FROM trading_history h
         WHERE h.security_id = p_security_id AND h.timeframe = '1Day'
           AND h.time_id <= (extract(epoch FROM p_day_start - interval '1 day') * 1000000)::bigint
         ORDER BY h.time_id DESC LIMIT 1))
$$;
