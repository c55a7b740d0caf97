"""The alpaca-py plumbing the broker, bar source and news source share (catalyst.alpaca_common)."""

from __future__ import annotations

import json
import threading

import pytest
from alpaca.common.exceptions import APIError
from alpaca.data.historical.news import NewsClient
from alpaca.data.historical.stock import StockHistoricalDataClient

from catalyst.alpaca_common import ClientPool, TimeoutSession, api_error_body, configure_rest_client


def test_configure_sets_timeout_session_and_retry_budget() -> None:
    data = configure_rest_client(StockHistoricalDataClient(api_key="k", secret_key="s"), timeout_s=2.5,
                                 retry_attempts=2, retry_wait_s=0.25)
    assert (data._retry, data._retry_wait) == (2, 0.25)
    assert isinstance(data._session, TimeoutSession)
    assert data._session._timeout_s == 2.5
    news = NewsClient(api_key="k", secret_key="s")
    wait_before = news._retry_wait
    configure_rest_client(news, timeout_s=1.0, retry_attempts=0)
    assert (news._retry, news._retry_wait) == (0, wait_before)  # no wait given: alpaca-py's is kept


@pytest.mark.parametrize(("text", "body"), [
    (json.dumps({"code": 40010001, "message": "bad qty"}), {"code": 40010001, "message": "bad qty"}),
    ("<html>bad gateway</html>", None),
    ("[1, 2]", None),
    ("42", None),
])
def test_api_error_body_reads_only_json_objects(text: str, body: dict[str, object] | None) -> None:
    assert api_error_body(APIError(text)) == body  # type: ignore[no-untyped-call]


async def test_client_pool_one_client_per_worker_thread_and_error_mapping() -> None:
    made: list[int] = []

    def factory() -> StockHistoricalDataClient:
        made.append(threading.get_ident())
        return StockHistoricalDataClient(api_key="k", secret_key="s")

    pool = ClientPool(factory, workers=1, thread_name_prefix="t-alpaca")
    assert len(made) == 1  # built once at construction: bad configuration fails at start-up
    first = await pool.run(lambda c: c, lambda exc: None)
    again = await pool.run(lambda c: c, lambda exc: None)
    assert first is again
    assert len(made) == 2  # the worker thread's own client
    assert made[1] != made[0]

    def boom(_: StockHistoricalDataClient) -> None:
        raise KeyError("x")

    with pytest.raises(RuntimeError) as err:
        await pool.run(boom, lambda exc: RuntimeError("mapped"))
    assert isinstance(err.value.__cause__, KeyError)
    with pytest.raises(KeyError):
        await pool.run(boom, lambda exc: None)
    with pytest.raises(KeyError):
        await pool.run(boom, lambda exc: exc)
    pool.shutdown(wait=True)
