"""A caller's client order id can never be a bracket leg's (``<id>:sl`` / ``<id>:tp``, which the OMS
derives), so a submit can never collide with another order's leg, and every leg id fits the pattern."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from catalyst.contracts.trading import ClosePositionBody, SubmitOrderBody
from catalyst.domain.order_request import OrderRequest
from catalyst.domain.orders import Side

BRACKET = {"symbol": "AAPL", "side": "buy", "quantity": 10, "order_type": "market", "take_profit": 110.0,
           "stop_loss": 95.0}


@pytest.mark.parametrize("cid", ["abc:sl", "abc:tp", "a:b", "x" * 62])
def test_a_callers_id_that_a_leg_could_take_or_outgrow_is_refused(cid: str) -> None:
    with pytest.raises(ValidationError):
        SubmitOrderBody.model_validate({**BRACKET, "client_order_id": cid})
    with pytest.raises(ValidationError):
        ClosePositionBody.model_validate({"client_order_id": cid})


def test_the_longest_callers_id_leaves_room_for_its_legs() -> None:
    cid = "x" * 61
    body = SubmitOrderBody.model_validate({**BRACKET, "client_order_id": cid})
    assert body.client_order_id == cid
    for suffix in (":sl", ":tp"):
        assert OrderRequest(client_order_id=cid + suffix, symbol="AAPL", side=Side.SELL, quantity=10)
