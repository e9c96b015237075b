"""The role × route access table, one rules_<domain>.py per domain.

Each module defines RULES (endpoint → Rule) and objects(org, users) → dict of URL
parameter values owned by `org`. test_access.py walks app.url_map and fails for any
endpoint no module declares.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

ROLES = ("agent", "trainer", "project_lead", "elected", "admin", "operator")
MEMBER_ROLES = frozenset(ROLES) - {"operator"}
PUBLIC = "public"
ANY_USER = "any_user"  # any logged-in person, operators included
MEMBER = "authenticated"  # any logged-in member of a collectivité


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str] | str
    # False for routes that are not tied to one collectivité (platform, public).
    tenant: bool = True
    # Extra query string or form data that makes a request meaningful.
    form: dict = field(default_factory=dict)

    def allows(self, actor: str) -> bool:
        if self.allowed == PUBLIC:
            return True
        if actor == "anonymous":
            return False
        if self.allowed == ANY_USER:
            return True
        if self.allowed == MEMBER:
            return actor in MEMBER_ROLES
        return actor in self.allowed


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


def load_modules():
    package = importlib.import_module("tests.access")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("rules_"):
            yield importlib.import_module(f"tests.access.{info.name}")


def all_rules() -> dict[str, Rule]:
    merged: dict[str, Rule] = {}
    for module in load_modules():
        overlap = set(merged) & set(module.RULES)
        assert not overlap, f"declared twice: {overlap}"
        merged.update(module.RULES)
    return merged


def all_objects(org, users) -> dict:
    values: dict = {}
    for module in load_modules():
        values.update(module.objects(org, users))
    return values


def objects_for(endpoint: str, arguments, org, users) -> dict:
    """URL values for one route: only the declaring domain's objects are built
    (and none for a route without parameters), which keeps the table fast."""
    if not arguments:
        return {}
    for module in load_modules():
        if endpoint in module.RULES:
            values = module.objects(org, users)
            if set(arguments) <= set(values):
                return values
    return all_objects(org, users)
