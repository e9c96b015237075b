"""Personal data (RGPD): every domain declares what it holds about a person,
how to export it and how to erase it.

A provider registers with `register_provider(PrivacyProvider(...))` in its
domain's init; `covers` names the (table, column) pairs that reference a user, and
a test fails when a column referencing user.id is covered by no provider, so a new
model cannot forget a person's rights.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update

from change_portal.extensions import db

Rows = list[dict]


@dataclass(frozen=True)
class PrivacyProvider:
    name: str
    #: (table, column) pairs referencing user.id that this provider handles
    covers: frozenset[tuple[str, str]]
    #: user → {category: rows}; rows are plain dicts (JSON-serialisable values)
    export: Callable[[object], dict[str, Rows]]
    #: user → None; anonymises or deletes; flushes, never commits
    erase: Callable[[object], None]
    order: int = field(default=50)


_PROVIDERS: dict[str, PrivacyProvider] = {}


def register_provider(provider: PrivacyProvider) -> None:
    _PROVIDERS[provider.name] = provider


def providers() -> list[PrivacyProvider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.name))


def covered_columns() -> set[tuple[str, str]]:
    return set().union(*(p.covers for p in providers())) if _PROVIDERS else set()


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def collect(user) -> dict[str, Rows]:
    """Everything the portal holds about `user`, by category."""
    data: dict[str, Rows] = {}
    for provider in providers():
        for category, rows in provider.export(user).items():
            data[category] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return data


def export_json(user) -> bytes:
    return json.dumps(collect(user), ensure_ascii=False, indent=2).encode("utf-8")


def export_csv_zip(user) -> bytes:
    """One UTF-8 CSV per category, in a zip (spreadsheet formulas neutralised)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for category, rows in collect(user).items():
            out = io.StringIO()
            columns = sorted({key for row in rows for key in row}) or ["vide"]
            writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: csv_safe(v) for k, v in row.items()})
            archive.writestr(f"{category}.csv", "\ufeff" + out.getvalue())
    return buffer.getvalue()


def detach_user(user_id: int, columns) -> None:
    """Set to NULL every reference to `user_id` in the (model, column name) pairs
    `columns`: the rows stay (a project, a fiche), without the person. One UPDATE a
    pair, whatever the number of rows; flushes."""
    for model, column in columns:
        db.session.execute(update(model).where(getattr(model, column) == user_id)
                           .values({column: None})
                           .execution_options(synchronize_session=False))
    db.session.flush()


def csv_safe(value):
    """A cell a spreadsheet will not run as a formula."""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def erase(user) -> None:
    """Run every provider's erasure (in reverse order: content before the account)."""
    for provider in reversed(providers()):
        provider.erase(user)
