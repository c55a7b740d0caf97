"""Newswire-style headlines for the replay set: catalysts by type and direction, and background noise.

The News service classifies headlines by keyword and scores sentiment with a model, so these read
like real wire copy ("… beats Q4 EPS estimates by $0.12, raises FY2013 guidance", "FDA approves …",
"… announces $150M public offering"), with figures drawn to fit each company's share price. The
``strong`` tier stacks the signals a desk reads as a first-rank catalyst (beat *and* raise,
approval *and* a premarket move); ``normal`` is a plain catalyst; noise is routine corporate news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from numpy.random import Generator

from catalyst.domain.news import CatalystType
from catalyst.synthetic.names import CompanyName

Direction = Literal["bullish", "bearish"]
Tier = Literal["strong", "normal"]

_BULLISH: dict[tuple[CatalystType, Tier], tuple[str, ...]] = {
    (CatalystType.EARNINGS_BEAT, "strong"): (
        "{co} beats Q4 EPS estimates by ${diff} on record revenue, raises FY2013 guidance",
        "{co} reports record Q4 revenue of ${rev}M, up {pct}%; EPS of ${eps} tops ${est} estimate",
        "{co} shares soar after blowout Q4: EPS of ${eps} tops ${est} estimate on record sales",
        "{co} posts record Q4 profit, beating estimates by ${diff}; raises full-year outlook",
    ),
    (CatalystType.EARNINGS_BEAT, "normal"): (
        "{co} Q4 EPS ${eps} beats ${est} estimate",
        "{co} tops fourth-quarter profit estimates on higher sales",
        "{co} reports Q4 adjusted EPS of ${eps}, ahead of analyst estimates",
        "{co} fourth-quarter earnings beat expectations on strong {segment} demand",
    ),
    (CatalystType.GUIDANCE, "strong"): (
        "{co} raises FY2013 guidance after record Q4, sees revenue well above consensus",
        "{co} hikes 2013 outlook for second time, sees EPS above consensus on record backlog",
    ),
    (CatalystType.GUIDANCE, "normal"): (
        "{co} lifts full-year outlook, now sees EPS of ${e_lo}-${e_hi}",
        "{co} boosts 2013 sales forecast on strong order backlog",
        "{co} raises first-quarter revenue guidance on robust {segment} demand",
    ),
    (CatalystType.FDA, "strong"): (
        "FDA approves {cos} {drug} for {indication}; shares soar premarket",
        "{co} wins FDA approval for {drug} to treat {indication}, shares jump premarket",
    ),
    (CatalystType.FDA, "normal"): (
        "{cos} {drug} meets primary endpoint in Phase 3 {indication} trial",
        "{co} reports positive Phase 3 data for {drug} in {indication}",
    ),
    (CatalystType.MERGER_ACQUISITION, "strong"): (
        "{acq} to acquire {co} for ${deal_px} per share in cash, a {prem}% premium",
        "{co} agrees to be acquired by {acq} for ${deal_px} a share in cash, a {prem}% premium",
    ),
    (CatalystType.MERGER_ACQUISITION, "normal"): (
        "{co} to acquire {private} for ${amt}M in deal expected to be immediately accretive",
        "{co} completes acquisition of {private}, raises 2013 revenue outlook",
    ),
    (CatalystType.ANALYST_UPGRADE, "strong"): (
        "{broker} double-upgrades {co} to Buy from Sell, raises price target to ${pt}, sees {upside}% upside",
        "{co} upgraded to Outperform at {broker}; price target raised to ${pt} from ${old_pt}, {upside}% upside",
    ),
    (CatalystType.ANALYST_UPGRADE, "normal"): (
        "{broker} upgrades {co} to Overweight, citing margin expansion",
        "{co} upgraded at {broker} on improving {segment} trends; PT ${pt}",
        "{broker} upgrades {co} to Buy from Hold, price target ${pt}",
    ),
    (CatalystType.CONTRACT_WIN, "strong"): (
        "{co} wins record ${amt}M {agency} contract, largest award in company history",
        "{co} awarded record ${amt}M multi-year {agency} contract, raises 2013 revenue outlook",
    ),
    (CatalystType.CONTRACT_WIN, "normal"): (
        "{co} awarded ${amt}M multi-year contract by {agency}",
        "{co} signs ${amt}M supply agreement with {customer}",
        "{co} secures ${amt}M order from {customer}",
    ),
}

_BEARISH: dict[CatalystType, tuple[str, ...]] = {
    CatalystType.EARNINGS_MISS: (
        "{co} misses Q4 EPS estimates by ${diff}, shares fall in premarket trading",
        "{co} Q4 EPS ${eps_miss} vs ${eps} est.; revenue ${rev}M misses ${rev_high}M consensus",
        "{co} swings to surprise fourth-quarter loss, suspends guidance",
    ),
    CatalystType.GUIDANCE: (
        "{co} cuts FY2013 guidance, sees revenue of ${c_lo}M-${c_hi}M vs ${cons}M consensus",
        "{co} lowers full-year profit outlook, citing weak {segment} demand",
        "{co} warns first-quarter revenue will miss estimates",
    ),
    CatalystType.FDA: (
        "FDA issues complete response letter for {cos} {drug}",
        "{cos} {drug} fails to meet primary endpoint in Phase 3 {indication} study",
        "FDA advisory panel votes against approval of {cos} {drug}",
    ),
    CatalystType.ANALYST_DOWNGRADE: (
        "{broker} downgrades {co} to Underperform, cuts price target to ${pt_cut}",
        "{co} cut to Sell at {broker} on valuation concerns; PT ${pt_cut}",
    ),
    CatalystType.OFFERING_DILUTION: (
        "{co} announces ${amt}M public offering of common stock",
        "{co} prices {shares}M-share offering at ${offer_px}, a {disc}% discount to last close",
        "{co} files for ${amt}M mixed shelf offering, plans to sell shares",
    ),
    CatalystType.LEGAL_REGULATORY: (
        "SEC opens investigation into {cos} revenue recognition practices",
        "{co} hit with class-action lawsuit alleging misleading statements to investors",
        "{co} receives subpoena from Department of Justice over billing practices",
    ),
    CatalystType.MANAGEMENT_CHANGE: (
        "{co} CEO {person} resigns effective immediately; CFO named interim chief executive",
        "{co} announces unexpected departure of chief financial officer {person}",
    ),
}

_NOISE: tuple[str, ...] = (
    "{co} declares quarterly dividend of ${div} per share",
    "{co} to present at the {conference} on {soon}",
    "{co} to report fourth-quarter 2012 results on {soon}",
    "{co} schedules fourth-quarter earnings conference call",
    "{co} to hold annual meeting of shareholders on {meeting}",
    "{co} files annual report on Form 10-K",
    "{co} appoints {person} to board of directors",
    "{co} opens new regional office in {city}",
    "{co} announces participation in upcoming investor conferences",
    "{co} completes refinancing of revolving credit facility",
    "{co} launches redesigned customer portal",
    "{co} names {person} vice president of investor relations",
    "{co} publishes 2012 corporate sustainability report",
    "{co} to webcast presentation at the {conference}",
)

_SUMMARIES: dict[Direction | Literal["noise"], str] = {
    "bullish": "{name} ({ticker}) said the result reflected strong {segment} demand; the company will "
               "discuss the details on a conference call with analysts.",
    "bearish": "{name} ({ticker}) did not comment further; analysts said the news weighs on the near-term "
               "outlook for its {segment} business.",
    "noise": "{name} ({ticker}) announced the item in a press release; no change to its outlook was given.",
}

_BROKERS = ("Piper Jaffray", "Jefferies", "Raymond James", "Oppenheimer", "Needham", "Wedbush", "Stifel",
            "Cowen", "JMP Securities", "Canaccord Genuity", "Baird", "William Blair", "KeyBanc", "Leerink")
_CONFERENCES = ("Raymond James Institutional Investors Conference", "Cowen Health Care Conference",
                "Morgan Stanley Technology, Media & Telecom Conference", "Credit Suisse Energy Summit",
                "J.P. Morgan Industrials Conference", "Barclays Global Consumer Staples Conference",
                "Roth Capital Growth Stock Conference", "KeyBanc Emerging Technology Summit")
_FIRST = ("James", "Linda", "Robert", "Patricia", "Michael", "Susan", "David", "Karen", "Thomas", "Nancy",
          "Daniel", "Laura", "Mark", "Angela", "Steven", "Rachel")
_LAST = ("Whitaker", "Castillo", "Brennan", "Okafor", "Lindqvist", "Moreau", "Hargrove", "Tanaka", "Delgado",
         "Fitzgerald", "Nakamura", "Albright", "Kowalski", "Reyes", "Sutherland", "Ibsen")
_CITIES = ("Austin", "Charlotte", "Denver", "Nashville", "Phoenix", "Raleigh", "Salt Lake City", "Columbus",
           "Pittsburgh", "Tampa")
_DRUG_STEMS = ("zelva", "orvi", "tarsi", "lumi", "crena", "bexa", "voli", "nortri", "pemla", "quiro")
_DRUG_ENDS = ("tinib", "mab", "cept", "vastat", "parin", "sertib", "lizumab", "dronate")
_INDICATIONS = ("metastatic melanoma", "rheumatoid arthritis", "type 2 diabetes", "chronic migraine",
                "non-small cell lung cancer", "psoriasis", "pulmonary arterial hypertension",
                "Crohn's disease", "hepatitis C", "multiple sclerosis")
_DEVICES = ("its minimally invasive spinal fusion system", "a next-generation glucose monitor",
            "its robotic-assisted surgical platform", "a cardiac ablation catheter")
_AGENCIES = ("U.S. Army", "U.S. Navy", "Department of Energy", "Department of Homeland Security", "NASA",
             "Federal Aviation Administration", "Department of Veterans Affairs")
_CUSTOMERS = ("a Fortune 100 retailer", "a leading U.S. wireless carrier", "a major European automaker",
              "a top-five U.S. health insurer", "a global oil major", "a large North American railroad")
_ACQUIRERS = ("Vertex Global Holdings", "Consolidated Meridian Group", "Blackridge Partners",
              "Sovereign Industries", "Halvorsen Capital", "Ardmore Strategic Holdings")
_PRIVATE = ("Redline Analytics", "Brookfield Labs", "Corvid Systems", "Pinegrove Health", "Tessel Data",
            "Marlowe Industrial")
_SEGMENTS: dict[str, tuple[str, ...]] = {
    "Information Technology": ("cloud", "data center", "enterprise software", "networking"),
    "Health Care": ("oncology", "diagnostics", "specialty pharma", "medical device"),
    "Financials": ("commercial lending", "wealth management", "mortgage"),
    "Consumer Discretionary": ("holiday", "e-commerce", "same-store sales"),
    "Communication Services": ("advertising", "subscriber", "wireless"),
    "Industrials": ("aerospace", "defense", "freight"),
    "Consumer Staples": ("packaged food", "beverage", "private-label"),
    "Energy": ("natural gas", "oilfield services", "midstream"),
    "Materials": ("specialty chemicals", "steel", "copper"),
    "Utilities": ("regulated utility", "renewable power"),
    "Real Estate": ("office leasing", "multifamily"),
}


@dataclass(frozen=True)
class Story:
    headline: str
    summary: str


def _pick(rng: Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _weekday(d: date) -> str:
    """``d`` moved forward to a Monday-Friday, written as "March 12"."""
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return f"{d:%B} {d.day}"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _figures(company: CompanyName, price: float, day: date, rng: Generator,
             premium: float | None = None) -> dict[str, str]:
    """Numbers that fit a company trading at ``price`` (EPS near a 15-25x multiple, etc.)."""
    eps = max(0.03, price / rng.uniform(15, 25) / 4)
    diff = max(0.02, round(eps * rng.uniform(0.08, 0.25), 2))
    rev = price * rng.uniform(2.0, 8.0)
    cons = rev * 4 * rng.uniform(1.02, 1.08)
    pt = price * rng.uniform(1.2, 1.45)
    prem = premium if premium is not None else float(rng.uniform(0.22, 0.35))
    name = f"{_pick(rng, _FIRST)} {_pick(rng, _LAST)}"
    return {
        "co": company.short_name, "cos": _possessive(company.short_name), "ticker": company.ticker,
        "name": company.name,
        "eps": f"{eps:.2f}", "est": f"{eps - diff:.2f}", "diff": f"{diff:.2f}",
        "eps_miss": f"{max(0.01, eps - diff):.2f}", "est4": f"{eps * 4:.2f}",
        "rev_high": f"{rev * rng.uniform(1.03, 1.1):.1f}", "upside": f"{100 * (pt / price - 1):.0f}",
        "rev": f"{rev:.1f}", "rev_est": f"{rev * rng.uniform(0.9, 0.97):.1f}",
        "pct": f"{rng.uniform(12, 38):.0f}",
        "g_lo": f"{cons * 1.04:.0f}", "g_hi": f"{cons * 1.09:.0f}", "cons": f"{cons:.0f}",
        "c_lo": f"{cons * 0.88:.0f}", "c_hi": f"{cons * 0.94:.0f}",
        "e_lo": f"{eps * 4 * 1.05:.2f}", "e_hi": f"{eps * 4 * 1.12:.2f}",
        "pt": f"{pt:.0f}", "old_pt": f"{pt * rng.uniform(0.75, 0.88):.0f}",
        "pt_cut": f"{price * rng.uniform(0.7, 0.85):.0f}",
        "deal_px": f"{price * (1 + prem):.2f}", "prem": f"{100 * prem:.0f}",
        "amt": f"{rng.choice([45, 60, 75, 90, 120, 150, 180, 240, 310])}",
        "shares": f"{rng.uniform(3, 12):.1f}", "offer_px": f"{price * rng.uniform(0.88, 0.94):.2f}",
        "disc": f"{rng.uniform(6, 12):.0f}", "div": f"{max(0.02, price * rng.uniform(0.004, 0.008)):.2f}",
        "broker": _pick(rng, _BROKERS), "conference": _pick(rng, _CONFERENCES), "person": name,
        "city": _pick(rng, _CITIES), "soon": _weekday(day + timedelta(days=int(rng.integers(5, 26)))),
        "meeting": _weekday(date(day.year, 5, int(rng.integers(1, 29)))),
        "drug": (_pick(rng, _DRUG_STEMS) + _pick(rng, _DRUG_ENDS)).capitalize(),
        "indication": _pick(rng, _INDICATIONS), "device": _pick(rng, _DEVICES),
        "agency": _pick(rng, _AGENCIES), "customer": _pick(rng, _CUSTOMERS),
        "acq": _pick(rng, _ACQUIRERS), "private": _pick(rng, _PRIVATE),
        "segment": _pick(rng, _SEGMENTS[company.sector]), "year": str(day.year),
    }


def catalyst_story(kind: CatalystType, direction: Direction, tier: Tier, company: CompanyName, price: float,
                   day: date, rng: Generator, premium: float | None = None) -> Story:
    """A headline and summary for a planted catalyst (``premium``: a takeover bid over ``price``)."""
    fig = _figures(company, price, day, rng, premium)
    templates = (_BULLISH.get((kind, tier)) or _BULLISH[(kind, "normal")]) if direction == "bullish" \
        else _BEARISH[kind]
    return Story(_pick(rng, templates).format(**fig), _SUMMARIES[direction].format(**fig))


def noise_story(company: CompanyName, price: float, day: date, rng: Generator) -> Story:
    """Routine corporate news: in the feed, but no catalyst."""
    fig = _figures(company, price, day, rng)
    return Story(_pick(rng, _NOISE).format(**fig), _SUMMARIES["noise"].format(**fig))


def bullish_types(sector: str, takeover: bool) -> tuple[CatalystType, ...]:
    """Positive catalyst types that fit a sector (FDA news only for health care, contracts for
    industrial and technology names); a takeover is always an M&A story."""
    if takeover:
        return (CatalystType.MERGER_ACQUISITION,)
    kinds = [CatalystType.EARNINGS_BEAT, CatalystType.EARNINGS_BEAT, CatalystType.GUIDANCE,
             CatalystType.ANALYST_UPGRADE]
    if sector == "Health Care":
        kinds += [CatalystType.FDA, CatalystType.FDA]
    if sector in ("Industrials", "Information Technology", "Energy", "Materials"):
        kinds.append(CatalystType.CONTRACT_WIN)
    kinds.append(CatalystType.MERGER_ACQUISITION)
    return tuple(kinds)


def bearish_types(sector: str) -> tuple[CatalystType, ...]:
    kinds = [CatalystType.EARNINGS_MISS, CatalystType.EARNINGS_MISS, CatalystType.GUIDANCE,
             CatalystType.ANALYST_DOWNGRADE, CatalystType.OFFERING_DILUTION, CatalystType.LEGAL_REGULATORY,
             CatalystType.MANAGEMENT_CHANGE]
    if sector == "Health Care":
        kinds.append(CatalystType.FDA)
    return tuple(kinds)
