"""Fictional company names, sectors and tickers for the synthetic universe (deterministic per seed)."""

from __future__ import annotations

from dataclasses import dataclass

from numpy.random import Generator

# GICS sectors, weighted roughly like the US small/mid-cap tape the scanner sees.
SECTOR_WEIGHTS: dict[str, float] = {
    "Information Technology": 0.20,
    "Health Care": 0.18,
    "Financials": 0.11,
    "Consumer Discretionary": 0.12,
    "Industrials": 0.12,
    "Energy": 0.08,
    "Communication Services": 0.06,
    "Consumer Staples": 0.05,
    "Materials": 0.05,
    "Utilities": 0.02,
    "Real Estate": 0.01,
}

_SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    "Information Technology": ("Software", "Systems", "Semiconductor", "Networks", "Technologies",
                               "Microsystems", "Data", "Cloud", "Digital", "Photonics"),
    "Health Care": ("Therapeutics", "Biosciences", "Pharmaceuticals", "Medical", "Genomics",
                    "Biotherapeutics", "Oncology", "Diagnostics", "Biopharma", "Surgical"),
    "Financials": ("Bancorp", "Financial", "Capital", "Insurance Group", "Trust", "Bankshares"),
    "Consumer Discretionary": ("Brands", "Outfitters", "Restaurants", "Motors", "Home", "Leisure",
                               "Apparel", "Stores"),
    "Communication Services": ("Media", "Communications", "Interactive", "Broadcasting", "Wireless"),
    "Industrials": ("Industries", "Aerospace", "Logistics", "Engineering", "Manufacturing",
                    "Machinery", "Defense Systems", "Rail"),
    "Consumer Staples": ("Foods", "Beverage", "Consumer Products", "Farms", "Grocers"),
    "Energy": ("Energy", "Petroleum", "Resources", "Oil & Gas", "Drilling", "Midstream"),
    "Materials": ("Materials", "Chemicals", "Mining", "Steel", "Gold"),
    "Utilities": ("Power", "Utilities", "Electric", "Water"),
    "Real Estate": ("Realty", "Properties", "Land"),
}

_STEMS: tuple[str, ...] = (
    "Acadia", "Alder", "Allegro", "Alpine", "Amberly", "Anchor", "Apex", "Arbor", "Ardent", "Argent",
    "Aspen", "Atlas", "Aurora", "Avalon", "Banner", "Bayview", "Beacon", "Bellwether", "Birch", "Blue Ridge",
    "Boulder", "Brightwater", "Broadleaf", "Cadence", "Calder", "Camden", "Canyon", "Cardinal", "Cascade",
    "Cedar", "Centurion", "Channel", "Clearwater", "Cobalt", "Colfax", "Compass", "Concord", "Copper",
    "Coral", "Crescent", "Crestview", "Crown", "Cypress", "Dakota", "Delphi", "Driftwood", "Eagle",
    "Eastgate", "Echo", "Elmstone", "Ember", "Emerald", "Endeavor", "Everett", "Falcon", "Fairhaven",
    "Fieldstone", "Firestone", "Flagler", "Foxhall", "Franklin", "Frontier", "Galena", "Garnet", "Gateway",
    "Glacier", "Granite", "Greenbriar", "Greystone", "Halcyon", "Harbor", "Harmony", "Hawthorne",
    "Heartland", "Helix", "Highland", "Horizon", "Hudson", "Indigo", "Ironwood", "Juniper", "Keystone",
    "Kingsley", "Lakeshore", "Landmark", "Lantern", "Larkspur", "Laurel", "Liberty", "Lighthouse",
    "Linden", "Lodestar", "Magnolia", "Mariner", "Meridian", "Mesa", "Midland", "Millbrook", "Monarch",
    "Nautilus", "Nexus", "Northgate", "Northstar", "Oakmont", "Obsidian", "Onyx", "Orchard", "Osprey",
    "Pacifica", "Palisade", "Paragon", "Pathfinder", "Pelican", "Pinnacle", "Pioneer", "Polaris",
    "Prairie", "Prescott", "Quarry", "Quill", "Radiant", "Rainier", "Redwood", "Regent", "Ridgeline",
    "Riverbend", "Rockport", "Sable", "Saddleback", "Sagebrush", "Sentinel", "Sequoia", "Shoreline",
    "Sierra", "Silverline", "Skyline", "Solstice", "Sparrow", "Sterling", "Stonebridge", "Summit",
    "Sundance", "Tamarack", "Tidewater", "Timberline", "Topaz", "Trailhead", "Tribeca", "Trident",
    "Union Bay", "Valiant", "Vanguard", "Vantage", "Verdant", "Vesper", "Vista", "Wakefield", "Westbrook",
    "Whitford", "Willow", "Windward", "Yarrow", "Zenith", "Zephyr",
)

_CORPORATE = ("Inc.", "Corp.", "Co.", "Holdings Inc.", "Ltd.")


@dataclass(frozen=True)
class CompanyName:
    ticker: str
    name: str  # legal-style: "Northgate Therapeutics Inc."
    short_name: str  # as headlines write it: "Northgate Therapeutics"
    sector: str


def _ticker_candidates(stem: str, word: str) -> list[str]:
    s = "".join(ch for ch in stem.upper() if ch.isalpha())
    w = "".join(ch for ch in word.upper() if ch.isalpha())
    cands = [s[:4], s[:3] + w[0], s[:2] + w[:2], s[0] + s[2:4] + w[0], s[:3], s[0] + w[:3]]
    cands += [s[:2] + ch for ch in s[2:] + w]
    return [c for c in cands if 3 <= len(c) <= 4]


def draw_companies(count: int, rng: Generator, taken: set[str]) -> list[CompanyName]:
    """``count`` distinct companies; tickers avoid ``taken`` (the real symbols) and each other."""
    sectors = list(SECTOR_WEIGHTS)
    weights = [SECTOR_WEIGHTS[s] for s in sectors]
    total = sum(weights)
    probs = [w / total for w in weights]
    used_names: set[str] = set()
    used_tickers = set(taken)
    out: list[CompanyName] = []
    while len(out) < count:
        sector = sectors[int(rng.choice(len(sectors), p=probs))]
        stem = _STEMS[int(rng.integers(len(_STEMS)))]
        word = _SECTOR_WORDS[sector][int(rng.integers(len(_SECTOR_WORDS[sector])))]
        short = f"{stem} {word}"
        if short in used_names:
            continue
        ticker = next((t for t in _ticker_candidates(stem, word) if t not in used_tickers), None)
        if ticker is None:
            continue
        used_names.add(short)
        used_tickers.add(ticker)
        corporate = _CORPORATE[int(rng.integers(len(_CORPORATE)))]
        out.append(CompanyName(ticker=ticker, name=f"{short} {corporate}", short_name=short, sector=sector))
    return out
