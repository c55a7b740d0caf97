"""``news_sentiment`` storage: stories per security, merged into events under a per-security lock.

Saving takes a transaction-scoped advisory lock per security, reads the stories already stored
near the new ones, assigns events (pure :func:`assign_events`), inserts the new rows
(``ON CONFLICT DO NOTHING``: re-fetched stories are counted as duplicates) and rewrites the
event-level columns (sources, reliability, strength) of every event that changed. An event that
crosses the publication threshold is claimed in the same transaction, so it goes out once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from catalyst.db import Database
from catalyst.domain.news import CatalystType, NewsEvent, SentimentLabel
from catalyst.news.merge import assign_events, build_event
from catalyst.news.models import ScoredStory

NEWS_LOCK_CLASS = 8008  # advisory lock namespace of the News service (key 2 = security_id)

_ROW_COLUMNS = """
    s.symbol, n.source, n.source_id, n.headline, n.summary, n.url, t.ts AS published_at, n.catalyst_type,
    n.catalyst_score, n.sentiment_score, n.sentiment_label, n.event_id, n.security_id
"""


@dataclass
class SaveResult:
    stored: int = 0
    duplicates: int = 0
    events: list[NewsEvent] = field(default_factory=list)  # every event a saved story belongs to
    to_publish: list[NewsEvent] = field(default_factory=list)  # claimed for publication in this save


def _story(row: Mapping[str, Any]) -> ScoredStory:
    def num(value: Decimal | float | None) -> float:
        return float(value) if value is not None else 0.0

    return ScoredStory(
        symbol=row["symbol"], source=row["source"], source_id=row["source_id"], headline=row["headline"],
        summary=row["summary"], url=row["url"], published_at=row["published_at"],
        catalyst_type=CatalystType(row["catalyst_type"] or CatalystType.OTHER.value),
        catalyst_score=num(row["catalyst_score"]), sentiment_score=num(row["sentiment_score"]),
        sentiment_label=SentimentLabel(row["sentiment_label"] or SentimentLabel.NEUTRAL.value),
        event_id=row["event_id"],
    )


class NewsStore:
    def __init__(self, db: Database):
        self._db = db

    async def known_symbols(self, symbols: Collection[str]) -> set[str]:
        """The symbols among ``symbols`` that are active securities."""
        if not symbols:
            return set()
        async with self._db.acquire() as conn:
            rows = await conn.fetch("SELECT symbol FROM securities WHERE symbol = ANY($1::text[]) AND is_active",
                                    sorted(symbols))
        return {r["symbol"] for r in rows}

    async def listed_symbols(self) -> list[str]:
        """Every active security's symbol (what a source without a market-wide feed is asked about)."""
        async with self._db.acquire() as conn:
            rows = await conn.fetch("SELECT symbol FROM securities WHERE is_active ORDER BY symbol")
        return [r["symbol"] for r in rows]

    async def symbols_with_news(self, since: datetime, until: datetime) -> list[str]:
        """The symbols with a story published in ``[since, until]``, in order."""
        async with self._db.acquire() as conn:
            rows = await conn.fetch("""
                SELECT DISTINCT s.symbol FROM news_sentiment n
                JOIN securities s USING (security_id) JOIN time_dimension t USING (time_id)
                WHERE t.ts BETWEEN $1 AND $2 ORDER BY s.symbol""", since, until)
        return [r["symbol"] for r in rows]

    async def save(self, stories: Sequence[ScoredStory], *, reliability: Mapping[str, float], window: timedelta,
                   similarity: float, publish_threshold: float) -> SaveResult:
        if not stories:
            return SaveResult()
        async with self._db.transaction() as conn:
            ids = {r["symbol"]: r["security_id"] for r in await conn.fetch(
                "SELECT symbol, security_id FROM get_or_create_securities($1::text[])",
                sorted({s.symbol for s in stories}))}
            for security_id in sorted(ids.values()):
                await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", NEWS_LOCK_CLASS, security_id)
            times = [s.published_at for s in stories]
            existing = await self._stories_near(conn, list(ids.values()), min(times) - window, max(times) + window)
            assigned = assign_events(existing, stories, window=window, threshold=similarity)
            inserted = await self._insert(conn, assigned, ids)
            result = SaveResult(stored=len(inserted), duplicates=len(stories) - len(inserted))
            if not inserted:
                return result
            touched = sorted({s.event_id for s in inserted if s.event_id is not None})
            members = await self._event_stories(conn, touched)
            for event_id in touched:
                event = build_event(members[event_id], reliability)
                result.events.append(event)
                await conn.execute(
                    "UPDATE news_sentiment SET sources = $2, reliability = $3, catalyst_strength = $4 "
                    "WHERE event_id = $1", event_id, event.sources, event.reliability, event.catalyst_strength)
                if event.catalyst_strength > publish_threshold and await self._claim(conn, event_id):
                    result.to_publish.append(event)
            await self._propagate_publication(conn, touched)
        return result

    async def unclaim(self, event_ids: Collection[UUID]) -> None:
        """Release publication claims of events that could not be published (retried on a later save)."""
        async with self._db.acquire() as conn:
            await conn.execute("UPDATE news_sentiment SET catalyst_published_at = NULL WHERE event_id = ANY($1)",
                               list(event_ids))

    async def events(self, symbols: Collection[str], since: datetime, until: datetime,
                     reliability: Mapping[str, float], limit: int) -> dict[str, list[NewsEvent]]:
        """Events per symbol with a story published in ``[since, until]``, newest first (at most ``limit``)."""
        if not symbols:
            return {}
        async with self._db.acquire() as conn:
            rows = await conn.fetch(f"""
                SELECT {_ROW_COLUMNS}
                FROM news_sentiment n
                JOIN securities s USING (security_id)
                JOIN time_dimension t USING (time_id)
                WHERE n.event_id IN (
                    SELECT w.event_id FROM news_sentiment w
                    JOIN securities ws USING (security_id)
                    JOIN time_dimension wt USING (time_id)
                    WHERE ws.symbol = ANY($1::text[]) AND wt.ts BETWEEN $2 AND $3)
                  AND s.symbol = ANY($1::text[])
                ORDER BY t.ts""", sorted(symbols), since, until)
        groups: dict[tuple[str, UUID], list[ScoredStory]] = {}
        for row in rows:
            groups.setdefault((row["symbol"], row["event_id"]), []).append(_story(row))
        out: dict[str, list[NewsEvent]] = {}
        for (symbol, _), members in groups.items():
            out.setdefault(symbol, []).append(build_event(members, reliability))
        for events in out.values():
            events.sort(key=lambda e: (e.published_at, e.event_id), reverse=True)
            del events[limit:]
        return out

    @staticmethod
    async def _stories_near(conn: asyncpg.Connection, security_ids: list[int], lo: datetime,
                            hi: datetime) -> list[ScoredStory]:
        rows = await conn.fetch(f"""
            SELECT {_ROW_COLUMNS}
            FROM news_sentiment n JOIN securities s USING (security_id) JOIN time_dimension t USING (time_id)
            WHERE n.security_id = ANY($1::int[]) AND t.ts BETWEEN $2 AND $3""", security_ids, lo, hi)
        return [_story(r) for r in rows]

    @staticmethod
    async def _event_stories(conn: asyncpg.Connection, event_ids: list[UUID]) -> dict[UUID, list[ScoredStory]]:
        rows = await conn.fetch(f"""
            SELECT {_ROW_COLUMNS}
            FROM news_sentiment n JOIN securities s USING (security_id) JOIN time_dimension t USING (time_id)
            WHERE n.event_id = ANY($1::uuid[])""", event_ids)
        members: dict[UUID, list[ScoredStory]] = {}
        for row in rows:
            members.setdefault(row["event_id"], []).append(_story(row))
        return members

    @staticmethod
    async def _insert(conn: asyncpg.Connection, stories: Sequence[ScoredStory],
                      ids: Mapping[str, int]) -> list[ScoredStory]:
        """Insert the stories; returns the ones actually written (not already stored)."""
        if not stories:
            return []
        time_ids = {r["ts"]: r["time_id"] for r in await conn.fetch(
            "SELECT ts, time_id FROM get_or_create_times($1::timestamptz[])", [s.published_at for s in stories])}
        rows = await conn.fetch("""
            INSERT INTO news_sentiment (security_id, time_id, source, source_id, headline, summary, url,
                                        catalyst_type, catalyst_score, sentiment_score, sentiment_label, event_id)
            SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                                 $7::text[], $8::text[], $9::numeric[], $10::numeric[], $11::text[], $12::uuid[])
            ON CONFLICT (security_id, source, source_id) DO NOTHING
            RETURNING security_id, source, source_id""",
            [ids[s.symbol] for s in stories], [time_ids[s.published_at] for s in stories],
            [s.source for s in stories], [s.source_id for s in stories], [s.headline for s in stories],
            [s.summary for s in stories], [s.url for s in stories], [s.catalyst_type.value for s in stories],
            [s.catalyst_score for s in stories], [s.sentiment_score for s in stories],
            [s.sentiment_label.value for s in stories], [s.event_id for s in stories])
        written = {(r["security_id"], r["source"], r["source_id"]) for r in rows}
        return [s for s in stories if (ids[s.symbol], s.source, s.source_id) in written]

    @staticmethod
    async def _claim(conn: asyncpg.Connection, event_id: UUID) -> bool:
        """Mark an event published unless any of its rows already is; True when this save claimed it."""
        claimed = await conn.fetch("""
            UPDATE news_sentiment SET catalyst_published_at = now()
            WHERE event_id = $1 AND NOT EXISTS (
                SELECT 1 FROM news_sentiment p WHERE p.event_id = $1 AND p.catalyst_published_at IS NOT NULL)
            RETURNING news_id""", event_id)
        return bool(claimed)

    @staticmethod
    async def _propagate_publication(conn: asyncpg.Connection, event_ids: list[UUID]) -> None:
        """New rows joining an already published event inherit its publication time."""
        await conn.execute("""
            UPDATE news_sentiment n SET catalyst_published_at = p.at
            FROM (SELECT event_id, min(catalyst_published_at) AS at FROM news_sentiment
                  WHERE event_id = ANY($1::uuid[]) GROUP BY event_id) p
            WHERE n.event_id = p.event_id AND n.catalyst_published_at IS NULL AND p.at IS NOT NULL""", event_ids)
