"""The one place a typed client turns a route table entry into a call over ``ServiceClient``.

Path formatting, body serialisation, response parsing and the retry rule all come from the
entry (``catalyst.contracts.endpoints``); a typed client only says which entry and with what.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from catalyst.contracts.endpoints import Endpoint
from catalyst.http import ServiceClient
from catalyst.services import ServiceName

Body = TypeVar("Body", bound=BaseModel | None)
Out = TypeVar("Out", bound=BaseModel)


class TypedClient:
    """Base of the typed clients: one service's contract, called through its route table. ``peer`` is
    the service it calls: a runtime builds it only for a service whose wiring declares that peer."""

    peer: ClassVar[ServiceName]

    def __init__(self, client: ServiceClient):
        self._client = client

    async def call(self, endpoint: Endpoint[Body, Out], body: Body | None = None, *,
                   params: Mapping[str, Any] | None = None, breaker: bool = True, **path: object) -> Out:
        """Call ``endpoint`` with its path parameters, JSON body and query ``params``; answers its model.

        ``breaker=False`` takes the call around the circuit breaker (``ServiceClient.request``);
        an entry with ``retry=False`` is tried once.
        """
        wanted = endpoint.request
        if (body is None and wanted is not None) or (body is not None and not isinstance(body, wanted or ())):
            raise TypeError(f"{endpoint.name} takes a {wanted.__name__ if wanted else 'no'} body, "
                            f"not {type(body).__name__}")
        result: Out = await self._client.request(
            endpoint.method, endpoint.url(**path), model=endpoint.response, json=body,
            params=dict(params) if params else None, retry=endpoint.retry, breaker=breaker,
            timeout_s=endpoint.timeout_s,
        )
        return result
