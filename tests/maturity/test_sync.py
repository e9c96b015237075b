"""The referential folder: sync errors with file:line, atomicity, idempotence,
versioning of a used referential, and theme_choices()."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from change_portal.extensions import db
from change_portal.maturity import queries
from change_portal.maturity.models import Referential, Statement, Theme
from change_portal.maturity.referential import SHIPPED, load_folder

EXPECTED_SLUGS = ["strategie", "relation-usagers", "administration-interne", "donnees",
                  "cybersecurite", "inclusion", "numerique-responsable", "competences",
                  "cooperation"]


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "ref"
    shutil.copytree(SHIPPED, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _sync(runner, folder):
    return runner.invoke(args=["maturity", "sync", str(folder)])


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_shipped_referential_is_complete():
    data = load_folder(SHIPPED)
    assert [t.slug for t in data.themes] == EXPECTED_SLUGS
    for theme in data.themes:
        assert 4 <= len(theme.statements) <= 8
        assert all(len(s.levels) == 6 and all(s.levels) for s in theme.statements)
    assert data.scale[0] == "Pas abordé" and data.scale[5] == "Exemplaire, évalué et partagé"


def test_sync_is_idempotent(runner, folder):
    first = _sync(runner, folder)
    assert first.exit_code == 0, first.output
    assert "version 1" in first.output
    counts = (_count(Referential), _count(Theme), _count(Statement))
    second = _sync(runner, folder)
    assert second.exit_code == 0 and "déjà à jour" in second.output
    assert (_count(Referential), _count(Theme), _count(Statement)) == counts == (1, 9, 37)


@pytest.mark.parametrize(("file", "old", "new", "line", "message"), [
    ("themes/05-cybersecurite.yaml", "      5: Le dispositif est audité et documenté pour "
     "d'autres.\n", "", 10, "la description du niveau 5 manque"),
    ("themes/09-cooperation.yaml", "slug: cooperation", "slug: cybersecurite", 1,
     "thème « cybersecurite » en double"),
    ("themes/01-strategie.yaml", "title: Stratégie", "titre: x\ntitle: Stratégie", 2,
     "clé inconnue « titre »"),
    ("themes/06-inclusion.yaml", "  - key: alternative", "  - key: diagnostic", 26,
     "clé « diagnostic » en double"),
    ("referentiel.yaml", "  0: Pas abordé", "  0: &a Pas abordé\n  9: *a", 12,
     "ancres et alias"),
    ("themes/02-relation-usagers.yaml", "    levels:\n      0: Aucune démarche",
     "    levels: [oops\n      0: Aucune démarche", None, "YAML invalide"),
])
def test_sync_errors_name_file_and_line(runner, folder, file, old, new, line, message):
    _edit(folder / file, old, new)
    result = _sync(runner, folder)
    assert result.exit_code == 1
    out = result.output
    assert message in out, out
    prefix = f"ref/{file}:" if line is None else f"ref/{file}:{line}:"
    assert prefix in out, out
    assert "rien n'a été chargé" in out
    assert _count(Referential) == 0 and _count(Theme) == 0  # nothing half-loaded


def test_theme_without_statements(runner, folder):
    path = folder / "themes" / "07-numerique-responsable.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.split("statements:")[0], encoding="utf-8")
    result = _sync(runner, folder)
    assert result.exit_code == 1
    assert "themes/07-numerique-responsable.yaml:1: le thème « numerique-responsable » n'a " \
           "aucune affirmation" in result.output


def test_duplicate_yaml_key_is_an_error(runner, folder):
    _edit(folder / "themes" / "04-donnees.yaml", "title: Données", "title: A\ntitle: Données")
    result = _sync(runner, folder)
    assert result.exit_code == 1
    assert "ref/themes/04-donnees.yaml:3: clé en double : title" in result.output


def test_change_updates_unused_version_in_place(runner, folder):
    assert _sync(runner, folder).exit_code == 0
    ref = db.session.scalar(select(Referential))
    statement_ids = set(db.session.scalars(select(Statement.id)))
    _edit(folder / "themes" / "05-cybersecurite.yaml", "Les comptes et droits d'accès",
          "Les comptes et les droits d'accès")
    result = _sync(runner, folder)
    assert result.exit_code == 0 and "mis à jour" in result.output
    db.session.expire_all()
    assert _count(Referential) == 1 and ref.version == 1
    # Matched by key: the same rows (answers in progress survive a wording fix).
    assert set(db.session.scalars(select(Statement.id))) == statement_ids
    assert db.session.scalar(select(Statement.text).where(Statement.key == "comptes")) \
        .startswith("Les comptes et les droits")


def test_change_of_used_version_makes_a_new_one(runner, folder):
    from tests.maturity import factories as mf

    assert _sync(runner, folder).exit_code == 0
    ref = db.session.scalar(select(Referential))
    mf.submitted_diagnosis(ref, levels={})
    old_texts = sorted(db.session.scalars(select(Statement.text).join(Theme).where(
        Theme.referential_id == ref.id)))
    _edit(folder / "themes" / "05-cybersecurite.yaml", "Les comptes et droits d'accès",
          "Les comptes et les droits d'accès")
    result = _sync(runner, folder)
    assert result.exit_code == 0 and "nouvelle version 2" in result.output
    assert _count(Referential) == 2
    assert sorted(db.session.scalars(select(Statement.text).join(Theme).where(
        Theme.referential_id == ref.id))) == old_texts
    assert _sync(runner, folder).output.count("déjà à jour") == 1


def test_theme_choices_from_file_then_database(runner, folder):
    choices = queries.theme_choices()
    assert [slug for slug, _ in choices] == EXPECTED_SLUGS
    assert dict(choices)["cybersecurite"] == "Cybersécurité"
    _edit(folder / "themes" / "05-cybersecurite.yaml", "title: Cybersécurité",
          "title: Cybersécurité et continuité")
    assert _sync(runner, folder).exit_code == 0
    assert dict(queries.theme_choices())["cybersecurite"] == "Cybersécurité et continuité"


def test_refresh_command(runner):
    from tests.maturity import factories as mf

    ref = mf.shipped_referential()
    edition = mf.create_edition(ref, slug="2030")
    d = mf.submitted_diagnosis(ref, {"donnees": [3]}, edition=edition)
    d.theme_levels, d.overall_level = {"donnees": 3.0}, 3.0
    result = runner.invoke(args=["maturity", "refresh", "2030"])
    assert result.exit_code == 0 and "2 distributions recalculées" in result.output
    assert runner.invoke(args=["maturity", "refresh", "nope"]).exit_code != 0
