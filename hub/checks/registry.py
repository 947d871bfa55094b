"""The known data-check rules: every ``CheckRule`` defined in a module of ``hub.checks``, found
by importing them, so a new rule is one small module and nothing else."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Mapping
from functools import cache

import hub.checks
from hub.checks.base import CheckRule
from hub.errors import UnknownNameError

# The family's own modules, which define no rules.
_INFRASTRUCTURE = frozenset({"base", "registry", "runner", "prerequisites", "sql"})


@cache
def rules() -> Mapping[str, CheckRule]:
    """Each rule by name, in name order."""
    found: dict[str, CheckRule] = {}
    for module_info in pkgutil.iter_modules(hub.checks.__path__):
        if module_info.name in _INFRASTRUCTURE or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"hub.checks.{module_info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, CheckRule)
                and value.__module__ == module.__name__
                and not inspect.isabstract(value)
            ):
                if value.name in found:
                    raise RuntimeError(f"two data-check rules are called {value.name!r}")
                found[value.name] = value()
    return dict(sorted(found.items()))


def rule(name: str) -> CheckRule:
    """The rule called ``name``; an unknown name lists the known ones."""
    try:
        return rules()[name]
    except KeyError:
        raise UnknownNameError("data-check rule", name, rules()) from None


def check_names(names: Iterable[str]) -> None:
    """Raise ``UnknownNameError`` for the first of ``names`` that is not a rule."""
    for name in sorted(names):
        rule(name)
