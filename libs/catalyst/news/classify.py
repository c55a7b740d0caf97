"""Catalyst classification of a headline by keyword and regex rules.

Each rule names a catalyst type and a weight in 0..1: how surely the phrase marks a tradeable
catalyst of that type. The type with the strongest evidence wins (ties go to the phrase that
comes first in the headline, which is where newswires put the news); the pattern score adds a
little for corroborating rules and for magnitude ("soars 40%", "record"). Source reliability is
folded in later (:func:`catalyst_strength`), because one story can arrive from several sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalyst.domain.news import CatalystType

_T = CatalystType
_FLAGS = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class CatalystRule:
    name: str
    catalyst_type: CatalystType
    pattern: re.Pattern[str]
    weight: float


@dataclass(frozen=True, slots=True)
class CatalystMatch:
    catalyst_type: CatalystType
    score: float  # pattern evidence in 0..1, before source reliability
    rules: tuple[str, ...]  # names of the rules that fired for the winning type


def _rule(name: str, catalyst_type: CatalystType, weight: float, pattern: str) -> CatalystRule:
    return CatalystRule(name, catalyst_type, re.compile(pattern, _FLAGS), weight)


# Fragments shared by several rules.
_EARN = r"(?:earnings|eps|profit|income|revenue|sales|results|quarter|q[1-4]|subscriber|margin)"
_EXPECT = r"(?:estimates?|expectations?|forecasts?|consensus|views?|street)"
_GUIDE = r"(?:guidance|outlook|forecast|projections?|(?<!price )targets?)"
_UP_VERB = r"(?:raises?|raised|lifts?|lifted|boosts?|boosted|hikes?|hiked|ups|increases?|increased)"
_DOWN_VERB = r"(?:cuts?|lowers?|lowered|trims?|trimmed|slashes|slashed|reduces?|reduced)"
_BULL_RATING = r"(?:buy|outperform|overweight|strong buy|accumulate|positive)"
_BEAR_RATING = r"(?:sell|underperform|underweight|reduce|negative)"
_HOLD_RATING = r"(?:neutral|hold|equal[- ]?weight|market perform|sector perform|in-line|peer perform)"
_HOLD_OR_BEAR = r"(?:" + _HOLD_RATING[3:-1] + "|" + _BEAR_RATING[3:-1] + ")"  # one group of both lists
_EXEC = r"(?:ceo|cfo|coo|cto|chief \w+ officer|chief executive|(?<!vice )president|chair(?:man|woman)?|founder)"

RULES: tuple[CatalystRule, ...] = (
    # Earnings, with the direction of the surprise.
    _rule("earnings_beat_verb", _T.EARNINGS_BEAT, 0.85,
          r"\b(?:beats?|beating|tops?|topped|topping|exceeds?|exceeded|exceeding|surpass(?:es|ed|ing)?|"
          r"crush(?:es|ed|ing)?|blows? past|smash(?:es|ed|ing)?)\b(?:\W+\w+){0,4}?\W+" + _EXPECT + r"\b"),
    _rule("earnings_beat_on", _T.EARNINGS_BEAT, 0.8,
          r"\b(?:beats?|tops?)\b(?:\W+\w+){0,2}?\W+(?:on\W+)?" + _EARN + r"\b"),
    _rule("earnings_above", _T.EARNINGS_BEAT, 0.8,
          _EARN + r"\b(?:\W+\w+){0,6}?\W+(?:ahead of|above|better than|beats?|tops?|exceeds?)\W+(?:\w+\W+){0,2}?"
          + _EXPECT),
    _rule("earnings_better_than", _T.EARNINGS_BEAT, 0.8,
          r"\b(?:better|stronger|smaller|narrower|higher)[- ]than[- ](?:expected|anticipated|forecast)\b"),
    _rule("earnings_growth", _T.EARNINGS_BEAT, 0.6,
          r"\b" + _EARN + r"\b(?:\W+\w+){0,3}?\W+(?:rises?|rose|jumps?|jumped|soars?|soared|surges?|surged|"
          r"climbs?|grows?|grew|doubles?|doubled)\b"),
    _rule("earnings_record", _T.EARNINGS_BEAT, 0.65,
          r"\b(?:record|first(?: \w+)?(?: annual| quarterly)?(?: operating)?)\W+(?:\w+\W+){0,2}?"
          r"(?:profit|revenue|earnings|sales)\b|\bswings? to (?:a )?profit\b"),
    _rule("earnings_miss_verb", _T.EARNINGS_MISS, 0.85,
          r"\b(?:miss(?:es|ed|ing)?|falls? short of|fell short of|falling short of|trails?|lags?|"
          r"disappoints?|disappointed)\b"),
    _rule("earnings_below", _T.EARNINGS_MISS, 0.8,
          _EARN + r"\b(?:\W+\w+){0,6}?\W+(?:below|worse than|short of)\W+(?:\w+\W+){0,2}?" + _EXPECT),
    _rule("earnings_wider_loss", _T.EARNINGS_MISS, 0.8,
          r"\b(?:wider|bigger|larger|deeper)[- ]than[- ]expected\W+(?:\w+\W+)?loss\b"
          r"|\b(?:worse|weaker|lower|softer)[- ]than[- ](?:expected|anticipated|forecast)\b|\bloss widens\b"
          r"|\b(?:posts?|reports?)\W+(?:a\W+)?(?:\$[\d.]+\W+(?:million|billion)\W+)?loss\b"
          r"|\bswings? to (?:a )?(?:surprise |unexpected )?(?:\S+ )?loss\b"),
    _rule("earnings_decline", _T.EARNINGS_MISS, 0.6,
          r"\b" + _EARN + r"\b(?:\W+\w+){0,3}?\W+(?:falls?|fell|drops?|dropped|declines?|declined|plunges?|"
          r"plunged|slumps?|slumped|sinks?|sank|tumbles?|tumbled)\b"),
    # Company guidance.
    _rule("guidance_raise", _T.GUIDANCE, 0.8,
          r"\b" + _UP_VERB + r"\b(?:\W+\w+){0,4}?\W+" + _GUIDE + r"\b"),
    _rule("guidance_cut", _T.GUIDANCE, 0.8,
          r"\b(?:" + _DOWN_VERB[3:-1] + r"|withdraws?|withdrew|suspends?|pulls?)\b(?:\W+\w+){0,4}?\W+"
          + _GUIDE + r"\b"),
    _rule("guidance_preannounce", _T.GUIDANCE, 0.9,
          r"\b(?:warns?|expects?|sees|forecasts?|predicts?|cautions?)\b(?:\W+\S+){0,5}?\W+will\W+"
          r"(?:miss|fall short of|be below|be above|top|exceed|beat|trail)\b"),
    _rule("guidance_vs_consensus", _T.GUIDANCE, 0.9,
          r"\b(?:forecasts?|guides?|guided|projects?|predicts?|sees|expects?)\b(?:\W+\S+){0,5}?\W+"
          r"(?:above|below|ahead of|short of|in line with|under|over)\W+(?:\w+\W+){0,2}?" + _EXPECT + r"\b"
          r"|\b(?:guidance|outlook|forecast)\W+(?:\w+\W+){0,2}?(?:disappoints?|disappointed|misses|missed|"
          r"tops|topped|beats|falls short|trails)\b"),
    _rule("guidance_other", _T.GUIDANCE, 0.6,
          r"\b(?:reaffirms?|reiterates?|maintains?|affirms?|confirms?|backs?|keeps?|holds?|issues?|narrows?|sets?|"
          r"initiates?|gives?)\b(?:\W+\w+){0,3}?\W+"
          r"(?:guidance|outlook|forecast)\b|\b(?:downbeat|upbeat|weak|strong|soft|disappointing|rosy|"
          r"bleak|cautious)\W+(?:\w+\W+){0,3}?(?:guidance|outlook|forecast)\b"),
    _rule("guidance_expects", _T.GUIDANCE, 0.55,
          r"\b(?:expects?|sees|projects?|forecasts?)\b\W+(?:\w+\W+){0,3}?(?:lower|higher|weaker|stronger|"
          r"slower|faster)\b|\bsees\b(?:\W+\w+){0,4}?\W+(?:revenue|sales|earnings|eps)\b"
          r"|\b(?:low|high|upper|lower) end of\b"),
    # FDA and clinical.
    _rule("fda_decision", _T.FDA, 0.9,
          r"\bfda\b(?:\W+\w+){0,6}?\W+(?:approv\w*|clears?|cleared|rejects?|rejected|declines?)\b"
          r"|\b(?:approv\w*|rejects?)\b(?:\W+\w+){0,4}?\W+by\W+(?:the\W+)?fda\b"
          r"|\bfda approval\b|\bcomplete response letter\b|\bcrl\b"),
    _rule("fda_process", _T.FDA, 0.7,
          r"\b(?:fast track|breakthrough therapy|priority review|orphan drug|accelerated approval|"
          r"clinical hold|pdufa|advisory (?:committee|panel)|biologics license|new drug application|"
          r"bla|nda|510\(k\))\b"),
    _rule("fda_mention", _T.FDA, 0.6,
          r"\bfda\b|\bfood and drug administration\b|\bema\b|\bchmp\b"),
    _rule("trial_readout", _T.FDA, 0.8,
          r"\b(?:meets?|met|achieves?|achieved|hits?|misses|missed|fails? to meet|failed to meet)\W+(?:the\W+|its\W+)?"
          r"(?:\w+\W+)?(?:primary|main) (?:end ?point|goal)s?\b|\b(?:positive|negative|successful|failed) "
          r"(?:phase (?:2|3|ii|iii)|pivotal|late-stage|topline)\b|\b(?:fails|succeeds) in (?:late|mid)-stage\b"),
    _rule("clinical_trial", _T.FDA, 0.55,
          r"\b(?:phase (?:1|2|3|i|ii|iii)|pivotal|primary endpoint|topline|trial data|trial results|"
          r"(?:late|mid|early)-stage (?:trial|study)|trial fails|fails (?:\S+ ){0,2}(?:trial|study))\b"),
    _rule("drug_approval", _T.FDA, 0.75,
          r"\b(?:wins?|won|receives?|received|gains?|gained|secures?|granted)\W+(?:\w+\W+){0,2}?"
          r"(?:marketing )?(?:approval|authori[sz]ation|clearance) (?:for|of)\b"),
    # Mergers and acquisitions.
    _rule("ma_deal", _T.MERGER_ACQUISITION, 0.85,
          r"\b(?:to acquire|acquires|acquired|acquisition of|agrees? to (?:buy|acquire|merge)|"
          r"to buy(?! back| more| shares| stock)|buys(?! back)|nears (?:a )?deal|be taken private|taken private|"
          r"takeover|buyout|tender offer|merger|merge with|to merge|take[sn]? \w+ private|go(?:es|ing)? private|"
          r"all-cash deal|all-stock deal|cash-and-stock deal)\b"),
    _rule("ma_outcome", _T.MERGER_ACQUISITION, 0.85,
          r"\b(?:approves?|approved|clears?|cleared|blocks?|blocked|completes?|completed|closes?|terminates?|"
          r"calls? off|called off|scraps?|abandons?)\b(?:\W+\w+){0,4}?\W+(?:deal|merger|acquisition|takeover)\b"
          r"|\b(?:deal|merger|acquisition|takeover)\W+(?:\w+\W+){0,2}?(?:blocked|approved|cleared|"
          r"terminated|called off|collapses?)\b"),
    _rule("ma_talks", _T.MERGER_ACQUISITION, 0.65,
          r"\b(?:in talks to (?:buy|acquire|merge)|explores? (?:a )?sale|exploring (?:a )?sale|bid for|"
          r"offer for|approach(?:es|ed)? \w+ about|divest(?:s|iture)?|spin(?:s)? off|spinoff|stake sale)\b"),
    # Analyst actions.
    _rule("analyst_upgrade", _T.ANALYST_UPGRADE, 0.85,
          r"\bupgrad(?:es|ed|ing)\b|\bupgrade (?:to|of|on)\b"
          r"|\b(?:lifts?|raises?|moves?|bumps?|boosts?)\W+\w+(?:\W+\w+)?\W+to\W+" + _BULL_RATING + r"\b"
          r"|\bto\W+" + _BULL_RATING + r"\W+from\W+" + _HOLD_OR_BEAR + r"\b"),
    _rule("analyst_moved_up", _T.ANALYST_UPGRADE, 0.85,
          r"\b(?:raised|lifted|moved|bumped|upgraded)\W+to\W+" + _BULL_RATING + r"\W+(?:at|by)\b"),
    _rule("analyst_target_up", _T.ANALYST_UPGRADE, 0.7,
          r"\bprice target\W+(?:\w+\W+){0,2}?(?:raised|increased|boosted|hiked|lifted)\b"
          r"|\b" + _UP_VERB + r"\b(?:\W+\w+){0,3}?\W+price target\b"),
    _rule("analyst_initiate_bull", _T.ANALYST_UPGRADE, 0.7,
          r"\b(?:initiat\w+|starts?|begins?|resumes?)\b(?:\W+\w+){0,5}?\W+(?:with|at)\W+(?:an?\W+)?"
          + _BULL_RATING + r"\b"),
    _rule("analyst_downgrade", _T.ANALYST_DOWNGRADE, 0.85,
          r"\bdowngrad(?:es|ed|ing)\b|\bdowngrade (?:to|of|on)\b"
          r"|\b(?:cuts?|lowers?|moves?|drops?)\W+\w+(?:\W+\w+)?\W+to\W+" + _HOLD_OR_BEAR + r"\b"
          r"|\bto\W+" + _HOLD_OR_BEAR + r"\W+from\W+" + _BULL_RATING + r"\b"),
    _rule("analyst_moved_down", _T.ANALYST_DOWNGRADE, 0.85,
          r"\b(?:cut|lowered|moved|dropped|downgraded)\W+to\W+" + _HOLD_OR_BEAR + r"\W+(?:at|by)\b"),
    _rule("analyst_target_down", _T.ANALYST_DOWNGRADE, 0.7,
          r"\bprice target\W+(?:\w+\W+){0,2}?(?:cut|lowered|slashed|reduced|trimmed)\b"
          r"|\b" + _DOWN_VERB + r"\b(?:\W+\w+){0,3}?\W+price target\b"),
    _rule("analyst_initiate_bear", _T.ANALYST_DOWNGRADE, 0.7,
          r"\b(?:initiat\w+|starts?|begins?|resumes?)\b(?:\W+\w+){0,5}?\W+(?:with|at)\W+(?:an?\W+)?"
          + _BEAR_RATING + r"\b"),
    # Contracts and orders.
    _rule("contract_award", _T.CONTRACT_WIN, 0.8,
          r"\b(?:wins?|won|awarded|lands?|landed|secures?|secured|clinches?|bags?|signs?|signed|inks?|inked|"
          r"selected by|chosen by|picked by|receives?|received|books?|booked|partners? with|teams? with)\b"
          r"(?:\W+\S+){0,8}?\W+(?:contracts?|deal|orders?|agreement|partnership|award)\b"
          r"|\bselected by\b|\bchosen by\b"),
    _rule("contract_loss", _T.CONTRACT_WIN, 0.85,
          r"\b(?:loses?|lost|cancels?|cancel(?:l)?ed|terminates?)\b(?:\W+\S+){0,3}?\W+"
          r"(?:contracts?|bid for|tender|program|order)\b"),
    _rule("contract_mention", _T.CONTRACT_WIN, 0.6,
          r"\bcontracts?\b|\bpurchase orders?\b|\bsupply (?:deal|agreement)\b|\blicens(?:e|ing) agreement\b"),
    # Offerings and dilution.
    _rule("offering", _T.OFFERING_DILUTION, 0.85,
          r"\b(?:public offering|secondary offering|follow-on offering|equity offering|stock offering|"
          r"share offering|at-the-market|atm (?:program|offering)|registered direct|private placement|"
          r"convertible (?:senior )?notes?(?: offering)?|prices? (?:an? )?(?:upsized |downsized )?"
          r"(?:\$[\d.,]+ (?:million|billion) )?offering|upsized (?:\$[\d.,]+ (?:million|billion) )?offering)\b"),
    _rule("share_sale", _T.OFFERING_DILUTION, 0.85,
          r"\b(?:share sale|stock sale|block trade|sells? [\d.,]+ (?:million |billion )?shares|"
          r"offering of (?:its )?(?:common )?(?:stock|shares)|proposed (?:\$[\d.,]+ (?:million|billion) )?"
          r"(?:public )?offering|to sell (?:up to )?\$[\d.,]+ (?:million|billion) (?:of|in) (?:stock|shares))\b"),
    _rule("dilution", _T.OFFERING_DILUTION, 0.75,
          r"\b(?:files? to sell|to sell (?:up to )?\$?[\d.,]+ (?:million|billion)?\W*(?:of )?(?:stock|shares)|"
          r"shelf registration|(?:mixed )?shelf offering|mixed shelf|plans? to sell (?:new )?shares|"
          r"authorized shares|dilut\w+|raises? \$[\d.,]+ (?:million|billion) (?:in|through|via)"
          r" (?:a |an )?(?:stock|share|equity))\b"),
    # Legal and regulatory.
    _rule("legal_action", _T.LEGAL_REGULATORY, 0.8,
          r"\b(?:sues?|sued|lawsuits?|class action|indict\w*|charges?|charged|plead(?:s|ed)? guilty|"
          r"fraud|subpoena\w*|verdict|jury|court|judge|ruling|appeal|settles?|settled|settlement|"
          r"ordered to|injunction|dismiss(?:es|ed|al))\b"),
    _rule("regulatory_action", _T.LEGAL_REGULATORY, 0.75,
          r"\b(?:doj|sec|ftc|cfpb|nhtsa|faa|epa|finra|cftc|fcc|fdic|occ|federal reserve|asset cap|antitrust|"
          r"regulators?|regulatory|probe|investigation|"
          r"fine[sd]?|penalty|sanctions?|ban(?:s|ned)?|recalls?|recalled|monopoly|consent decree)\b"),
    # Management changes.
    _rule("management_change", _T.MANAGEMENT_CHANGE, 0.8,
          r"\b" + _EXEC + r"\b(?:\W+\S+){0,6}?\W+(?:resigns?|resigned|resignation|steps? down|stepping down|"
          r"to step down|retires?|retiring|to retire|departs?|departure|exits?|ousted|fired|succeed\w*|successor|"
          r"out after|out as|is out|pushed out|forced out)\b"
          r"|\b(?:departure|resignation|exit|ouster|retirement|appointment|succession) of\W+(?:its\W+|the\W+)?"
          r"(?:\w+\W+){0,2}?" + _EXEC + r"\b"
          r"|\b(?:names?|named|appoints?|appointed|hires?|hired|taps?|tapped|brings? back|ousts?|ousting|"
          r"replaces?)\b(?:\W+\S+){0,6}?\W+(?:as\W+)?(?:new\W+)?" + _EXEC + r"\b"),
    # SEC 8-K item titles (the EDGAR source's headlines).
    _rule("8k_acquisition", _T.MERGER_ACQUISITION, 0.75,
          r"\bcompletion of acquisition or disposition of assets\b|\bchanges in control of registrant\b"),
    _rule("8k_officers", _T.MANAGEMENT_CHANGE, 0.7, r"\bdeparture of directors or certain officers\b"),
    _rule("8k_equity", _T.OFFERING_DILUTION, 0.7, r"\bunregistered sales of equity securities\b"),
    _rule("8k_agreement", _T.CONTRACT_WIN, 0.6, r"\bentry into a material definitive agreement\b"),
    _rule("8k_restatement", _T.LEGAL_REGULATORY, 0.75,
          r"\bnon-reliance on previously issued financial statements\b"),
    _rule("8k_distress", _T.OTHER, 0.8,
          r"\bbankruptcy or receivership\b|\bnotice of delisting\b|\bmaterial impairments\b"),
    # Other corporate events with a known direction but no dedicated type.
    _rule("capital_return", _T.OTHER, 0.5,
          r"\b(?:buybacks?|repurchases?|dividend|stock split|reverse (?:stock )?split|\d+-for-\d+)\b"),
    _rule("index_change", _T.OTHER, 0.5,
          r"\b(?:added to|joins?|removed from|dropped from)\W+(?:the\W+)?(?:s&p|dow|nasdaq|russell)\b"),
    _rule("distress", _T.OTHER, 0.55,
          r"\b(?:chapter 11|bankruptcy|going concern|default(?:s|ed)?|delist\w*|layoffs?|job cuts|"
          r"cut \d+% of (?:its )?workforce|outage|shut(?:s|down)?)\b"),
)

# A catalyst type's rules only count when they are not explained by a more specific phrase:
# a scheduled earnings date is not an earnings surprise.
_SCHEDULED = re.compile(
    r"\b(?:to (?:report|announce|release|post)|will (?:report|announce|release)|ahead of|sets? date for|"
    r"schedules?)\b(?:\W+\w+){0,4}?\W+(?:results|earnings|report)\b", _FLAGS)
_MAGNITUDE = re.compile(r"\b(\d{2,3}(?:\.\d+)?)\s?%|\b(?:record|soars?|plunges?|skyrockets?|collapses?)\b", _FLAGS)
_POSITION_BONUS = 0.05  # earlier phrases win near-ties
# "EPS of $1.29 vs. $1.05 consensus": the surprise is in the numbers, not the words.
_EPS_VS = re.compile(
    r"\b(?:eps|earnings per share|earnings|revenue|sales)\b\W+(?:of\W+)?\$?(?P<actual>-?\d+(?:\.\d+)?)"
    r"(?:[mbk]\b|\s?(?:million|billion))?\W+(?:vs\.?|versus|compared with|against)\W+"
    r"\$?(?P<expected>-?\d+(?:\.\d+)?)(?:[mbk]\b|\s?(?:million|billion))?\W+"
    r"(?:est\w*|consensus|expected|forecast)", _FLAGS)
_EPS_WEIGHT = 0.85


def eps_surprise(text: str) -> CatalystType | None:
    """Beat or miss read from "<actual> vs. <expected> consensus" figures; None without such figures."""
    found = _EPS_VS.search(text)
    if found is None:
        return None
    actual, expected = float(found["actual"]), float(found["expected"])
    if actual == expected:
        return None
    return _T.EARNINGS_BEAT if actual > expected else _T.EARNINGS_MISS


def classify_text(text: str) -> CatalystMatch:
    """The catalyst of one text (usually a headline); ``OTHER`` with score 0 when no rule fires."""
    scheduled = _SCHEDULED.search(text) is not None
    best: dict[CatalystType, tuple[float, list[str], int]] = {}

    def evidence(catalyst_type: CatalystType, weight: float, name: str, pos: int) -> None:
        """Per type: the strongest weight, every rule that fired, the earliest position."""
        strongest, names, first = best.get(catalyst_type, (0.0, [], len(text)))
        best[catalyst_type] = (max(strongest, weight), [*names, name], min(first, pos))

    for rule in RULES:
        found = rule.pattern.search(text)
        if found is None:
            continue
        if scheduled and rule.catalyst_type in (_T.EARNINGS_BEAT, _T.EARNINGS_MISS):
            continue
        evidence(rule.catalyst_type, rule.weight, rule.name, found.start())
    surprise = None if scheduled else eps_surprise(text)
    if surprise is not None:
        evidence(surprise, _EPS_WEIGHT, "eps_vs_estimate", 0)
    if not best:
        return CatalystMatch(_T.OTHER, 0.0, ())
    length = max(len(text), 1)

    def rank(item: tuple[CatalystType, tuple[float, list[str], int]]) -> float:
        weight, _, pos = item[1]
        return weight + _POSITION_BONUS * (1.0 - pos / length)

    catalyst_type, (weight, names, _) = max(best.items(), key=rank)
    score = weight + 0.05 * (len(names) - 1)
    if _MAGNITUDE.search(text):
        score += 0.1
    return CatalystMatch(catalyst_type, round(min(score, 1.0), 4), tuple(names))


def classify(headline: str, summary: str = "") -> CatalystMatch:
    """Classify a story: the headline decides; the summary only when the headline says nothing."""
    match = classify_text(headline)
    if match.score > 0 or not summary:
        return match
    from_summary = classify_text(summary)
    return CatalystMatch(from_summary.catalyst_type, round(from_summary.score * 0.8, 4), from_summary.rules)


def combined_reliability(reliabilities: list[float]) -> float:
    """Chance that at least one of several independent sources is right (noisy-or)."""
    doubt = 1.0
    for r in reliabilities:
        doubt *= 1.0 - min(max(r, 0.0), 1.0)
    return 1.0 - doubt


def catalyst_strength(match: CatalystMatch, reliabilities: list[float]) -> float:
    """Strength in 0..1: the pattern evidence weighed by how far the reporting sources are trusted.

    An ``OTHER`` story counts half: it moved no dedicated catalyst rule.
    """
    base = match.score * (0.5 if match.catalyst_type is _T.OTHER else 1.0)
    return round(min(max(base * combined_reliability(reliabilities), 0.0), 1.0), 4)
