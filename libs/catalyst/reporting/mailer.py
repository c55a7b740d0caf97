"""Sending the daily mail over SMTP (the standard library's smtplib, run in a worker thread).

TLS always verifies the server's certificate and name (``ssl.create_default_context``), against
``SMTP_CA_FILE`` when set (a relay with a private authority), else the system's authorities."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage

from catalyst.reporting.config import SmtpSettings


def _send(settings: SmtpSettings, message: EmailMessage) -> list[str]:
    """Deliver ``message``; the recipients the server accepted (it raises when it accepted none)."""
    assert settings.host is not None
    context = ssl.create_default_context(cafile=settings.ca_file)
    smtp: smtplib.SMTP
    if settings.tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    with smtp:
        if settings.tls == "starttls":
            smtp.starttls(context=context)
        if settings.user and settings.password is not None:
            smtp.login(settings.user, settings.password.get_secret_value())
        refused = smtp.send_message(message, from_addr=settings.sender, to_addrs=settings.recipients)
    return [r for r in settings.recipients if r not in refused]


async def send_mail(settings: SmtpSettings, message: EmailMessage) -> list[str]:
    """``_send`` off the event loop (smtplib blocks)."""
    return await asyncio.to_thread(_send, settings, message)
