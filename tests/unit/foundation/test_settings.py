"""Settings: spec env names, per-service keys and URLs, production refuses dev secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from catalyst.config import Settings, comma_list
from catalyst.environment import read
from catalyst.news_sources.base import NewsSourceSettings
from catalyst.reporting.config import SmtpSettings
from catalyst.scanner.config import ScannerSettings
from catalyst.scanner.stages import Stage
from catalyst.services import IDENTITIES, PORTS, Operator, ServiceName


def test_defaults_follow_the_service_matrix():
    s = Settings(CATALYST_SERVICE="risk")
    assert s.listen_port == 5004
    assert s.service_url(ServiceName.TRADING) == "http://127.0.0.1:5005"
    assert sorted(PORTS.values()) == [5000, 5001, 5002, 5003, 5004, 5005, 5006, 5008, 5009]


def test_env_overrides(monkeypatch):
    monkeypatch.setenv("TRADING_URL", "http://trading.catalyst.svc:5005/")
    monkeypatch.setenv("RISK_API_KEY", "k-risk")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/catalyst")
    s = read(Settings)
    assert s.service_url(ServiceName.TRADING) == "http://trading.catalyst.svc:5005"
    assert s.key_owners()["k-risk"] is ServiceName.RISK
    assert s.database_url.endswith("/catalyst")


def test_every_service_key_is_distinct():
    keys = [Settings().api_key(s) for s in ServiceName]
    assert len(set(keys)) == len(keys) == 9


def test_production_refuses_development_secrets():
    with pytest.raises(ValidationError, match="development secrets"):
        Settings(CATALYST_ENV="production")


def test_the_operator_has_a_key_of_its_own_that_production_checks(monkeypatch):
    monkeypatch.setenv("OPERATOR_API_KEY", "k-operator")
    assert read(Settings).key_owners()["k-operator"] is Operator.OPERATOR
    monkeypatch.setenv("RISK_OPERATOR_API_KEY", "k-risk-operator")
    assert read(Settings).key_owners()["k-risk-operator"] is Operator.RISK_OPERATOR
    monkeypatch.delenv("RISK_OPERATOR_API_KEY")
    monkeypatch.delenv("OPERATOR_API_KEY")
    strong = {f"{s.value.upper()}_API_KEY": f"strong-{s.value}" for s in ServiceName if s is not ServiceName.NEWS}
    with pytest.raises(ValidationError, match=r"not allowed in production: operator, risk_operator \[type"):
        Settings(CATALYST_ENV="production", NEWS_SERVICE_API_KEY="strong-news", RISK_APPROVAL_SECRET="strong",
                 **strong)
    assert len(set(Settings().key_owners().values())) == len(IDENTITIES) == 11


def test_comma_list_splits_what_the_environment_spells_as_a_list():
    assert comma_list(" a@x, b@y,,c ") == ["a@x", "b@y", "c"]
    assert comma_list("") == []
    assert comma_list(["kept", "as given"]) == ["kept", "as given"]
    assert read(ScannerSettings, {"SCANNER_STAGES": "universe, technical,final"}).stages == [
        Stage.UNIVERSE, Stage.TECHNICAL, Stage.FINAL]
    assert read(SmtpSettings, {"SMTP_RECIPIENTS": "desk@x, risk@y"}).recipients == ["desk@x", "risk@y"]
    assert read(NewsSourceSettings, {"NEWS_SOURCES": "replay, sec_edgar"}).sources == ["replay", "sec_edgar"]
