"""Path and query parameters held to the bounds of the columns they name (issue 11, `domain.bounds`).

One app-wide dependency, so every route (a new one too) is covered: it reads each route's declared parameters
from the route table. It runs before the route's own dependencies: a URL carrying an impossible value is refused
before anything else looks at it. An id beyond its column's range names no row (404 in the path, 400 in the query);
anything else out of bounds is a 400 naming the parameter.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request
from pydantic import BaseModel

from triboka_api.api.errors import ApiError, bad_request
from triboka_api.domain.bounds import OutOfBoundsError, check_parameter


def _plain_type(annotation: Any) -> Any:
    """`int` for `int`, `int | None` and `Annotated[int, ...]`."""
    if get_origin(annotation) is Annotated:
        return _plain_type(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = [a for a in get_args(annotation) if a is not type(None)]
        return _plain_type(kinds[0]) if len(kinds) == 1 else annotation
    return annotation


# id(dependant) -> (dependant, parameters); the dependant is kept to tell a reused id apart (Dependant is a
# mutable dataclass, so it cannot be a cache key itself)
_DECLARED: dict[int, tuple[Any, tuple[tuple[str, Any, bool], ...]]] = {}


def _declared(dependant: Any) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type, in the path) of a route's parameters, computed once per route."""
    cached = _DECLARED.get(id(dependant))
    if cached is not None and cached[0] is dependant:
        return cached[1]
    path = tuple((f.name, _plain_type(f.field_info.annotation), True) for f in dependant.path_params)
    query = tuple((name, kind, False) for name, kind in _query_fields(dependant.query_params))
    _DECLARED[id(dependant)] = (dependant, path + query)
    return path + query


def _query_fields(params: list[Any]) -> Iterator[tuple[str, Any]]:
    """Query parameters by name and type; the fields of a query model (`Annotated[Model, Query()]`) are
    parameters of their own."""
    for param in params:
        kind = _plain_type(param.field_info.annotation)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from ((name, _plain_type(field.annotation)) for name, field in kind.model_fields.items())
        else:
            yield param.name, kind


async def bounded_parameters(request: Request) -> None:
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    for name, annotation, in_path in _declared(dependant):
        values = [request.path_params[name]] if in_path else request.query_params.getlist(name)
        for raw in values:
            try:
                check_parameter(name, raw, annotation)
            except OutOfBoundsError as exc:
                if in_path and annotation is int:
                    raise ApiError(404, "Not found") from exc
                raise bad_request(str(exc)) from exc
