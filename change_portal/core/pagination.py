"""Pagination of SELECT statements: one COUNT and one page query, whatever the size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import ceil

from flask import abort, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from change_portal.core.params import parse_int
from change_portal.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def current_page_number() -> int:
    number = parse_int(request.args.get("page", "1"), minimum=1, maximum=100_000)
    if number is None:
        abort(404)
    return number


def paginate(stmt: Select, *, per_page: int = 20, options: tuple[str, ...] = (),
             joined: tuple[str, ...] = (), rows: bool = False,
             load: Callable[[list], list] | None = None) -> Page:
    """Run `stmt` for the page asked in ?page=N (404 for a page that cannot exist).

    `options` names relationships of the selected entity to load in one extra
    query each (selectinload), so templates never trigger a query per row; `joined`
    names many-to-one (or one-to-one) relationships loaded in the page's own
    statement (joinedload: no extra query, no extra rows).
    `rows`: the page's items are the statement's rows (several columns), not the
    first entity. `load`: turns the page's items into what the template shows (a
    fixed number of queries for the whole page, never one per item).
    """
    number = current_page_number()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if options or joined:
        entity = stmt.column_descriptions[0]["entity"]
        for name in options:
            stmt = stmt.options(selectinload(getattr(entity, name)))
        for name in joined:
            stmt = stmt.options(joinedload(getattr(entity, name)))
    page_stmt = stmt.limit(per_page).offset((number - 1) * per_page)
    items = list(db.session.execute(page_stmt).all() if rows else db.session.scalars(page_stmt))
    if number > 1 and not items:
        abort(404)
    if load is not None:
        items = load(items)
    return Page(items=items, page=number, per_page=per_page, total=total or 0)
