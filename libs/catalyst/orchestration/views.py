"""Catalyst's answers as the model sees them: outside text (a headline, a broker's reject reason)
put in the untrusted envelope on the way out."""

from __future__ import annotations

from typing import Any

from catalyst.contracts.scanner import Candidate
from catalyst.contracts.trading import OrderOut
from catalyst.orchestration.models import CandidateView
from catalyst.orchestration.untrusted import wrap, wrap_outside_text

NEWS_SOURCE = "news"
BROKER_SOURCE = "broker"


def candidate_view(candidate: Candidate) -> CandidateView:
    data = candidate.model_dump()
    data["headline"] = wrap(NEWS_SOURCE, candidate.headline) if candidate.headline else None
    return CandidateView.model_validate(data)


def order_view(order: OrderOut) -> dict[str, Any]:
    wrapped: dict[str, Any] = wrap_outside_text(order.model_dump(mode="json"), source=BROKER_SOURCE)
    return wrapped


def outside_text_view(value: Any) -> Any:
    """A decoded answer with every outside-text field enveloped (the resources' JSON)."""
    return wrap_outside_text(value, source=NEWS_SOURCE)
