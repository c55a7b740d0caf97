"""An ASGI app served by a real uvicorn on a free 127.0.0.1 port, for the block: for what must be
reached over a socket (a subprocess, a client with its own transport), not in process over ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import uvicorn

from tests.support.waiting import eventually


@asynccontextmanager
async def serving(app: Any, *, lifespan: Literal["on", "off"] = "on", port: int = 0) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on an ephemeral loopback port (or ``port``: a service brought back
    where its callers know it); yield its base URL (``http://127.0.0.1:N``).

    ``lifespan="off"`` when the app's lifespan already runs (a service entered with ``running``)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan=lifespan, log_level="warning"))
    serving_task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started or serving_task.done(), what="uvicorn listening")
        if serving_task.done():
            serving_task.result()  # start-up failed: raise its error here
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving_task


def free_port_base(width: int = 10, low: int = 20_000) -> int:
    """A base port with ``width`` free ports above it (``catalyst run --port-base``), so a test's nine
    services never meet a ``make run`` or another test on the spec ports. Drawn below the kernel's
    ephemeral range: a port in it may be taken by any outgoing connection between the check and the
    service's bind."""
    import random
    import socket
    from pathlib import Path

    try:
        high = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        high = 32_768  # Linux's default lower bound

    for _ in range(200):
        base = random.randrange(low, high - width)
        try:
            sockets = []
            for port in range(base, base + width):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no {width} free consecutive ports between {low} and {high}")
