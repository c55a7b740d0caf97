"""``catalyst``: the operator's command line; ``catalyst phase <name>`` runs one phase of today's cycle,
``catalyst run`` the whole system on this machine for one replayed day (``catalyst.localrun``).

The Kubernetes CronJobs run it (``catalyst phase pre_market_scan`` at 08:00 New York, ``market_open``
at 09:30, ``monitor`` every minute of trading hours, ``market_close`` at 12:30 and 15:30: the Workflow
runs the close on the one that is 30 minutes before that day's close). It presents the operator's
key (``OPERATOR_API_KEY``) to the Workflow at ``WORKFLOW_URL`` (or ``--url``), both read through
``catalyst.environment``, prints the answer as JSON and exits 0; on a 4xx or 5xx it prints the
error envelope and exits 1. A phase that did nothing (closed day, already ran) is an answer, not an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from catalyst.clients.workflow import WorkflowClient
from catalyst.config import Settings
from catalyst.domain.cycle import Phase
from catalyst.environment import read
from catalyst.errors import CatalystError
from catalyst.http import ServiceClient
from catalyst.services import Operator, ServiceName

DEFAULT_TIMEOUT_S = 600.0  # a close flattens, reconciles and builds the report before it answers


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="catalyst", description=__doc__.splitlines()[0] if __doc__ else None)
    commands = top.add_subparsers(dest="command", required=True)
    phase = commands.add_parser("phase", help="run one phase of today's trading cycle")
    phase.add_argument("name", choices=[p.value for p in Phase], help="the phase")
    phase.add_argument("--reason", help="why (required by stop_session and halt)")
    phase.add_argument("--requested-by", help="who asks (default: operator)")
    phase.add_argument("--force", action="store_true", help="run a scheduled phase before its time")
    phase.add_argument("--url", help="the Workflow's base URL (default: WORKFLOW_URL, else its spec port)")
    phase.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds to wait for the answer")
    day = commands.add_parser("run", help="the whole system on this machine, playing one trading day")
    day.add_argument("--speed", default="60",
                     help="replay seconds per wall second, or max (each minute once its phases answered)")
    day.add_argument("--date", dest="day", help="the replay day (default: the replay set's last)")
    day.add_argument("--symbols", help="comma-separated watchlist: only their news feeds the scan")
    day.add_argument("--until", help="New York time at which the run ends (HH:MM, default 16:05)")
    day.add_argument("--autopilot", action="store_true", help="an MCP client in the run plays the trader")
    day.add_argument("--live", action="store_true", help="wall clock, Alpaca paper trading (keys from the environment)")
    day.add_argument("--run-dir", help="where the run's directory goes (default: runs/)")
    day.add_argument("--hold", action="store_true", help="after --until keep every service up until Ctrl-C")
    day.add_argument("--hold-speed", help="while holding, replay seconds per wall second (default 1)")
    day.add_argument("--port-base", help="ports base+0 … base+9 instead of 5000 … 5009 (beside another run)")
    day.add_argument("--keep-state", action="store_true",
                     help="run on DATABASE_URL as it is (default: a fresh catalyst_run database each run)")
    return top


def run_day(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from catalyst.localrun.main import run
    from catalyst.localrun.plan import RunOptions

    given = {"speed": args.speed, "day": args.day, "symbols": args.symbols, "until": args.until,
             "autopilot": args.autopilot, "live": args.live, "run_dir": args.run_dir,
             "keep_state": args.keep_state, "hold": args.hold,
             "hold_speed": args.hold_speed, "port_base": args.port_base}
    try:
        options = RunOptions.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        print(f"catalyst run: {exc}", file=sys.stderr)
        return 2
    return run(options)


async def run_phase(args: argparse.Namespace, settings: Settings) -> tuple[int, str]:
    """The exit code and what to print."""
    url = args.url or settings.service_url(ServiceName.WORKFLOW)
    client = ServiceClient(ServiceName.WORKFLOW, url, settings.api_key(Operator.OPERATOR), timeout=args.timeout,
                           attempts=settings.http_retry_attempts)
    try:
        result = await WorkflowClient(client).run_phase(args.name, reason=args.reason, force=args.force,
                                                        requested_by=args.requested_by)
    except CatalystError as exc:
        return 1, exc.envelope().model_dump_json(indent=2)
    finally:
        await client.aclose()
    return 0, json.dumps(result.model_dump(mode="json"), indent=2)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "run":
        return run_day(args)
    code, text = asyncio.run(run_phase(args, read(Settings)))
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
