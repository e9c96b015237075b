"""Nothing registers at import time: importing every module of every domain, without
create_app, leaves the extension points empty (periodic jobs included: `@periodic` only
marks a function, init_app schedules it). Each domain registers in its init_app
(its `setup.py`), called by create_app.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import importlib, inspect, json, pkgutil
import change_portal, courses, forums
names = []
for package in (change_portal, courses, forums):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".translations" in info.name:
            continue
        importlib.import_module(info.name)
        names.append(info.name)
from change_portal.core import home, jobs, privacy, registry, signals
receivers = {name: len(getattr(signals, name).receivers)
             for name in dir(signals) if hasattr(getattr(signals, name), "receivers")}
from sqlalchemy.orm import Session
session_events = ("after_flush", "do_orm_execute", "before_commit", "after_commit",
                  "after_rollback", "after_soft_rollback")
listeners = {e: sum(len(v) for v in getattr(Session.dispatch, e)._clslevel.values())
             for e in session_events}
print(json.dumps({
    "session_listeners": {e: n for e, n in listeners.items() if n},
    "modules": len(names),
    "panels": [f.__module__ + "." + f.__name__ for _, f in home._PANELS],
    "providers": sorted(privacy._PROVIDERS),
    "hooks": {k: len(v) for k, v in registry._HOOKS.items() if v},
    "signals": {k: n for k, n in receivers.items() if n},
    "periodic": sorted(jobs.registered_periodic()),
    "marked_periodic": sum(1 for name in names for f in vars(importlib.import_module(name)).values()
                           if inspect.isfunction(f) and hasattr(f, "periodic_every")),
}))
"""


def test_importing_every_module_registers_nothing():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["modules"] > 50  # the probe did import the code
    assert found["panels"] == [], "home panels registered at import"
    assert found["providers"] == [], "privacy providers registered at import"
    assert found["hooks"] == {}, "hooks registered at import"
    assert found["signals"] == {}, "signal receivers connected at import"
    assert found["session_listeners"] == {}, "session event listeners installed at import"
    assert found["periodic"] == [], "periodic jobs scheduled at import"
    assert found["marked_periodic"] >= 3  # @periodic only marks the functions


def test_create_app_registers_every_domain(app):
    """The other side: once the app exists, the domains' contributions are there."""
    from change_portal.core import home, privacy, registry
    from change_portal.core.signals import demo_loaded

    assert len(home._PANELS) >= 4 and len(privacy._PROVIDERS) >= 4
    assert registry._HOOKS["project.panels"] and demo_loaded.receivers
    from change_portal.core.jobs import registered_periodic

    assert {"change_portal.core.retention:purge_expired_records",
            "courses.jobs:send_assignment_reminders",
            "forums.jobs:send_daily_digests"} <= set(registered_periodic())
    for endpoint in ("projects.index", "officials.dashboard", "opendata.published",
                     "accounts.login", "admin.users", "courses.catalogue", "forums.index"):
        assert endpoint in app.view_functions


def test_every_hook_used_is_declared_in_the_catalogue(app):
    import pytest

    from change_portal.core import hooks, registry

    assert registry._HOOKS and set(registry._HOOKS) <= set(hooks.CATALOGUE)
    with pytest.raises(KeyError, match="not declared"):
        registry.register("project.panel", lambda **kw: None)  # a typo
    with pytest.raises(KeyError, match="not declared"):
        registry.call_hook("nothing.here")
