"""SEC EDGAR filings from the submissions JSON (``/submissions/CIK##########.json``).

Tickers map to CIKs through a ``company_tickers.json`` file (SEC's own format:
``{"0": {"cik_str": 320193, "ticker": "AAPL", "title": "Apple Inc."}, ...}``). The recent
filings come as parallel arrays (``accessionNumber``, ``form``, ``acceptanceDateTime``, ``items``,
``primaryDocument`` …); older ones are in the files listed under ``filings.files``, fetched only
when the window reaches back past the recent block. Each 8-K becomes a story whose headline names
its items ("Apple Inc. files 8-K: Results of Operations and Financial Condition"). SEC refuses
requests without a descriptive User-Agent, so one is required.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx

from catalyst.domain.news import NewsItem
from catalyst.news_sources.base import NewsSourceSettings, SourceBatch, SourceError, gather_batches
from catalyst.news_sources.items import MALFORMED, build_item, collect_items
from catalyst.news_sources.transport import JsonHttpSource, Sleep

NAME = "sec_edgar"
ARCHIVE_URL = "https://www.sec.gov/Archives/edgar/data"
CONCURRENCY = 4  # SEC asks for at most 10 requests per second

# Form 8-K items (General Instructions B); 9.01 (exhibits) says nothing by itself.
ITEM_TITLES: dict[str, str] = {
    "1.01": "Entry into a Material Definitive Agreement",
    "1.02": "Termination of a Material Definitive Agreement",
    "1.03": "Bankruptcy or Receivership",
    "1.05": "Material Cybersecurity Incidents",
    "2.01": "Completion of Acquisition or Disposition of Assets",
    "2.02": "Results of Operations and Financial Condition",
    "2.03": "Creation of a Direct Financial Obligation",
    "2.05": "Costs Associated with Exit or Disposal Activities",
    "2.06": "Material Impairments",
    "3.01": "Notice of Delisting or Failure to Satisfy a Continued Listing Rule",
    "3.02": "Unregistered Sales of Equity Securities",
    "3.03": "Material Modification to Rights of Security Holders",
    "4.01": "Changes in Registrant's Certifying Accountant",
    "4.02": "Non-Reliance on Previously Issued Financial Statements",
    "5.01": "Changes in Control of Registrant",
    "5.02": "Departure of Directors or Certain Officers; Appointment of Certain Officers",
    "5.03": "Amendments to Articles of Incorporation or Bylaws",
    "5.07": "Submission of Matters to a Vote of Security Holders",
    "7.01": "Regulation FD Disclosure",
    "8.01": "Other Events",
}


@dataclass(frozen=True, slots=True)
class Company:
    cik: int
    ticker: str
    title: str


def load_company_tickers(path: Path) -> dict[str, Company]:
    """Ticker -> company from a ``company_tickers.json`` file; raises SourceError if unreadable."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(NAME, "config", f"cannot read {path}: {exc}") from exc
    rows = raw.values() if isinstance(raw, dict) else raw
    companies: dict[str, Company] = {}
    for row in rows:
        try:
            company = Company(int(row["cik_str"]), str(row["ticker"]).upper(), str(row.get("title", "")))
        except (KeyError, TypeError, ValueError):
            continue
        companies.setdefault(company.ticker, company)
    return companies


def headline_for(company: str, form: str, items: str) -> str:
    titles = [ITEM_TITLES[code] for code in (c.strip() for c in items.split(",")) if code in ITEM_TITLES]
    return f"{company} files {form}: {'; '.join(titles)}" if titles else f"{company} files {form}"


class SecEdgarSource(JsonHttpSource):
    source_name = NAME

    def __init__(self, settings: NewsSourceSettings, *, sleep: Sleep = asyncio.sleep,
                 transport: httpx.AsyncBaseTransport | None = None):
        if not settings.sec_edgar_user_agent:
            raise SourceError(NAME, "config", "SEC_EDGAR_USER_AGENT is required ('Company contact@example.com')")
        if settings.sec_edgar_tickers_file is None:
            raise SourceError(NAME, "config", "SEC_EDGAR_TICKERS_FILE (company_tickers.json) is required")
        self._companies = load_company_tickers(settings.sec_edgar_tickers_file)
        self._forms = frozenset(settings.sec_edgar_forms)
        super().__init__(settings, settings.sec_edgar_url, sleep=sleep, transport=transport,
                         headers={"User-Agent": settings.sec_edgar_user_agent, "Accept": "application/json"})

    async def fetch(self, symbols: Sequence[str], since: datetime, until: datetime) -> SourceBatch:
        known = [self._companies[s.upper()] for s in dict.fromkeys(symbols) if s.upper() in self._companies]
        return await gather_batches(NAME, known, lambda company: self._fetch_company(company, since, until),
                                    CONCURRENCY)

    async def _fetch_company(self, company: Company, since: datetime, until: datetime) -> SourceBatch:
        body = await self._http.get_json(f"/submissions/CIK{company.cik:010d}.json")
        if not isinstance(body, dict) or not isinstance(body.get("filings"), dict):
            raise SourceError(NAME, "malformed", "submissions JSON has no filings")
        name = str(body.get("name") or company.title or company.ticker)
        filings = body["filings"]
        items, skipped = self._parse_block(filings.get("recent"), company, name, since, until)
        pages = 1
        for extra in _older_files(filings.get("files"), since.date()):
            if pages >= self._max_pages:
                break
            block = await self._http.get_json(f"/submissions/{extra}")
            pages += 1
            more, bad = self._parse_block(block, company, name, since, until)
            items.extend(more)
            skipped += bad
        return SourceBatch(items, skipped, pages)

    def _parse_block(self, block: Any, company: Company, name: str, since: datetime,
                     until: datetime) -> tuple[list[NewsItem], int]:
        if not isinstance(block, dict) or not isinstance(block.get("accessionNumber"), list):
            raise SourceError(NAME, "malformed", "filings block has no accessionNumber column")
        return collect_items(range(len(block["accessionNumber"])), lambda i: self._filing(block, i, company, name),
                             since, until, malformed=(*MALFORMED, IndexError))

    def _filing(self, block: dict[str, Any], i: int, company: Company, name: str) -> NewsItem | None:
        form = str(block["form"][i])
        if form not in self._forms:
            return None
        accession = str(block["accessionNumber"][i])
        accepted = datetime.fromisoformat(str(block["acceptanceDateTime"][i]).replace("Z", "+00:00"))
        items = str((block.get("items") or [""] * (i + 1))[i] or "")
        document = str((block.get("primaryDocument") or [""] * (i + 1))[i] or "")
        url = f"{ARCHIVE_URL}/{company.cik}/{accession.replace('-', '')}/{document}" if document else None
        return build_item(source=NAME, source_id=accession, symbols=[company.ticker],
                          headline=headline_for(name, form, items), summary=items and f"Items {items}",
                          url=url, published_at=accepted)


def _older_files(files: Any, since: date) -> list[str]:
    """Names of the older submission files whose filing range reaches ``since`` or later."""
    if not isinstance(files, list):
        return []
    names: list[str] = []
    for entry in files:
        try:
            if date.fromisoformat(str(entry["filingTo"])) >= since:
                names.append(str(entry["name"]))
        except (KeyError, TypeError, ValueError):
            continue
    return names
