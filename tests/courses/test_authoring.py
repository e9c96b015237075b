"""Authoring in the browser: drafts, preview, lessons, images, publish, diff, export."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import select

from change_portal.extensions import db
from courses import importer, learning, parsing, queries, services
from courses.models import CourseImage, Lesson, Module
from tests import factories
from tests.courses.factories import PNG, create_module, module_files

GIF = b"GIF89a" + b"\0" * 24
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
LESSON = """## Les bons réflexes

Un texte **important**.

```quiz
? Que faites-vous ?
- [x] Je signale
- [ ] J'ignore
! Toujours signaler.
```
"""


def _new_module(client, title="Accueil numérique"):
    resp = client.post("/modules/gestion/nouveau", data={
        "title": title, "summary": "Aider les usagers.", "duration": "25",
        "level": "débutant", "pass_score": "70", "competences": "Communication, Inclusion",
        "introduction": "## Pourquoi\n\nParce que.", "action": "save"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return db.session.scalar(select(Module).order_by(Module.id.desc()))


def test_agent_cannot_edit(client, login_as, org):
    login_as("agent")
    module = create_module(org)
    assert client.get("/modules/gestion/").status_code == 403
    assert client.get(f"/modules/gestion/{module.id}").status_code == 403
    assert client.post(f"/modules/gestion/{module.id}/publier").status_code == 403
    assert client.post("/modules/gestion/nouveau", data={"title": "x"}).status_code == 403


def test_trainer_writes_a_module_and_publishes_it(client, login_as, org):
    login_as("trainer")
    module = _new_module(client)
    assert module.organisation_id == org.id and module.slug == "accueil-numerique"
    resp = client.post(f"/modules/gestion/{module.id}/lecons", data={"new-title": "Première leçon"})
    lesson = db.session.scalar(select(Lesson).order_by(Lesson.id.desc()))
    assert resp.headers["Location"].endswith(f"/lecons/{lesson.id}")
    editor = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Leçon « Première leçon » ajoutée au brouillon" in editor  # said, not silent
    assert "Exemple complet de quiz" in editor and "- [x] Sa longueur" in editor
    # Publishing an empty lesson is refused.
    client.post(f"/modules/gestion/{module.id}/publier")
    assert services.current_version(module) is None
    resp = client.post(f"/modules/gestion/{module.id}/lecons/{lesson.id}", data={
        "title": "Première leçon", "source": LESSON, "action": "save"})
    assert resp.status_code == 302
    db.session.refresh(lesson)
    assert "<strong>important</strong>" in lesson.body_html
    assert len(lesson.quizzes) == 1 and lesson.quizzes[0].questions[0].text == "Que faites-vous ?"
    resp = client.post(f"/modules/gestion/{module.id}/publier")
    assert resp.status_code == 302
    version = services.current_version(module)
    assert version.number == 1 and version.competences == ["Communication", "Inclusion"]
    assert client.get(f"/modules/{module.id}").status_code == 200


def test_quiz_errors_are_shown_with_their_line(client, login_as, org):
    login_as("trainer")
    module = create_module(org)
    draft = services.ensure_draft(factories.create_user(org, ["trainer"]), module)
    lesson = draft.lessons[0]
    resp = client.post(f"/modules/gestion/{module.id}/lecons/{lesson.id}", data={
        "title": "Leçon", "source": "Texte\n\n```quiz\n? Sans options\n```\n", "action": "save"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "ligne 4 : question sans options" in page


def test_preview_without_javascript_and_json_preview(client, login_as, org):
    login_as("trainer")
    module = create_module(org)
    draft = services.ensure_draft(factories.create_user(org, ["trainer"]), module)
    lesson = draft.lessons[0]
    resp = client.post(f"/modules/gestion/{module.id}/lecons/{lesson.id}", data={
        "title": "Leçon", "source": "## Aperçu\n\n*nouveau* texte", "action": "preview"})
    page = resp.get_data(as_text=True)
    assert "<em>nouveau</em>" in page and "Aperçu" in page
    db.session.refresh(lesson)
    assert "nouveau" not in lesson.source  # preview does not save
    resp = client.post(f"/modules/gestion/{module.id}/apercu",
                       data={"source": "[cliquez ici](https://exemple.fr)"})
    assert resp.is_json and "peu explicite" in resp.get_json()["html"]


def test_reorder_and_remove_lessons(client, login_as, org):
    login_as("trainer")
    module = create_module(org, lessons=3)
    draft = services.ensure_draft(factories.create_user(org, ["trainer"]), module)
    first = draft.lessons[0]
    client.post(f"/modules/gestion/{module.id}/lecons/{first.id}/deplacer",
                data={"direction": "down"})
    db.session.expire_all()
    assert [lesson.key for lesson in draft.lessons] == ["lecon-2", "lecon-1", "lecon-3"]
    assert [lesson.filename for lesson in draft.lessons] == [
        "01-lecon-2.md", "02-lecon-1.md", "03-lecon-3.md"]
    client.post(f"/modules/gestion/{module.id}/lecons/{first.id}/deplacer",
                data={"direction": "nowhere"})
    client.post(f"/modules/gestion/{module.id}/lecons/{draft.lessons[2].id}/supprimer")
    db.session.expire_all()
    assert [lesson.key for lesson in draft.lessons] == ["lecon-2", "lecon-1"]


def test_publishing_keeps_progress_and_shows_changes(client, login_as, org):
    trainer = login_as("trainer")
    module = create_module(org, lessons=2)
    agent = factories.create_user(org)
    version = queries.version_with_lessons(module)
    learning.mark_lesson_done(agent, module, version.lessons[0])
    draft = services.ensure_draft(trainer, module)
    services.save_lesson(trainer, draft.lessons[0], title="Leçon 1 revue",
                         source="## Partie 1\n\nUn texte tout neuf.\n")
    services.publish(trainer, module)
    db.session.commit()
    current = services.current_version(module)
    assert current.number == 2
    assert len(module.versions) == 2 and module.versions[0].status == "published"
    state = queries.learner_states(agent.id, [current])[module.id]
    assert state.lessons_done == 1
    page = client.get(f"/modules/gestion/{module.id}/versions").get_data(as_text=True)
    assert "Leçon 1 revue" in page and "Un texte tout neuf." in page and "<ins>" in page
    assert client.get(f"/modules/gestion/{module.id}/versions?de=abc&a=99").status_code == 200


def test_export_route_gives_an_importable_zip(client, login_as, org, tmp_path):
    login_as("trainer")
    module = create_module(org, image=True)
    resp = client.get(f"/modules/gestion/{module.id}/export")
    assert resp.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as archive:
        archive.extractall(tmp_path)
    parsed = parsing.parse_module_dir(tmp_path / module.slug)
    assert [lesson.title for lesson in parsed.lessons] == ["Leçon 1", "Leçon 2"]
    assert parsed.images == {"images/schema.png": PNG}


def _upload(client, module, name, data):
    return client.post(f"/modules/gestion/{module.id}/images",
                       data={"img-image": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_image_uploads_are_checked_by_content_and_size(client, login_as, org):
    login_as("trainer")
    module = create_module(org)
    _upload(client, module, "carte.png", GIF)  # real type wins: stored as .gif
    names = set(db.session.scalars(select(CourseImage.name).where(
        CourseImage.module_id == module.id)))
    assert names == {"images/carte.gif"}
    for name, data in (("x.svg", SVG), ("page.png", b"<html><script>alert(1)</script>"),
                       ("gros.png", PNG + b"\0" * (2 * 1024 * 1024))):
        resp = _upload(client, module, name, data)
        assert resp.status_code == 302
    assert db.session.scalar(select(db.func.count(CourseImage.id)).where(
        CourseImage.module_id == module.id)) == 1
    resp = client.get(f"/modules/{module.id}/fichiers/images/carte.gif")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "image/gif"
    assert resp.headers["Content-Disposition"] == 'inline; filename="carte.gif"'
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/modules/{module.id}/fichiers/images/autre.png").status_code == 404


def test_upload_service_refuses_bad_files(org):
    trainer = factories.create_user(org, ["trainer"])
    module = create_module(org)
    for data in (SVG, b"", b"GIF8" + b"\0" * 10, PNG + b"\0" * (2 * 1024 * 1024)):
        try:
            services.upload_image(trainer, module, "x.png", data)
        except services.DomainError as err:
            assert err.field == "image"
        else:
            raise AssertionError("accepted a bad image")


def test_shared_module_is_not_editable_by_a_collectivite(client, login_as, org):
    login_as("trainer")
    shared = create_module()
    assert client.get(f"/modules/gestion/{shared.id}").status_code == 404
    assert client.post(f"/modules/gestion/{shared.id}/publier").status_code == 404


def test_browser_authored_module_exports_and_imports_the_same(client, login_as, org, tmp_path):
    trainer = login_as("trainer")
    module = _new_module(client, title="Module écrit en ligne")
    for title in ("Accueillir", "2024 : bilan", "Conclure"):
        lesson = services.add_lesson(trainer, module, title)
        services.save_lesson(trainer, lesson, title=title, source=LESSON)
    draft = services.draft_version(module)
    services.move_lesson(trainer, draft.lessons[2], "up")
    services.upload_image(trainer, module, "Plan du bâtiment.png", PNG)
    services.save_lesson(trainer, draft.lessons[0], title="Accueillir",
                         source=LESSON + "\n![Plan du bâtiment](images/plan-du-batiment.png)\n")
    services.publish(trainer, module)
    db.session.flush()
    keys = [lesson.key for lesson in services.current_version(module).lessons]
    assert keys == ["accueillir", "conclure", "2024-bilan"]
    data = services.export_zip(services.current_version(module))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    parsed = parsing.parse_module_dir(tmp_path / module.slug)
    assert [lesson.title for lesson in parsed.lessons] == ["Accueillir", "Conclure", "2024 : bilan"]
    assert importer.import_module(parsed, org.id) == "unchanged"
    # Imported elsewhere, the lessons keep the same identities.
    other = factories.create_organisation()
    importer.import_module(parsed, other.id)
    copy = db.session.scalar(select(Module).where(Module.organisation_id == other.id))
    assert [lesson.key for lesson in services.current_version(copy).lessons] == keys


def test_library_sync_job_from_the_trainer_page(client, login_as, org):
    login_as("trainer")
    resp = client.post("/modules/gestion/synchroniser")
    assert resp.status_code == 302
    page = client.get("/modules/gestion/").get_data(as_text=True)
    assert "réussi" in page and "4 créé(s)" in page
    assert "Cybersécurité" in page


def test_a_library_sync_that_never_finished_shows_as_stuck(client, login_as, org):
    from datetime import timedelta

    from change_portal.core.models import utcnow
    from courses.models import SyncRun

    login_as("trainer")
    db.session.add(SyncRun(organisation_id=org.id, created_at=utcnow() - timedelta(hours=1)))
    db.session.flush()
    page = client.get("/modules/gestion/").get_data(as_text=True)
    assert "bloqué" in page and "Relancez-le" in page and "Lancer l'import" in page


def test_preview_shows_the_quiz_questions(client, login_as, org):
    login_as("trainer")
    module = create_module(org)
    lesson = services.ensure_draft(factories.create_user(org, ["trainer"]), module).lessons[0]
    page = client.post(f"/modules/gestion/{module.id}/lecons/{lesson.id}", data={
        "title": "Leçon", "source": LESSON, "action": "preview"}).get_data(as_text=True)
    assert "Quiz 1 (aperçu)" in page and "Je signale <strong>(bonne réponse)</strong>" in page
    assert "[[quiz:0]]" not in page


def test_copy_a_shared_module_to_adapt_it(client, login_as, org, other_org):
    login_as("trainer")
    shared = create_module(image=True)
    resp = client.post(f"/modules/gestion/{shared.id}/copier")
    copy = db.session.scalar(select(Module).where(Module.organisation_id == org.id))
    assert resp.headers["Location"].endswith(f"/modules/gestion/{copy.id}")
    assert copy.slug == shared.slug
    original, copied = services.current_version(shared), services.current_version(copy)
    assert [lesson.key for lesson in copied.lessons] == [lesson.key for lesson in original.lessons]
    assert f"/modules/{copy.id}/fichiers/images/schema.png" in copied.lessons[0].body_html
    assert client.get(f"/modules/{copy.id}/fichiers/images/schema.png").status_code == 200
    # A second copy is refused; a private module of a collectivité cannot be copied.
    client.post(f"/modules/gestion/{shared.id}/copier")
    assert db.session.scalar(select(db.func.count(Module.id)).where(
        Module.organisation_id == org.id)) == 1
    assert client.post(f"/modules/gestion/{copy.id}/copier").status_code == 302
    theirs = create_module(other_org, slug="module-autre")
    assert client.post(f"/modules/gestion/{theirs.id}/copier").status_code == 404
    # The catalogue lists the copy instead of the shared original.
    page = client.get("/modules/").get_data(as_text=True)
    assert f'href="/modules/{copy.id}"' in page and f'href="/modules/{shared.id}"' not in page


def test_reading_the_editor_creates_no_draft(client, login_as, org):
    login_as("trainer")
    module = create_module(org)
    page = client.get(f"/modules/gestion/{module.id}").get_data(as_text=True)
    assert "pas de brouillon" in page and "Enregistrer et publier ce brouillon" not in page
    assert services.draft_version(module) is None
    client.post(f"/modules/gestion/{module.id}/brouillon")
    assert services.draft_version(module) is not None
    page = client.get(f"/modules/gestion/{module.id}").get_data(as_text=True)
    assert "Enregistrer et publier ce brouillon" in page and "Monter" in page


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _import(client, data: bytes):
    return client.post("/modules/gestion/importer",
                       data={"zip-archive": (io.BytesIO(data), "modules.zip")},
                       content_type="multipart/form-data")


def test_import_an_exported_zip_into_the_collectivite(client, login_as, org):
    login_as("trainer")
    shared = create_module(image=True)
    data = services.export_zip(services.current_version(shared))
    page = _import(client, data).get_data(as_text=True)
    assert "Import réussi : 1 module(s) créé(s)" in page
    mine = db.session.scalar(select(Module).where(Module.organisation_id == org.id))
    assert mine.slug == shared.slug
    assert "1 inchangé(s)" in _import(client, data).get_data(as_text=True)


def test_import_zip_errors_and_unsafe_archives(client, login_as, org):
    login_as("trainer")
    files = {f"casse/{k}": v for k, v in module_files().items()}
    files["casse/01-lecon-1.md"] = b"---\ntitle: x\n---\n\n```quiz\n? Q\n```\n"
    page = _import(client, _zip(files)).get_data(as_text=True)
    assert "Rien n&#39;a été importé" in page or "Rien n'a été importé" in page
    assert "casse/01-lecon-1.md:6: question sans options" in page
    for bad in ({"../evil/module.md": b"x"}, {"/abs/module.md": b"x"}):
        assert "chemin refusé" in _import(client, _zip(bad)).get_data(as_text=True)
    assert "pas une archive zip" in _import(client, b"not a zip").get_data(as_text=True)
    assert "dossier nommé" in _import(client, _zip(module_files())).get_data(as_text=True)
    assert db.session.scalar(select(Module).where(Module.organisation_id == org.id)) is None


def test_previews_are_throttled(app, client, login_as, org):
    """Issue 11.1: a preview renders up to 200 KB without storing; past the limit
    the JSON preview answers 429 and the page says so, keeping the text."""
    login_as("trainer")
    module = create_module(org)
    draft = services.ensure_draft(factories.create_user(org, ["trainer"]), module)
    lesson = draft.lessons[0]
    app.config["COURSES_PREVIEW_LIMIT"] = "1/60"
    try:
        ok = client.post(f"/modules/gestion/{module.id}/apercu", data={"source": "*a*"})
        refused = client.post(f"/modules/gestion/{module.id}/apercu", data={"source": "*b*"})
        page = client.post(f"/modules/gestion/{module.id}/lecons/{lesson.id}", data={
            "title": "Leçon", "source": "mon brouillon", "action": "preview"})
    finally:
        app.config.pop("COURSES_PREVIEW_LIMIT")
    assert ok.status_code == 200 and "<em>a</em>" in ok.get_json()["html"]
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    text = page.get_data(as_text=True)
    assert "réessayez dans" in text and "mon brouillon" in text


def test_publishing_from_the_form_saves_what_was_just_typed(client, login_as, org):
    """'Enregistrer et publier' saves the typed text first: nothing typed is lost, and if
    publishing is refused the text stays in the draft."""
    login_as("trainer")
    module = _new_module(client)
    draft = services.draft_version(module)
    form = {"title": "Accueil numérique", "summary": "Résumé tapé juste avant de publier.",
            "duration": "25", "level": "débutant", "pass_score": "70",
            "competences": "Communication", "introduction": "Intro.",
            "opened": f"{draft.id}:{draft.edit_version}", "action": "publish"}
    # no lesson yet: publishing is refused, the typed summary is kept in the draft
    resp = client.post(f"/modules/gestion/{module.id}", data=form)
    assert resp.status_code == 302 and services.current_version(module) is None
    db.session.refresh(draft)
    assert draft.summary == "Résumé tapé juste avant de publier."
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Brouillon enregistré, mais pas publié" in page
    client.post(f"/modules/gestion/{module.id}/lecons", data={"new-title": "Leçon"})
    lesson = db.session.scalar(select(Lesson).order_by(Lesson.id.desc()))
    client.post(f"/modules/gestion/{module.id}/lecons/{lesson.id}",
                data={"title": "Leçon", "source": LESSON, "action": "save"})
    db.session.refresh(draft)
    form.update(summary="Dernière retouche.", opened=f"{draft.id}:{draft.edit_version}")
    resp = client.post(f"/modules/gestion/{module.id}", data=form)
    assert resp.headers["Location"].endswith(f"/modules/{module.id}")
    version = services.current_version(module)
    assert version.number == 1 and version.summary == "Dernière retouche."


def test_competences_are_offered_from_the_catalogue_and_free_text_kept(client, login_as, org):
    login_as("trainer")
    create_module(org, slug="autre-module", competences=["Protection et sécurité"])
    module = _new_module(client)  # typed "Communication, Inclusion"
    page = client.get(f"/modules/gestion/{module.id}").get_data(as_text=True)
    boxes = page[page.index("Compétences du catalogue"):page.index("Autres compétences")]
    assert 'value="Protection et sécurité"' in boxes  # offered from the catalogue
    assert re.search(r'checked[^>]*value="Communication"|value="Communication"[^>]*checked', boxes)
    draft = services.draft_version(module)
    resp = client.post(f"/modules/gestion/{module.id}", data={
        "title": "Accueil numérique", "summary": "s", "duration": "25", "level": "débutant",
        "pass_score": "70", "introduction": "i", "action": "save",
        "opened": f"{draft.id}:{draft.edit_version}",
        "known_competences": ["Protection et sécurité", "Communication"],
        "competences": "  Accueil   du public , communication"})
    assert resp.status_code == 302
    db.session.refresh(draft)
    assert draft.competences == ["Protection et sécurité", "Communication", "Accueil du public"]
