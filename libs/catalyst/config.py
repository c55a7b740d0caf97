"""The config sections every service shares, and the base of every section.

A section is a frozen pydantic model (``Section``) whose fields name their environment variables
(spec section 6.3: ``DATABASE_URL``, ``REDIS_URL``, ``ALPACA_API_KEY`` …) as aliases. Nothing here
reads the environment: ``catalyst.environment.read`` does, once, in each service's ``build_app``
(or a script's ``main``), and the sections are passed down from there.

Each service has its own API key (``<SERVICE>_API_KEY``), presented when it calls another
service and accepted from it (where ``catalyst.access`` lets it in), and so have the operator
(``OPERATOR_API_KEY``) and the risk operator (``RISK_OPERATOR_API_KEY``); a service's URL is
``<SERVICE>_URL`` (defaults: loopback and the spec's port). Development keys are generated from
the service name so that ``make run`` works on a fresh machine; ``CATALYST_ENV=production``
refuses them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from catalyst.services import IDENTITIES, PORTS, Identity, Operator, ServiceName

DEV_KEY_PREFIX = "dev-key-"

Env = Literal["local", "test", "paper", "production"]


def comma_list(value: Any) -> Any:
    """A list as an environment variable spells it (``a, b,c``) into its items, blanks dropped; any
    other value as it is (a ``mode="before"`` validator of a list field)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Section(BaseModel):
    """A frozen config section: built once at start-up (``catalyst.environment.read``), then passed
    down. Fields are set by their environment names or their own names alike; unknown ones are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, validate_default=True)


class AlpacaCredentials(Section):
    """The one Alpaca key pair, shared by the broker, the bar source and the news source."""

    api_key: SecretStr | None = Field(None, alias="ALPACA_API_KEY")
    secret_key: SecretStr | None = Field(None, alias="ALPACA_SECRET_KEY")

    def pair(self) -> tuple[str, str] | None:
        """Both keys in clear, or None unless both are set."""
        if self.api_key is None or self.secret_key is None:
            return None
        return self.api_key.get_secret_value(), self.secret_key.get_secret_value()


def dev_api_key(identity: Identity) -> str:
    """The development key of a service or the operator (never accepted in production)."""
    return f"{DEV_KEY_PREFIX}{identity.value}"


class Settings(Section):
    """What every service needs: who it is, its connections, its peers' URLs and keys."""

    service_name: ServiceName = Field(ServiceName.ORCHESTRATION, alias="CATALYST_SERVICE")
    env: Env = Field("local", alias="CATALYST_ENV")
    host: str = Field("127.0.0.1", alias="CATALYST_HOST")
    port: int | None = Field(None, alias="CATALYST_PORT", description="Defaults to the service's spec port")
    log_level: str = Field("INFO", alias="LOG_LEVEL")

    database_url: str = Field("postgresql://postgres@127.0.0.1:5432/test", alias="DATABASE_URL")
    db_pool_min: int = Field(2, alias="DB_POOL_MIN", ge=1)
    db_pool_max: int = Field(5, alias="DB_POOL_MAX", ge=1)
    db_command_timeout_s: float = Field(10.0, alias="DB_COMMAND_TIMEOUT", gt=0)

    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL")
    # Prefix of every Redis key and channel; empty in production (spec channel names),
    # set per test session so that concurrent runs on one Redis never see each other.
    redis_namespace: str = Field("", alias="REDIS_NAMESPACE")

    http_timeout_s: float = Field(5.0, alias="HTTP_TIMEOUT", gt=0)
    http_retry_attempts: int = Field(3, alias="HTTP_RETRY_ATTEMPTS", ge=1)
    breaker_failure_threshold: int = Field(5, alias="BREAKER_FAILURE_THRESHOLD", ge=1)
    breaker_recovery_s: float = Field(60.0, alias="BREAKER_RECOVERY", gt=0)

    orchestration_api_key: SecretStr = Field(SecretStr(dev_api_key(ServiceName.ORCHESTRATION)),
                                             alias="ORCHESTRATION_API_KEY")
    scanner_api_key: SecretStr = Field(SecretStr(dev_api_key(ServiceName.SCANNER)), alias="SCANNER_API_KEY")
    pattern_api_key: SecretStr = Field(SecretStr(dev_api_key(ServiceName.PATTERN)), alias="PATTERN_API_KEY")
    technical_api_key: SecretStr = Field(SecretStr(dev_api_key(ServiceName.TECHNICAL)),
                                         alias="TECHNICAL_API_KEY")
    risk_api_key: SecretStr = Field(SecretStr(dev_api_key(ServiceName.RISK)), alias="RISK_API_KEY")
    trading_api_key: SecretStr = Field(SecretStr(dev_api_key(ServiceName.TRADING)), alias="TRADING_API_KEY")
    workflow_api_key: SecretStr = Field(SecretStr(dev_api_key(ServiceName.WORKFLOW)), alias="WORKFLOW_API_KEY")
    news_api_key_internal: SecretStr = Field(SecretStr(dev_api_key(ServiceName.NEWS)),
                                             alias="NEWS_SERVICE_API_KEY",
                                             description="The News service's own key (NEWS_API_KEY is NewsAPI's)")
    reporting_api_key: SecretStr = Field(SecretStr(dev_api_key(ServiceName.REPORTING)),
                                         alias="REPORTING_API_KEY")
    operator_api_key: SecretStr = Field(SecretStr(dev_api_key(Operator.OPERATOR)), alias="OPERATOR_API_KEY")
    risk_operator_api_key: SecretStr = Field(SecretStr(dev_api_key(Operator.RISK_OPERATOR)),
                                             alias="RISK_OPERATOR_API_KEY")

    orchestration_url: str | None = Field(None, alias="ORCHESTRATION_URL")
    scanner_url: str | None = Field(None, alias="SCANNER_URL")
    pattern_url: str | None = Field(None, alias="PATTERN_URL")
    technical_url: str | None = Field(None, alias="TECHNICAL_URL")
    risk_url: str | None = Field(None, alias="RISK_URL")
    trading_url: str | None = Field(None, alias="TRADING_URL")
    workflow_url: str | None = Field(None, alias="WORKFLOW_URL")
    news_url: str | None = Field(None, alias="NEWS_URL")
    reporting_url: str | None = Field(None, alias="REPORTING_URL")

    # Signs risk approvals (Risk Manager) and verifies them (Trading).
    risk_approval_secret: SecretStr = Field(SecretStr("dev-approval-secret"), alias="RISK_APPROVAL_SECRET")

    @model_validator(mode="after")
    def _no_dev_secrets_in_production(self) -> Settings:
        if self.env == "production":
            weak = [s.value for s in IDENTITIES if self.api_key(s).startswith(DEV_KEY_PREFIX)]
            if self.risk_approval_secret.get_secret_value().startswith("dev-"):
                weak.append("risk_approval_secret")
            if weak:
                raise ValueError(f"development secrets are not allowed in production: {', '.join(weak)}")
        return self

    @property
    def service(self) -> ServiceName:
        return self.service_name

    @property
    def listen_port(self) -> int:
        return self.port if self.port is not None else PORTS[self.service_name]

    def api_key(self, identity: Identity) -> str:
        """The key ``identity`` presents (and that others accept from it)."""
        field = "news_api_key_internal" if identity is ServiceName.NEWS else f"{identity.value}_api_key"
        secret: SecretStr = getattr(self, field)
        return secret.get_secret_value()

    def service_url(self, service: ServiceName) -> str:
        url: str | None = getattr(self, f"{service.value}_url")
        return (url or f"http://127.0.0.1:{PORTS[service]}").rstrip("/")

    def key_owners(self) -> dict[str, Identity]:
        """Accepted inbound keys and the service (or the operator) each one identifies."""
        return {self.api_key(s): s for s in IDENTITIES}

