"""Retries and circuit breakers for every call that crosses a network (spec 8.2–8.3).

One policy type and one breaker serve the service client (``catalyst.http``), the broker guard
(``catalyst.brokers.guard``) and the news sources; each caller keeps only what is its own: which
errors are transient, what its metrics say, and when a call is safe to repeat. Time comes in
through an injected clock and sleep, so tests step through schedules without waiting.
"""

from catalyst.resilience.breaker import BreakerState, CircuitBreaker, CircuitOpen
from catalyst.resilience.retry import Retrier, RetryAfterTooLong, RetryEvent, RetryPolicy
from catalyst.resilience.timing import Monotonic, Sleep

__all__ = ["BreakerState", "CircuitBreaker", "CircuitOpen", "Monotonic", "Retrier", "RetryAfterTooLong",
           "RetryEvent", "RetryPolicy", "Sleep"]
