"""The one place the process environment is read: into the frozen config sections, at start-up.

A config section is a frozen pydantic model whose fields name their environment variables as
aliases (``Field(…, alias="RISK_PARAMETERS_FILE")``). ``read(Section)`` fills it from the
environment (names case-insensitive, as a shell spells them); a field that is itself a section
(``alpaca: AlpacaCredentials``) is read the same way, so a variable declared once in one section
serves every section that holds it. Entry points call it (each service's ``build_app``, the
scripts); everything below gets the sections passed in and never looks at ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo

S = TypeVar("S", bound=BaseModel)


def read(section: type[S], environ: Mapping[str, str] | None = None, /, **overrides: Any) -> S:
    """``section`` from ``environ`` (default: the process environment); absent names keep the defaults.

    ``overrides`` (by variable or field name) win over the environment: a test or a script pins some
    fields and leaves the rest to the environment, as the deployment would set it.
    """
    env = {k.upper(): v for k, v in (os.environ if environ is None else environ).items()}
    values = _values(section, env)
    for key, value in overrides.items():
        for name, field in section.model_fields.items():
            if key in (name, field.alias):
                for variable in (name, field.alias, *_variables(name, field)):
                    values.pop(variable or name, None)
        values[key] = value
    return section.model_validate(values)


def variables() -> dict[str, str]:
    """The whole process environment, for a launcher that hands it on to the processes it starts
    (``catalyst run``): they read their own sections from it."""
    return dict(os.environ)


def _values(section: type[BaseModel], env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in section.model_fields.items():
        key = field.alias or name
        inner = field.annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            values[key] = _values(inner, env)
            continue
        for variable in _variables(name, field):
            if variable.upper() in env:
                values[variable] = env[variable.upper()]
                break
    return values


def _variables(name: str, field: FieldInfo) -> list[str]:
    """The environment names of a field: its validation alias choices, else its alias."""
    choice = field.validation_alias
    if isinstance(choice, AliasChoices):
        return [c for c in choice.choices if isinstance(c, str)]
    if isinstance(choice, str):
        return [choice]
    return [field.alias] if field.alias else []
