"""The offline default end to end: the replay source serving the synthetic universe's planted
catalysts, called through the typed NewsClient the scanner uses."""

from __future__ import annotations

from datetime import date

from catalyst.clients.news import NewsClient
from catalyst.contracts.news import PushedNewsItem
from catalyst.domain.calendar import session_open
from catalyst.services import ServiceName
from catalyst.synthetic.universe import expected_funnel, news_window
from tests.support.services import service_client

DAY = date(2013, 2, 27)  # a replay day


async def test_scanner_batch_finds_exactly_the_planted_bullish_catalysts(build_news_app, api_client):
    since, until = news_window(DAY)
    funnel = expected_funnel(DAY)
    app = build_news_app(replay_items=None, NEWS_REPLAY_NOW=session_open(DAY).isoformat())  # replay_news()
    async with (api_client(app), service_client(app, caller=ServiceName.SCANNER, attempts=3) as service,
                service_client(app, caller=ServiceName.WORKFLOW, attempts=3) as pusher_service):
        client = NewsClient(service)
        # Pushed news comes from Workflow (or the operator); the Scanner only reads (catalyst.access).
        pusher = NewsClient(pusher_service)
        batch = await client.catalysts(sorted(funnel.stage1), since=since, until=until, min_strength=0.5)
        bullish = {c.symbol for c in batch.catalysts if c.mean_sentiment > 0.2}
        assert bullish == set(funnel.stage2)
        assert batch.degraded is False
        assert len(batch.catalysts) + len(batch.without_catalyst) == len(funnel.stage1)

        top = funnel.top5[0]
        news = await client.news(top, since=since, until=until)
        assert news.events
        assert news.events[0].sources == ["replay"]
        assert news.events[0].catalyst_strength > 0.5

        pushed = await pusher.ingest([PushedNewsItem(symbols=[top], headline=f"{top} wins $50 million contract",
                                                     published_at=since)])
        assert pushed.stored == 1
        again = await pusher.ingest([PushedNewsItem(symbols=[top], headline=f"{top} wins $50 million contract",
                                                    published_at=since)])
        assert again.duplicates == 1  # the derived id makes a retried push idempotent
