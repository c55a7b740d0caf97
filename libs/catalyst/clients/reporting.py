"""Typed client of the Reporting service: calls through ``ReportingRoutes`` (``catalyst.clients.base``)."""

from __future__ import annotations

from datetime import date

from catalyst.clients.base import TypedClient
from catalyst.contracts import reporting as api
from catalyst.services import ServiceName


class ReportingClient(TypedClient):
    peer = ServiceName.REPORTING

    async def daily(self, day: date) -> api.PerformanceReport:
        """The trading day's report. ``InvalidInput`` for a day after today or not a trading day."""
        return await self.call(api.ReportingRoutes.daily, day=day.isoformat())

    async def weekly(self, day: date) -> api.PerformanceReport:
        """The week (Monday to Sunday) containing ``day``, up to today."""
        return await self.call(api.ReportingRoutes.weekly, day=day.isoformat())

    async def monthly(self, day: date) -> api.PerformanceReport:
        """The calendar month containing ``day``, up to today."""
        return await self.call(api.ReportingRoutes.monthly, day=day.isoformat())

    async def journal(self, start: date, end: date) -> api.TradeJournal:
        """Positions closed from ``start`` to ``end`` (both included)."""
        return await self.call(api.ReportingRoutes.journal, params={"start": start.isoformat(), "end": end.isoformat()})

    async def build_daily(self, day: date, *, send_email: bool = True) -> api.BuiltReport:
        """Write the day's HTML report (overwriting an earlier one) and, if asked and configured, mail it."""
        return await self.call(api.ReportingRoutes.build_daily, api.BuildReportRequest(send_email=send_email),
                               day=day.isoformat())
