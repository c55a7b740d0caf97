"""The daily mail over TLS: STARTTLS and TLS from the start against a local aiosmtpd server whose
certificate a test authority (trustme) issued; the certificate is verified, credentials go over TLS."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from catalyst.reporting.config import SmtpSettings
from catalyst.reporting.mailer import send_mail
from tests.integration.reporting.conftest import Inbox

StartServer = Callable[..., tuple[Inbox, int]]


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_tls(authority: trustme.CA) -> ssl.SSLContext:
    """The server's side: a certificate for 127.0.0.1 issued by ``authority``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


class Logins:
    """An aiosmtpd authenticator that accepts one user and records every attempt."""

    def __init__(self, user: str, password: str) -> None:
        self.expected = (user.encode(), password.encode())
        self.seen: list[tuple[bytes, bytes]] = []

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=(auth_data.login, auth_data.password) == self.expected)


def _message() -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Catalyst daily report 2026-03-02"
    message.set_content("Net P&L: $496.00")
    return message


def _settings(port: int, tls: str, **more: Any) -> SmtpSettings:
    return SmtpSettings(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS=tls, SMTP_SENDER="reports@catalyst.test",
                        SMTP_RECIPIENTS="desk@catalyst.test", SMTP_TIMEOUT=5, **more)


async def test_starttls_upgrades_before_logging_in(smtp_servers: StartServer, server_tls: ssl.SSLContext,
                                                   ca_file: Path) -> None:
    logins = Logins("desk", "s3cret")
    inbox, port = smtp_servers(tls_context=server_tls, require_starttls=True, auth_required=True,
                               auth_require_tls=True, authenticator=logins)
    sent = await send_mail(_settings(port, "starttls", SMTP_CA_FILE=ca_file, SMTP_USER="desk",
                                     SMTP_PASSWORD="s3cret"), _message())
    assert sent == ["desk@catalyst.test"]
    assert logins.seen == [(b"desk", b"s3cret")]  # the server offers AUTH only after STARTTLS
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["desk@catalyst.test"]
    assert isinstance(envelope.content, bytes)
    assert b"Net P&L: $496.00" in envelope.content


async def test_tls_from_the_start(smtp_servers: StartServer, server_tls: ssl.SSLContext, ca_file: Path) -> None:
    inbox, port = smtp_servers(ssl_context=server_tls)
    sent = await send_mail(_settings(port, "ssl", SMTP_CA_FILE=ca_file), _message())
    assert sent == ["desk@catalyst.test"]
    assert len(inbox.envelopes) == 1


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
async def test_a_certificate_no_trusted_authority_signed_is_refused(
        smtp_servers: StartServer, server_tls: ssl.SSLContext, tls: str) -> None:
    options: dict[str, Any] = ({"tls_context": server_tls, "require_starttls": True} if tls == "starttls"
                               else {"ssl_context": server_tls})
    inbox, port = smtp_servers(**options)
    with pytest.raises(ssl.SSLCertVerificationError):
        await send_mail(_settings(port, tls), _message())  # the system's authorities only
    assert inbox.envelopes == []


async def test_a_certificate_for_another_name_is_refused(smtp_servers: StartServer, authority: trustme.CA,
                                                         ca_file: Path) -> None:
    elsewhere = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("mail.elsewhere.test").configure_cert(elsewhere)
    inbox, port = smtp_servers(tls_context=elsewhere, require_starttls=True)
    with pytest.raises(ssl.SSLCertVerificationError):
        await send_mail(_settings(port, "starttls", SMTP_CA_FILE=ca_file), _message())
    assert inbox.envelopes == []
