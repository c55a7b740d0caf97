"""What every test suite here shares, defined once.

- :mod:`tests.support.env` — where the test PostgreSQL and Redis are (``ADMIN_DSN``, ``REDIS_URL``;
  override with ``CATALYST_TEST_ADMIN_DSN`` / ``CATALYST_TEST_REDIS_URL``).
- :mod:`tests.support.database` — the one isolation scheme: a scratch database per session or
  package (``scratch_dsn``), opened with ``connected``, its tables emptied between tests by
  ``clean_database``.
- the one test clock is the library's ``catalyst.clock.SimulatedClock`` (no test-only clock).
- :mod:`tests.support.waiting` — ``eventually``: poll until a condition holds, bounded, with a
  failure that says what was awaited.
- :mod:`tests.support.services` — a service app run in process through its ``build_app``:
  ``serve`` (lifespan + an httpx client presenting a caller's key) and ``service_client`` (the
  ``ServiceClient`` the typed clients wrap).
- :mod:`tests.support.sim_world` — Trading's OMS against the sim broker, fed bar by bar on a
  simulated clock: real orders, fills and positions (the Trading and Reporting tests).
"""
