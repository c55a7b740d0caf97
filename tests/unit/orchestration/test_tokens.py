"""Confirmation tokens: valid only for the parameters, kind and time they were issued for, never altered."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from catalyst.orchestration.tokens import canonical_hash, issue, token_digest, verify

SECRET = "test-secret"
ASKED = {"symbol": "AAPL", "quantity": 100, "side": "buy", "order_type": "limit", "entry": 10.5, "stop": 10.0,
         "target": 12.0, "rationale": None}
RESOLVED = {"symbol": "AAPL", "side": "buy", "quantity": 80, "order_type": "limit", "entry": 10.5, "stop": 10.0,
            "target": 12.0}


def _token(now: float = 1000.0, ttl: float = 60.0) -> str:
    return issue(SECRET, "trade", ASKED, RESOLVED, now=now, ttl_s=ttl)


def test_a_fresh_token_confirms_its_parameters_and_carries_the_resolved_order() -> None:
    check = verify(SECRET, _token(), "trade", dict(ASKED), now=1030.0)
    assert check.valid
    assert check.resolved == RESOLVED
    assert check.expires_at == 1060.0


def test_the_hash_ignores_key_order() -> None:
    assert canonical_hash({"a": 1, "b": 2}) == canonical_hash({"b": 2, "a": 1})


def test_an_expired_token_is_refused_at_and_after_its_expiry() -> None:
    assert verify(SECRET, _token(), "trade", ASKED, now=1059.999).valid
    assert verify(SECRET, _token(), "trade", ASKED, now=1060.0).refusal == "expired"


def test_other_parameters_other_kind_or_other_secret_are_refused() -> None:
    assert verify(SECRET, _token(), "trade", {**ASKED, "quantity": 101}, now=1001).refusal == "parameters_changed"
    assert verify(SECRET, _token(), "risk_parameter", ASKED, now=1001).refusal == "wrong_kind"
    assert verify("another-secret", _token(), "trade", ASKED, now=1001).refusal == "bad_signature"
    assert verify(SECRET, "no-dot-here", "trade", ASKED, now=1001).refusal == "malformed"


def test_two_previews_of_the_same_order_get_distinct_tokens() -> None:
    assert _token() != _token()
    assert token_digest(_token()) != token_digest(_token())


@given(st.data())
def test_any_altered_character_is_refused(data: st.DataObject) -> None:
    token = _token()
    at = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from("ABCDEFabcdef0123456789-_.").filter(lambda c: c != token[at]))
    altered = token[:at] + replacement + token[at + 1:]
    assert not verify(SECRET, altered, "trade", ASKED, now=1001).valid


@given(st.text(max_size=300))
def test_any_made_up_token_is_refused(made_up: str) -> None:
    assert not verify(SECRET, made_up, "trade", ASKED, now=1001).valid
