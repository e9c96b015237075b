"""The full-text search adapter: one small module, two engines, used by every
domain that searches (forums, sharing).

- SQLite: an FTS5 table `<name>_fts(title, body)` whose rowid is the id of the
  domain's entry row, tokenised with `unicode61 remove_diacritics 2`, ranked by bm25.
- PostgreSQL: a generated column `<entry table>.tsv` =
  `setweight(to_tsvector('french', title), 'A') || setweight(…body, 'B')` with a GIN
  index, queried with `websearch_to_tsquery('french', …)` and ranked by `ts_rank`.

On both, the text is normalised in Python before it is stored and before it is
searched (`normalise`): lower case, accents removed, a trailing s/x dropped on words
of more than 3 letters. So "démarche", "Démarches" and "demarches" meet, and
PostgreSQL needs no `unaccent` extension (which would need a superuser).

A domain keeps an entry model with `id`, `title`, `body` columns (normalised text),
calls `fts_write` / `fts_delete` when it writes entries, and builds its queries on
`ranked(...)`. Migrations create the FTS table / tsv column with `create_sql` /
`drop_sql`.

For large indexes (the forums): `upsert` writes many entries in one executemany and
`fts_rewrite` mirrors them set-wise on SQLite; `matches` filters on the index and
`rank_candidates` ranks only a bounded set of ids already known to match.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from change_portal.extensions import db

STOPWORDS = {
    "le", "la", "les", "de", "des", "du", "un", "une", "et", "au", "aux", "en", "pour",
    "sur", "dans", "par", "que", "qui", "ou", "ne", "pas", "est", "il", "elle", "on",
}  # fmt: skip
_WORD = re.compile(r"\w+", re.UNICODE)


def _strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _word(word: str) -> str:
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def normalise(value: str) -> str:
    """Text as indexed and searched: lower case, no accents, simple plurals dropped."""
    words = _WORD.findall(_strip_accents(value or "").lower())
    return " ".join(_word(w) for w in words)


def strip_tags(html: str) -> str:
    """Visible text of stored, sanitised HTML (to index it)."""
    return re.sub(r"<[^>]+>", " ", html or "")


def query_terms(query: str) -> list[str]:
    """The words of a search query worth matching (max 12)."""
    terms = [w for w in normalise(query).split() if len(w) > 1 and w not in STOPWORDS]
    return list(dict.fromkeys(terms))[:12]


def dialect() -> str:
    return db.session.get_bind().dialect.name


# --- schema (called from migrations) ----------------------------------------------

def create_sql(dialect_name: str, table: str, fts_table: str) -> list[str]:
    """DDL that makes `table` (id, title, body) searchable on this engine."""
    if dialect_name == "sqlite":
        return [f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts_table} USING fts5("
                "title, body, tokenize = 'unicode61 remove_diacritics 2')"]
    if dialect_name == "postgresql":
        return [f"ALTER TABLE {table} ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
                "setweight(to_tsvector('french'::regconfig, coalesce(title, '')), 'A') || "
                "setweight(to_tsvector('french'::regconfig, coalesce(body, '')), 'B')) STORED",
                f"CREATE INDEX ix_{table}_tsv ON {table} USING gin (tsv)"]
    return []


def drop_sql(dialect_name: str, fts_table: str) -> list[str]:
    return [f"DROP TABLE IF EXISTS {fts_table}"] if dialect_name == "sqlite" else []


# --- writing ----------------------------------------------------------------------

def fts_write(fts_table: str, rowid: int, title: str, body: str) -> None:
    """Mirror one entry into the SQLite FTS table (PostgreSQL's column is generated)."""
    if dialect() != "sqlite":
        return
    db.session.execute(text(f"DELETE FROM {fts_table} WHERE rowid = :id"),  # noqa: S608
                       {"id": rowid})
    db.session.execute(
        text(f"INSERT INTO {fts_table} (rowid, title, body) VALUES (:id, :t, :b)"),  # noqa: S608
        {"id": rowid, "t": title, "b": body},
    )


def fts_delete(fts_table: str, rowids: list[int] | None = None) -> None:
    """Forget some entries (all when rowids is None) in the SQLite FTS table."""
    if dialect() != "sqlite":
        return
    if rowids is None:
        db.session.execute(text(f"DELETE FROM {fts_table}"))  # noqa: S608
        return
    for rowid in rowids:
        db.session.execute(text(f"DELETE FROM {fts_table} WHERE rowid = :id"),  # noqa: S608
                           {"id": rowid})


def fts_delete_where(fts_table: str, subquery_sql: str, params: dict) -> None:
    """Forget the entries whose rowid the given SQL selects (SQLite only)."""
    if dialect() == "sqlite":
        db.session.execute(
            text(f"DELETE FROM {fts_table} WHERE rowid IN ({subquery_sql})"),  # noqa: S608
            params)


def upsert(entry_table, rows: list[dict], key: str) -> None:
    """Insert or update many entries (dicts of column values) in one executemany;
    an existing row (same `key`) is rewritten only when one of its values changed,
    so rerunning a reindex over an up-to-date index writes nothing."""
    if not rows:
        return
    insert_ = pg_insert if dialect() == "postgresql" else sqlite_insert
    stmt = insert_(entry_table)
    columns = [name for name in rows[0] if name != key]
    changed = [entry_table.c[name].is_distinct_from(stmt.excluded[name]) for name in columns]
    stmt = stmt.on_conflict_do_update(
        index_elements=[key], set_={name: stmt.excluded[name] for name in columns},
        where=or_(*changed))
    db.session.execute(stmt, rows)


def fts_rewrite(fts_table: str, entries: Select) -> None:
    """Mirror into the SQLite FTS table the entries that `entries` selects (their
    id, title and body columns, in that order): one DELETE and one INSERT … SELECT."""
    if dialect() != "sqlite":
        return
    fts = table(fts_table, column("rowid"), column("title"), column("body"))
    ids = entries.subquery()
    db.session.execute(delete(fts).where(fts.c.rowid.in_(select(ids.c[0]))))
    db.session.execute(insert(fts).from_select(["rowid", "title", "body"], entries))


def fts_prune(fts_table: str, entry_table: str) -> None:
    """Drop the SQLite FTS rows whose entry is gone (the entry rows cascade with
    their source, the virtual table cannot)."""
    if dialect() == "sqlite":
        db.session.execute(text(
            f"DELETE FROM {fts_table} WHERE rowid NOT IN (SELECT id FROM {entry_table})"))  # noqa: S608


# --- reading ----------------------------------------------------------------------

def _tsquery(terms: list[str]):
    return func.websearch_to_tsquery(literal_column("'french'::regconfig"), " ".join(terms))


def _fts_query(terms: list[str]) -> str:
    return " ".join('"' + t.replace('"', "") + '"' for t in terms)


def plan_with_the_words() -> None:
    """On PostgreSQL, plan the next searches of this transaction with their words
    known: psycopg prepares a statement run 5 times, and PostgreSQL's generic plan
    for a prepared search (words unknown) walks every entry of the collectivité
    (measured 4 × slower than the custom plan at full scale)."""
    if dialect() == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def matches(entry, fts_table: str, terms: list[str], *, by_index: bool = True
            ) -> ColumnElement[bool]:
    """WHERE clause: the entry matches every term (on PostgreSQL a condition on the
    GIN-indexed tsv column, on SQLite its id among the FTS table's matches).

    `by_index=False` (PostgreSQL): the same test as a plain function call, which the
    planner cannot serve from the GIN index: for a query that walks another index
    and tests each entry, when matches are known to be frequent."""
    if dialect() == "postgresql":
        tsv = literal_column(f"{entry.__tablename__}.tsv")
        if not by_index:
            return func.ts_match_vq(tsv, _tsquery(terms))
        return tsv.op("@@")(_tsquery(terms))
    fts = text(f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH :q")  # noqa: S608
    return entry.id.in_(fts.bindparams(q=_fts_query(terms)).columns(column("rowid")))


def rank_candidates(entry, fts_table: str, terms: list[str], candidates: CTE,
                    *columns) -> tuple[Select, list]:
    """SELECT `columns` + a `rank` column over the entries whose id is in
    `candidates` (a CTE with an `id` column, of entries already known to match),
    and the ORDER BY that puts the best first: only those few are ranked."""
    joined = (entry.id == candidates.c.id)
    if dialect() == "postgresql":
        rank = func.ts_rank(literal_column(f"{entry.__tablename__}.tsv"), _tsquery(terms))
        stmt = select(*columns, rank.label("rank")).join(candidates, joined)
        return stmt, [rank.desc(), entry.id.desc()]
    fts = text(f"SELECT rowid AS rid, bm25({fts_table}, 5.0, 1.0) AS score "  # noqa: S608
               f"FROM {fts_table} WHERE {fts_table} MATCH :q AND rowid IN "
               f"(SELECT id FROM {candidates.name})").bindparams(q=_fts_query(terms))
    # A CTE computed once: as a FROM subquery, SQLite re-ran the FTS match for every
    # candidate (2 s for 500 candidates of 2,000 posts).
    sub = fts.columns(column("rid"), column("score")).cte("fts").prefix_with("MATERIALIZED")
    stmt = (select(*columns, (-sub.c.score).label("rank")).join(candidates, joined)
            .join(sub, sub.c.rid == entry.id))
    return stmt, [sub.c.score.asc(), entry.id.desc()]


def ranked(entry, fts_table: str, terms: list[str], *columns) -> tuple[Select, list]:
    """SELECT `columns` + a `rank` column over the entries matching every term, and
    the ORDER BY that puts the best first. The caller adds its joins and filters."""
    if dialect() == "postgresql":
        tsv = literal_column(f"{entry.__tablename__}.tsv")
        tsq = _tsquery(terms)
        rank = func.ts_rank(tsv, tsq)
        stmt = select(*columns, rank.label("rank")).where(tsv.op("@@")(tsq))
        return stmt, [rank.desc(), entry.id.desc()]
    fts_query = _fts_query(terms)
    fts = text(f"SELECT rowid AS rid, bm25({fts_table}, 5.0, 1.0) AS score "  # noqa: S608
               f"FROM {fts_table} WHERE {fts_table} MATCH :q").bindparams(q=fts_query)
    sub = fts.columns(db.column("rid"), db.column("score")).subquery("fts")
    stmt = select(*columns, (-sub.c.score).label("rank")).join(sub, sub.c.rid == entry.id)
    return stmt, [sub.c.score.asc(), entry.id.desc()]
