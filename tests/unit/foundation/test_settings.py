"""Settings: spec env names, per-service keys and URLs, production refuses dev secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from catalyst.config import Settings
from catalyst.services import PORTS, ServiceName


def test_defaults_follow_the_service_matrix():
    s = Settings(CATALYST_SERVICE="risk")
    assert s.listen_port == 5004
    assert s.service_url(ServiceName.TRADING) == "http://127.0.0.1:5005"
    assert sorted(PORTS.values()) == [5000, 5001, 5002, 5003, 5004, 5005, 5006, 5008, 5009]


def test_env_overrides(monkeypatch):
    monkeypatch.setenv("TRADING_URL", "http://trading.catalyst.svc:5005/")
    monkeypatch.setenv("RISK_API_KEY", "k-risk")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/catalyst")
    s = Settings()
    assert s.service_url(ServiceName.TRADING) == "http://trading.catalyst.svc:5005"
    assert s.key_owners()["k-risk"] is ServiceName.RISK
    assert s.database_url.endswith("/catalyst")


def test_every_service_key_is_distinct():
    keys = [Settings().api_key(s) for s in ServiceName]
    assert len(set(keys)) == len(keys) == 9


def test_production_refuses_development_secrets():
    with pytest.raises(ValidationError, match="development secrets"):
        Settings(CATALYST_ENV="production")
