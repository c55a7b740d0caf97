"""Prometheus metrics shared by every service. Domain metrics live beside their code."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "catalyst_http_requests_total",
    "HTTP requests served, by route template and status",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "catalyst_http_request_duration_seconds",
    "HTTP request latency, by route template and status",
    ["service", "method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CACHE_REQUESTS = Counter(
    "catalyst_cache_requests_total",
    "Cache look-ups by namespace, tier and result (hit or miss)",
    ["namespace", "tier", "result"],
)
CLIENT_REQUESTS = Counter(
    "catalyst_client_requests_total",
    "Outbound service-client calls by target service and outcome",
    ["target", "outcome"],
)
BREAKER_OPEN = Counter(
    "catalyst_circuit_breaker_open_total",
    "Calls refused because a circuit breaker was open",
    ["target"],
)
BUS_EVENTS = Counter(
    "catalyst_bus_events_total",
    "Events published and received on the Redis bus",
    ["channel", "direction"],
)
CONNECTION_UP = Gauge(
    "catalyst_connection_up",
    "1 when the last /health check reached the connection (database, redis), 0 when it did not",
    ["target"],
)
DB_POOL_CONNECTIONS = Gauge(
    "catalyst_db_pool_connections",
    "Database pool connections by state (in_use, idle, max), read at each scrape",
    ["state"],
)
