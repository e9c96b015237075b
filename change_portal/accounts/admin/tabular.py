"""Reading the CSV files that office tools save (Excel, LibreOffice, exports of
HR software): encoding, separator and French or English headers guessed, every
problem reported as `file:line`.

Pure functions: no database, no request. The bulk imports build on them.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

from change_portal.core.errors import DomainError
from change_portal.core.text import single_line

# 512 Kio is some 6 000 lines of name;email;service;roles. The preview sends the
# file back signed in a form field, which must stay under Flask's 500 kB form limit.
MAX_BYTES = 512 * 1024
# Confirming creates every invitation in one request (~25 ms each on PostgreSQL):
# 500 lines stay well under a web worker's timeout; larger towns send several files.
MAX_ROWS = 500


class FileProblem(DomainError):
    """The file as a whole cannot be read (nothing of it is used)."""


@dataclass
class Table:
    """The data lines of a file, each with its line number in the file."""

    filename: str
    encoding: str
    delimiter: str
    columns: list[str]  # the canonical names found in the header
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    # line -> problem of that line alone (the importer reports it with the others)
    line_errors: dict[int, str] = field(default_factory=dict)


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation or spaces: "Rôles " → "roles"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in bare.lower() if c.isalnum())


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding used: UTF-8 with or without BOM,
    UTF-16 with BOM ("Texte Unicode" of Excel), else Windows-1252."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_("%(file)s : c'est un classeur (xlsx, xls, ods), pas un fichier "
                            "CSV. Dans le tableur, faites « Enregistrer sous… » et choisissez "
                            "le format CSV.", file=filename))
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                return data.decode("cp1252"), "windows-1252"
            except UnicodeDecodeError:
                pass
    raise FileProblem(_("%(file)s : ce fichier n'est pas un texte lisible. Enregistrez-le au "
                        "format CSV (UTF-8 ou Windows).", file=filename))


def sniff_delimiter(header: str) -> str:
    """The separator of the header line: the most frequent of ; , and tab outside
    quotes (a comma by default)."""
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda c: (counts[c], c == ","))
    return best if counts[best] else ","


def read_table(
    data: bytes,
    filename: str,
    aliases: dict[str, set[str]],
    required: tuple[str, ...],
    spill: str | None = None,
) -> Table:
    """Read `data` into a Table whose columns are the keys of `aliases` (each
    header cell is folded and looked up among the aliases); unknown columns are
    ignored, a missing required one is a FileProblem. A line with more filled
    cells than the header has is a line error, unless the last column is `spill`
    (roles typed "agent,admin" without quotes in a comma file): it takes them."""
    filename = filename or "fichier.csv"
    if len(data) > MAX_BYTES:
        raise FileProblem(_("%(file)s : le fichier dépasse %(n)d Ko. Découpez-le en plusieurs "
                            "fichiers.", file=filename, n=MAX_BYTES // 1024))
    text, encoding = decode(data, filename)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise FileProblem(_("%(file)s : le fichier est vide.", file=filename))
    delimiter = sniff_delimiter(lines[first])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str | None] | None = None
    table = Table(filename=filename, encoding=encoding, delimiter=delimiter, columns=[])
    lookup = {fold(a): name for name, names in aliases.items() for a in names | {name}}
    line_no = 1  # where the next record starts
    try:
        for cells in reader:
            start, line_no = line_no, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [lookup.get(fold(c)) for c in cells]
                table.columns = [c for c in header if c]
                missing = [c for c in required if c not in table.columns]
                if missing:
                    raise FileProblem(_(
                        "%(file)s:%(line)d : colonne(s) manquante(s) : %(cols)s. La première "
                        "ligne doit nommer les colonnes (%(expected)s).",
                        file=filename, line=start, cols=", ".join(missing),
                        expected=", ".join(aliases)))
                continue
            if len(table.rows) >= MAX_ROWS:
                raise FileProblem(_("%(file)s : plus de %(n)d lignes. Découpez le fichier en "
                                    "plusieurs parties.", file=filename, n=MAX_ROWS))
            row = {name: "" for name in table.columns}
            for name, cell in zip(header, cells, strict=False):
                if name and not row[name]:
                    # Names and services are one line (they reach email subjects).
                    row[name] = single_line(cell)
            extra = [single_line(c) for c in cells[len(header):] if c.strip()]
            if extra and spill is not None and header[-1] == spill:
                row[spill] = ", ".join(c for c in (row[spill], *extra) if c)
            elif extra:
                table.line_errors[start] = _(
                    "%(n)d cellule(s) de trop : mettez entre guillemets une cellule qui "
                    "contient le séparateur « %(sep)s »", n=len(extra), sep=delimiter)
            table.rows.append((start, row))
    except csv.Error as exc:
        raise FileProblem(_("%(file)s:%(line)d : ligne illisible (%(why)s).",
                            file=filename, line=reader.line_num, why=str(exc))) from None
    if not table.rows:
        raise FileProblem(_("%(file)s : aucune ligne après celle des noms de colonnes.",
                            file=filename))
    return table
