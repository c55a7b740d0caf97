"""The environment is read in one place, into frozen sections that declare each variable once."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from catalyst.bar_sources.config import BarSourceSettings
from catalyst.brokers.config import BrokerSettings
from catalyst.clock import MarketClockSettings
from catalyst.config import AlpacaCredentials, Section, Settings
from catalyst.environment import _variables, read
from catalyst.news.config import NewsSettings
from catalyst.risk.config import RiskSettings
from catalyst.trading.config import TradingSettings

LIBS = Path(__file__).resolve().parents[3] / "libs" / "catalyst"
# Every section a process can be configured with; NewsSettings holds its sources and sentiment.
SECTIONS: tuple[type[Section], ...] = (Settings, NewsSettings, BrokerSettings, RiskSettings, TradingSettings,
                                       BarSourceSettings, MarketClockSettings)


def _declared(section: type[BaseModel], seen: set[type[BaseModel]]) -> list[str]:
    """Variable names ``section`` declares itself, a nested section counted once wherever it is held."""
    if section in seen:
        return []
    seen.add(section)
    names: list[str] = []
    for name, field in section.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            names += _declared(field.annotation, seen)
        else:
            names += [v.upper() for v in _variables(name, field)]
    return names


def test_each_variable_is_declared_once() -> None:
    seen: set[type[BaseModel]] = set()
    names = [n for section in SECTIONS for n in _declared(section, seen)]
    assert [n for n, k in Counter(names).items() if k > 1] == []
    assert "ALPACA_API_KEY" in names


def test_one_alpaca_key_pair_reaches_the_broker_the_bars_and_the_news() -> None:
    env = {"alpaca_api_key": "k", "ALPACA_SECRET_KEY": "s", "BAR_SOURCE": "alpaca", "NEWS_SOURCES": "alpaca"}
    pairs = {read(BrokerSettings, env).alpaca.pair(), read(BarSourceSettings, env).alpaca.pair(),
             read(NewsSettings, env).source_settings.alpaca.pair()}
    assert pairs == {("k", "s")}


def test_sections_are_frozen_and_checked_when_read() -> None:
    risk = read(RiskSettings, {"RISK_BOOK_RESYNC": "2.5"})
    assert risk.book_resync_s == 2.5
    with pytest.raises(ValidationError):
        risk.book_resync_s = 3.0  # type: ignore[misc]
    with pytest.raises(ValidationError):
        read(RiskSettings, {"RISK_BOOK_RESYNC": "-1"})
    assert read(Settings, {}).env == "local"


def test_fault_injection_is_refused_in_the_shared_production_env() -> None:
    injected = read(TradingSettings, {"CATALYST_TEST_SUBMIT_DELAY_S": "1"})
    assert injected.check_env("test") is injected
    with pytest.raises(ValueError, match="not allowed in production"):
        injected.check_env("production")


def test_no_library_module_reads_the_environment_but_the_reader() -> None:
    offenders = []
    for path in LIBS.rglob("*.py"):
        if path.name == "environment.py" and path.parent == LIBS:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            imported = node.module if isinstance(node, ast.ImportFrom) else None
            if imported == "pydantic_settings" or (isinstance(node, ast.Attribute) and node.attr in
                                                   ("environ", "getenv")):
                offenders.append(f"{path.relative_to(LIBS)}:{node.lineno}")
    assert offenders == []


def test_credentials_need_both_keys() -> None:
    assert AlpacaCredentials(api_key="k").pair() is None


def test_overrides_win_over_the_environment_and_the_rest_is_read() -> None:
    env = {"RISK_BOOK_RESYNC": "2.5", "RISK_EMERGENCY_DEADLINE": "1.0"}
    risk = read(RiskSettings, env, RISK_BOOK_RESYNC=4.0, watch_parameters=False)
    assert (risk.book_resync_s, risk.emergency_deadline_s, risk.watch_parameters) == (4.0, 1.0, False)
