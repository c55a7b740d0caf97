"""Sentiment of news text behind one interface: FinBERT, or the offline finance lexicon."""

from catalyst.news.sentiment.base import NEUTRAL_BAND, SentimentScore, SentimentScorer, label_for

__all__ = ["NEUTRAL_BAND", "SentimentScore", "SentimentScorer", "label_for"]
