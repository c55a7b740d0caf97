"""The contract with the News service: its classifier and offline sentiment, applied to the replay
news with the replay source's reliability, keep exactly the planted bullish catalysts at stage 2
(catalyst strength > 0.7 and sentiment > 0.5), and rank the top-5 setups' news above the rest of
stage 4.
"""

from __future__ import annotations

import pytest

from catalyst.domain.news import DEFAULT_RELIABILITY
from catalyst.news.classify import catalyst_strength, classify
from catalyst.news.sentiment.config import SentimentSettings, build_scorer
from catalyst.synthetic.universe import build_universe, news_window


@pytest.mark.parametrize("seed", [42, 7])
def test_stage2_is_exactly_the_bullish_catalysts(seed: int) -> None:
    u = build_universe(seed)
    scorer = build_scorer(SentimentSettings())
    news = list(u.news)
    sentiments = scorer.score_batch([n.headline for n in news])
    strength: dict[tuple[str, object], float] = {}
    for day in u.replay_days:
        start, end = news_window(day)
        passed = set()
        for item, sentiment in zip(news, sentiments, strict=True):
            if not start <= item.published_at <= end:
                continue
            s = catalyst_strength(classify(item.headline, item.summary), [DEFAULT_RELIABILITY["replay"]])
            strength[(item.symbols[0], day)] = s
            if s > 0.7 and sentiment.score > 0.5:
                passed.add(item.symbols[0])
        funnel = u.expected_funnel(day)
        stage1_rejects = {s for s in passed if u.profiles[s].kind != "liquid"}
        assert passed - stage1_rejects == funnel.stage2, day
        top = [strength[(s, day)] for s in funnel.top5]
        rest = [strength[(s, day)] for s in funnel.stage4 - set(funnel.top5)]
        assert min(top) > max(rest), day
