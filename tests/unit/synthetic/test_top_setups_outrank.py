"""The contract with the Scanner's final ranking: under its own composite score
(``catalyst.scanner.scoring``), fed as a pre-market scan feeds it (the News classifier and lexicon
on the night's news, indicators and daily patterns on the bars through the setup day), the planted
top five out-rank the rest of stage 4 on every replay day, by a clear margin."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from catalyst.bar_columns import to_ns
from catalyst.domain.calendar import daily_bar_time
from catalyst.domain.market import Timeframe
from catalyst.domain.news import DEFAULT_RELIABILITY
from catalyst.indicators.batch import compute_indicators
from catalyst.indicators.catalog import Indicator
from catalyst.indicators.ohlcv import OHLCV
from catalyst.news.classify import catalyst_strength, classify
from catalyst.news.sentiment.config import SentimentSettings, build_scorer
from catalyst.patterns import PatternSettings, detect_patterns
from catalyst.scanner.config import ScannerSettings
from catalyst.scanner.scoring import composite_score
from catalyst.scanner.stages import NewsFacts, PatternFacts, TechnicalFacts
from catalyst.synthetic.universe import Universe, build_universe, news_window

SETTINGS = ScannerSettings()
DAILY = PatternSettings.for_timeframe(Timeframe.DAY_1)
MARGIN = 0.05  # the fifth's composite over the sixth's, at least


def composites(u: Universe, day: date) -> dict[str, float]:
    """Each stage-4 symbol's composite score at 08:00 on ``day``."""
    f = u.expected_funnel(day)
    start, end = news_window(day)
    items = [n for n in u.news if start <= n.published_at <= end and n.symbols[0] in f.stage4]
    sentiments = build_scorer(SentimentSettings()).score_batch([n.headline for n in items])
    news = {n.symbols[0]: NewsFacts(catalyst_strength(classify(n.headline, n.summary), [DEFAULT_RELIABILITY["replay"]]),
                                    s.score, n.published_at, 1, "", n.headline)
            for n, s in zip(items, sentiments, strict=True)}
    out = {}
    for symbol in f.stage4:
        b = u.daily[symbol]
        end_i = int(np.searchsorted(b.ts, to_ns(daily_bar_time(f.setup_day)))) + 1
        lo = max(0, end_i - SETTINGS.pattern_bars)
        bars = OHLCV(b.open[lo:end_i], b.high[lo:end_i], b.low[lo:end_i], b.close[lo:end_i], b.volume[lo:end_i])
        ind = compute_indicators(bars, [Indicator.SMA_20, Indicator.RSI_14, Indicator.VOLUME_RATIO]).series
        technical = TechnicalFacts(float(ind["sma_20"][-1]), float(ind["rsi_14"][-1]), float(ind["volume_ratio"][-1]))
        best = detect_patterns(bars, DAILY)[0]
        pattern = PatternFacts(best.pattern.value, best.confidence, best.entry, best.stop, best.target)
        out[symbol] = composite_score(float(b.close[end_i - 1]), news[symbol], technical, pattern,
                                      SETTINGS.thresholds, SETTINGS.weights).composite
    return out


@pytest.mark.parametrize("seed", [42, 7])
def test_the_top_five_outrank_the_rest_of_stage4(seed: int) -> None:
    u = build_universe(seed)
    for day in u.replay_days:
        f = u.expected_funnel(day)
        scores = composites(u, day)
        top = min(scores[s] for s in f.top5)
        rest = max(scores[s] for s in f.stage4 - set(f.top5))
        assert top - rest > MARGIN, (seed, day, {s: scores[s] for s in sorted(scores, key=scores.__getitem__)})
