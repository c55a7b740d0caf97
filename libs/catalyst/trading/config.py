"""Trading (OMS) settings; the defaults are the production ones, the test knobs default off.

Fault injection (tests only, refused when ``CATALYST_ENV=production``):
``CATALYST_TEST_SUBMIT_DELAY_S`` pauses after the order row is committed and before the broker
is called; ``CATALYST_TEST_ANSWER_DELAY_S`` pauses every broker answer (the submit reply and the
update feed alike) before it is applied to the rows. The crash tests SIGKILL the process inside
these windows.
"""

from __future__ import annotations

from pydantic import Field

from catalyst.config import Env, Section
from catalyst.domain.market import Timeframe


class TradingSettings(Section):
    reconcile_interval_s: float = Field(60.0, alias="TRADING_RECONCILE_INTERVAL", gt=0)
    reconcile_grace_s: float = Field(
        30.0, alias="TRADING_RECONCILE_GRACE", ge=0,
        description="A 'new' row younger than this is left alone by the periodic pass (it may be in flight)")
    resubmit_max_age_s: float = Field(
        120.0, alias="TRADING_RESUBMIT_MAX_AGE", ge=0,
        description="A row that never reached the broker is sent after a restart only if younger than this")
    price_timeframe: Timeframe = Field(Timeframe.MIN_1, alias="TRADING_PRICE_TIMEFRAME")
    max_price_age_s: float = Field(
        86_400.0 * 4, alias="TRADING_MAX_PRICE_AGE", gt=0,
        description="A reference price older than this does not count (market entries are refused)")
    test_submit_delay_s: float = Field(0.0, alias="CATALYST_TEST_SUBMIT_DELAY_S", ge=0)
    test_answer_delay_s: float = Field(0.0, alias="CATALYST_TEST_ANSWER_DELAY_S", ge=0)

    def check_env(self, env: Env) -> TradingSettings:
        """Itself, unless fault injection is asked for in production (the shared ``CATALYST_ENV``)."""
        if env == "production" and (self.test_submit_delay_s or self.test_answer_delay_s):
            raise ValueError("CATALYST_TEST_* fault injection is not allowed in production")
        return self
