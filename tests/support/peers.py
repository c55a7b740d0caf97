"""Every service the Workflow calls, running in process: the real apps, built by their ``build_app``.

``workflow_peers(settings_for, parameters=...)`` returns the ``PeerSource`` a Workflow app takes
(``build_app(peers=...)``): entered at the Workflow's start-up, it runs Trading (simulated broker),
Risk (reaching Trading over ASGI), News (replay source), Technical, Pattern, the Scanner (reaching
News, Technical and Pattern over ASGI) and Reporting on one market clock, and yields the typed
clients Workflow calls them with (Workflow's key, one attempt: a test sees the first answer).
The Workflow fixtures and the contract fuzzing share it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from catalyst.brokers.config import BrokerSettings
from catalyst.clients.news import NewsClient
from catalyst.clients.pattern import PatternClient
from catalyst.clients.reporting import ReportingClient
from catalyst.clients.risk import RiskClient
from catalyst.clients.scanner import ScannerClient
from catalyst.clients.technical import TechnicalClient
from catalyst.clients.trading import TradingClient
from catalyst.clock import Clock
from catalyst.config import Settings
from catalyst.domain.news import NewsItem
from catalyst.environment import read
from catalyst.http import ServiceClient
from catalyst.news.config import NewsSettings
from catalyst.news.sentiment.config import SentimentSettings
from catalyst.news_sources.base import NewsSourceSettings
from catalyst.reporting.config import ReportingSettings, SmtpSettings
from catalyst.risk.config import RiskSettings
from catalyst.services import ServiceName
from catalyst.trading.config import TradingSettings
from catalyst.workflow.peers import PeerSource, WorkflowPeers
from services.news.app import build_app as build_news_app
from services.pattern.app import build_app as build_pattern_app
from services.reporting.app import build_app as build_reporting_app
from services.risk.app import build_app as build_risk_app
from services.scanner.app import build_app as build_scanner_app
from services.technical.app import build_app as build_technical_app
from services.trading.app import build_app as build_trading_app
from tests.support.services import running, service_client

SettingsFor = Callable[[ServiceName], Settings]

SIM_BROKER = {"BROKER": "sim", "SIM_LEDGER": "memory", "SIM_MARKET_FILL": "last_price", "SIM_SLIPPAGE_BPS": "0",
              "BROKER_POLL_INTERVAL": "0.05", "BROKER_RETRY_WAIT_INITIAL": "0"}
PEER_TIMEOUT_S = 120.0  # a scan of the whole replay universe answers when it is done


def workflow_peers(settings_for: SettingsFor, *, parameters: Path, reports: Path, clock: Clock | None = None,
                   news_items: Sequence[NewsItem] = ()) -> PeerSource:
    """The ``PeerSource`` of the real services; ``parameters`` is Risk's parameter file, ``reports`` where
    Reporting writes its HTML; ``news_items`` what the News replay source serves."""

    @asynccontextmanager
    async def open_peers() -> AsyncIterator[WorkflowPeers]:
        async with AsyncExitStack() as stack:
            async def start(app: FastAPI, caller: ServiceName = ServiceName.WORKFLOW) -> ServiceClient:
                await stack.enter_async_context(running(app))
                return await stack.enter_async_context(service_client(app, caller=caller, timeout_s=PEER_TIMEOUT_S))

            trading_app = build_trading_app(settings_for(ServiceName.TRADING), clock=clock,
                                            broker_settings=read(BrokerSettings, **SIM_BROKER),
                                            trading_settings=read(TradingSettings, TRADING_RECONCILE_INTERVAL=3600))
            trading = await start(trading_app)
            to_trading = await stack.enter_async_context(service_client(trading_app, caller=ServiceName.RISK))
            risk = await start(build_risk_app(
                settings_for(ServiceName.RISK), trading=TradingClient(to_trading), clock=clock,
                risk_settings=RiskSettings(RISK_PARAMETERS_FILE=parameters, RISK_WATCH_PARAMETERS=False)))
            news_settings = NewsSettings(source_settings=NewsSourceSettings(NEWS_SOURCES="replay"),
                                         sentiment_settings=SentimentSettings(SENTIMENT_BACKEND="lexicon"))
            news_app = build_news_app(settings_for(ServiceName.NEWS), news_settings=news_settings,
                                      replay_items=news_items, clock=clock)
            technical_app = build_technical_app(settings_for(ServiceName.TECHNICAL), clock=clock)
            pattern_app = build_pattern_app(settings_for(ServiceName.PATTERN), clock=clock)
            news, technical, pattern = [await start(app) for app in (news_app, technical_app, pattern_app)]
            scanner_sees = [await stack.enter_async_context(service_client(app, caller=ServiceName.SCANNER,
                                                                            timeout_s=PEER_TIMEOUT_S))
                            for app in (news_app, technical_app, pattern_app)]
            scanner = await start(build_scanner_app(
                settings_for(ServiceName.SCANNER), news=NewsClient(scanner_sees[0]),
                technical=TechnicalClient(scanner_sees[1]), pattern=PatternClient(scanner_sees[2]), clock=clock))
            reporting = await start(build_reporting_app(
                settings_for(ServiceName.REPORTING), clock=clock, smtp_settings=SmtpSettings(SMTP_HOST=None),
                reporting_settings=read(ReportingSettings, REPORTING_DIR=reports)))
            yield WorkflowPeers(news=NewsClient(news), scanner=ScannerClient(scanner), pattern=PatternClient(pattern),
                                technical=TechnicalClient(technical), risk=RiskClient(risk),
                                trading=TradingClient(trading), reporting=ReportingClient(reporting))

    return open_peers
