"""The route table of a service contract: each operation's method, path, body and answer, said once.

The service's router registers its handlers against these entries (``catalyst.routing.serve``)
and its typed client calls through them (``catalyst.clients.base.TypedClient``), so a path, a
method or a model changed here changes on both sides at once. Models only: no web framework.

    class TradingRoutes(RouteTable):
        get_order = endpoint("GET", "/api/v1/orders/{order_id}", OrderOut)

An entry's name is its attribute's: it is the operation's name in the OpenAPI document (summary
and operation id), so it stays the handler's name of old when a route moves into a table.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Generic, Literal, TypeVar, overload

from pydantic import BaseModel

Method = Literal["GET", "POST", "PUT", "DELETE"]
Body = TypeVar("Body", bound=BaseModel | None)
Out = TypeVar("Out", bound=BaseModel)
B = TypeVar("B", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class Endpoint(Generic[Body, Out]):
    """One operation. ``request`` is the JSON body's model (None: no body); ``retry`` is False for an
    operation a client must not repeat blindly (each call may sign, close or reset anew);
    ``timeout_s`` replaces the client's timeout for an operation that is long by nature."""

    method: Method
    path: str
    response: type[Out]
    request: type[Body] | None = None
    status_code: int = 200
    retry: bool = True
    timeout_s: float | None = None
    name: str = ""

    @property
    def path_params(self) -> tuple[str, ...]:
        """The ``{names}`` of the path template, in order."""
        return tuple(f for _, f, _, _ in string.Formatter().parse(self.path) if f)

    def url(self, **values: object) -> str:
        """The path with its parameters filled in; every one must be given, and no other."""
        if set(values) != set(self.path_params):
            raise TypeError(f"{self.name}: path parameters are {self.path_params}, got {sorted(values)}")
        return self.path.format(**{k: str(v) for k, v in values.items()})


@overload
def endpoint(method: Method, path: str, response: type[R], *, request: None = None, status_code: int = 200,
             retry: bool = True, timeout_s: float | None = None) -> Endpoint[None, R]: ...


@overload
def endpoint(method: Method, path: str, response: type[R], *, request: type[B], status_code: int = 200,
             retry: bool = True, timeout_s: float | None = None) -> Endpoint[B, R]: ...


def endpoint(method: Method, path: str, response: type[R], *, request: type[B] | None = None,
             status_code: int = 200, retry: bool = True, timeout_s: float | None = None) -> Endpoint[Any, R]:
    """An entry of a route table (named when its table class is made)."""
    return Endpoint(method, path, response, request, status_code, retry, timeout_s)


class RouteTable:
    """A service's operations as class attributes; subclassing names each entry after its attribute."""

    endpoints: ClassVar[tuple[Endpoint[Any, Any], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        named = []
        for attr, value in list(vars(cls).items()):
            if isinstance(value, Endpoint):
                entry = replace(value, name=attr)
                setattr(cls, attr, entry)
                named.append(entry)
        cls.endpoints = (*cls.endpoints, *named)
