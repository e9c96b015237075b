"""Reading office CSV exports: encodings, separators, headers, line numbers, caps."""

from __future__ import annotations

import pytest

from change_portal.accounts.admin import tabular
from change_portal.accounts.admin.bulk import PEOPLE_COLUMNS, ROLE_WORDS, split_roles
from change_portal.accounts.admin.tabular import FileProblem, read_table


def _read(data: bytes, name="agents.csv"):
    return read_table(data, name, PEOPLE_COLUMNS, required=("name", "email"), spill="roles")


def test_utf8_bom_semicolon_and_french_headers(app):
    data = ("\ufeffNom;Courriel;Service;Rôles\r\n"
            "Hélène Durand;helene@ville.fr;État civil;\"Agent | Formateur·rice\"\r\n").encode()
    table = _read(data)
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ";")
    assert table.rows == [(2, {"name": "Hélène Durand", "email": "helene@ville.fr",
                               "service": "État civil", "roles": "Agent | Formateur·rice"})]


def test_windows_1252_comma_quoted_cells_and_line_numbers(app):
    text = ('nom,email,service,roles\r\n'
            '"Lefèvre, Zoé",zoe@ville.fr,Accueil,"agent,élu·e"\r\n'
            '\r\n'
            'Marc Noël,marc@ville.fr,"Services\r\ntechniques",admin\r\n'
            'Ana,ana@ville.fr,,\r\n')
    table = _read(text.encode("cp1252"))
    assert (table.encoding, table.delimiter) == ("windows-1252", ",")
    assert [line for line, _row in table.rows] == [2, 4, 6]  # blank line 3 skipped
    assert table.rows[0][1]["name"] == "Lefèvre, Zoé"
    assert table.rows[0][1]["roles"] == "agent,élu·e"
    assert table.rows[1][1]["service"] == "Services techniques"  # one line, always
    assert table.rows[2][1]["service"] == ""


def test_utf16_and_first_name_column(app):
    data = "Prénom\tNom\tE-mail\nLéa\tMartin\tlea@ville.fr\n".encode("utf-16")
    table = _read(data)
    assert table.delimiter == "\t"
    assert table.rows[0][1]["first_name"] == "Léa" and table.rows[0][1]["name"] == "Martin"


def test_roles_in_every_spelling():
    tokens = split_roles("Agent | Formateur·rice + chef de projet, Élu·e/ADMINISTRATRICE")
    assert [ROLE_WORDS[tabular.fold(t)] for t in tokens] == [
        "agent", "trainer", "project_lead", "elected", "admin"]
    assert tabular.fold("operator") not in ROLE_WORDS


@pytest.mark.parametrize("data, expected", [
    (b"PK\x03\x04rest-of-a-zip", "c'est un classeur"),
    (b"", "le fichier est vide"),
    (b"\n\n", "le fichier est vide"),
    (b"nom;service\nA;B\n", "agents.csv:1 : colonne(s) manquante(s) : email"),
    (b"nom;email\n", "aucune ligne"),
    (b"nom;email\x00\n", "pas un texte lisible"),
    (b"nom;email\n\x81\x8d\x8f\n", "pas un texte lisible"),
])
def test_unreadable_files_say_why_in_french(app, data, expected):
    with pytest.raises(FileProblem) as err:
        _read(data)
    assert expected in err.value.message


def test_caps_on_size_and_lines(app, monkeypatch):
    with pytest.raises(FileProblem, match="dépasse 512 Ko"):
        _read(b"nom;email\n" + b"a;b@c.fr\n" * 200_000)
    monkeypatch.setattr(tabular, "MAX_ROWS", 3)
    with pytest.raises(FileProblem, match="plus de 3 lignes"):
        _read(b"nom;email\n" + b"a;b@c.fr\n" * 4)
    assert len(_read(b"nom;email\n" + b"a;b@c.fr\n" * 3).rows) == 3


def test_extra_cells_go_to_roles_when_last_else_line_error(app):
    table = _read(b"nom,email,roles\nAna,ana@v.fr,agent,admin,,\n")
    assert table.rows[0][1]["roles"] == "agent, admin" and not table.line_errors
    table = _read(b"nom;email;service\nAna;ana@v.fr;Accueil;Urbanisme\nBob;b@v.fr;;;\n")
    assert table.line_errors == {2: "1 cellule(s) de trop : mettez entre guillemets une "
                                    "cellule qui contient le séparateur « ; »"}
