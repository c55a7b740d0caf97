"""Reporting's config sections: the capital percentages are measured from, where reports go, the mail server."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr

from catalyst.config import Section, comma_list
from catalyst.domain.bounded import MAX_AMOUNT, MIN_AMOUNT

TlsMode = Literal["none", "starttls", "ssl"]


class ReportingSettings(Section):
    starting_capital: float = Field(
        100_000.0, alias="REPORTING_STARTING_CAPITAL", ge=MIN_AMOUNT, le=MAX_AMOUNT,
        description="Equity before the first recorded fill; a day's starting equity adds every net realized "
                    "P&L before it (the sim broker's SIM_INITIAL_CASH, or the live account's capital)")
    report_dir: Path = Field(Path(tempfile.gettempdir()) / "catalyst-reports", alias="REPORTING_DIR",
                             description="Where build_daily writes daily-YYYY-MM-DD.html")


class SmtpSettings(Section):
    """The daily summary's mail server; no host: no mail (``build_daily`` says so and sends nothing)."""

    host: str | None = Field(None, alias="SMTP_HOST")
    port: int = Field(587, alias="SMTP_PORT", ge=1, le=65535)
    tls: TlsMode = Field("starttls", alias="SMTP_TLS",
                         description="none: plain; starttls: upgrade after connecting; ssl: TLS from the start")
    user: str | None = Field(None, alias="SMTP_USER")
    password: SecretStr | None = Field(None, alias="SMTP_PASSWORD")
    sender: str = Field("catalyst@localhost", alias="SMTP_SENDER")
    recipients: Annotated[list[str], BeforeValidator(comma_list)] = Field(
        default_factory=list, alias="SMTP_RECIPIENTS", description="Comma-separated")
    timeout_s: float = Field(10.0, alias="SMTP_TIMEOUT", gt=0)
    ca_file: Path | None = Field(
        None, alias="SMTP_CA_FILE",
        description="PEM bundle of the authorities the server's certificate is checked against (a relay "
                    "with a private CA); unset: the system's. The certificate is always verified")

    @property
    def enabled(self) -> bool:
        return bool(self.host) and bool(self.recipients)
