"""Import of module folders: CLI, atomicity, idempotence, export round trip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from change_portal.extensions import db
from courses import importer, parsing, services
from courses.models import CourseImage, Lesson, Module, ModuleVersion, Question, Quiz
from tests.courses.factories import PNG, module_files, write_module


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_library_imports_then_second_run_changes_nothing():
    report = importer.sync()
    assert report.ok, report.errors
    assert len(report.created) == 4
    versions = _count(ModuleVersion)
    lessons = _count(Lesson)
    again = importer.sync()
    assert again.ok
    assert again.unchanged == sorted(report.created) or len(again.unchanged) == 4
    assert again.created == [] and again.updated == []
    assert _count(ModuleVersion) == versions
    assert _count(Lesson) == lessons
    # Library modules are shared platform modules.
    assert db.session.scalar(select(func.count()).select_from(Module)
                             .where(Module.organisation_id.is_not(None))) == 0


def test_library_lessons_have_rendered_html_and_quizzes():
    importer.sync()
    module = db.session.scalar(select(Module).where(Module.slug == "cybersecurite-bons-reflexes"))
    version = services.current_version(module)
    assert version.title.startswith("Cybersécurité")
    assert len(version.lessons) >= 3
    first = version.lessons[0]
    assert first.key == "hameconnage"
    # The quiz slot is rendered by the engine as a marker the page cuts at.
    assert "<h2" in first.body_html and ("quiz", 0) in services.split_quiz_html(first.body_html)
    assert "```quiz" in first.source
    assert db.session.scalar(select(func.count(Question.id)).join(Quiz).join(Lesson)
                             .where(Lesson.version_id == version.id)) >= 6


def test_cli_sync_is_quiet_and_exits_zero(runner):
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert "4 créé(s)" in result.output
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0
    assert "4 inchangé(s)" in result.output


def test_cli_reports_file_and_line_and_exits_non_zero(runner, tmp_path):
    files = module_files()
    files["01-lecon-1.md"] = b'---\ntitle: "Le\xc3\xa7on"\n---\n\n```quiz\n? Sans options\n```\n'
    write_module(tmp_path, "module-casse", files)
    result = runner.invoke(args=["courses", "sync", str(tmp_path)])
    assert result.exit_code == 1
    assert "module-casse/01-lecon-1.md:6: question sans options" in result.output
    assert db.session.scalar(select(Module).where(Module.slug == "module-casse")) is None


def test_bad_yaml_and_missing_key_are_located(tmp_path):
    files = module_files()
    files["module.md"] = b"---\ntitle: [unclosed\nduration: 10\n---\n\nIntro\n"
    write_module(tmp_path, "yaml-casse", files)
    report = importer.sync([tmp_path])
    assert not report.ok
    assert any(e.startswith("yaml-casse/module.md:") and "YAML" in e for e in report.errors)


def test_one_broken_module_does_not_block_the_others(tmp_path):
    write_module(tmp_path, "module-bon", module_files())
    broken = module_files()
    broken["02-lecon-2.md"] = b"pas de front matter\n"
    write_module(tmp_path, "module-mauvais", broken)
    report = importer.sync([tmp_path])
    assert report.created == ["module-bon"]
    assert any(e.startswith("module-mauvais/02-lecon-2.md:1:") for e in report.errors)


def test_failed_update_leaves_the_previous_version(tmp_path):
    folder = write_module(tmp_path, "module-maj", module_files(title="Premier titre"))
    importer.sync([folder])
    (folder / "module.md").write_text("---\ntitle: Nouveau\n---\n", encoding="utf-8")
    report = importer.sync([folder])
    assert not report.ok
    assert any("summary" in e for e in report.errors)
    module = db.session.scalar(select(Module).where(Module.slug == "module-maj"))
    assert services.current_version(module).title == "Premier titre"
    assert len(module.versions) == 1


def test_changed_module_creates_a_new_published_version(tmp_path):
    folder = write_module(tmp_path, "module-v", module_files(title="V1"))
    importer.sync([folder])
    write_module(tmp_path, "module-v", module_files(title="V2"))
    report = importer.sync([folder])
    assert report.updated == ["module-v"]
    module = db.session.scalar(select(Module).where(Module.slug == "module-v"))
    assert [v.number for v in module.versions] == [1, 2]
    assert services.current_version(module).title == "V2"
    assert [v.is_current for v in module.versions] == [False, True]


def test_duplicate_slugs_are_refused(tmp_path):
    write_module(tmp_path / "a", "meme-slug", module_files())
    write_module(tmp_path / "b", "meme-slug", module_files())
    report = importer.sync([tmp_path / "a", tmp_path / "b"])
    assert any("en double" in e for e in report.errors)


def test_missing_image_and_too_large_image(tmp_path):
    files = module_files(image=True)
    del files["images/schema.png"]
    write_module(tmp_path, "sans-image", files)
    big = module_files(image=True)
    big["images/schema.png"] = PNG + b"\0" * (parsing.MAX_IMAGE_BYTES + 1)
    write_module(tmp_path, "image-lourde", big)
    report = importer.sync([tmp_path])
    assert any(e.startswith("sans-image/01-lecon-1.md:") and "image introuvable" in e
               for e in report.errors)
    assert any(e.startswith("image-lourde/images/schema.png:0:") and "volumineuse" in e
               for e in report.errors)
    assert report.created == []


def test_accessibility_warnings_are_reported_but_do_not_block(tmp_path):
    write_module(tmp_path, "avec-alerte", module_files(extra="\n[cliquez ici](https://exemple.fr)\n"))
    report = importer.sync([tmp_path])
    assert report.ok and report.created == ["avec-alerte"]
    assert any("peu explicite" in w for w in report.warnings)


def test_images_are_stored_and_lesson_links_point_to_the_image_route(tmp_path):
    write_module(tmp_path, "avec-image", module_files(image=True))
    importer.sync([tmp_path])
    module = db.session.scalar(select(Module).where(Module.slug == "avec-image"))
    image = db.session.scalar(select(CourseImage).where(CourseImage.module_id == module.id))
    assert image.name == "images/schema.png" and image.content_type == "image/png"
    lesson = services.current_version(module).lessons[0]
    assert f'src="/modules/{module.id}/fichiers/images/schema.png"' in lesson.body_html


def test_export_then_import_gives_the_same_module(tmp_path):
    importer.sync()
    for module in db.session.scalars(select(Module)).all():
        version = services.current_version(module)
        data = services.export_zip(version)
        target = tmp_path / module.slug
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(target)
        exported = parsing.parse_module_dir(target / module.slug)
        original = parsing.parse_module_dir(
            Path(importer.DEFAULT_LIBRARY) / module.slug)
        assert exported == original
        status = importer.import_module(exported, None)
        assert status == "unchanged"


def test_export_of_an_image_module_round_trips(tmp_path):
    write_module(tmp_path / "src", "export-image", module_files(image=True))
    importer.sync([tmp_path / "src"])
    module = db.session.scalar(select(Module).where(Module.slug == "export-image"))
    data = services.export_zip(services.current_version(module))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "export-image/images/schema.png" in archive.namelist()
        archive.extractall(tmp_path / "out")
    assert importer.sync([tmp_path / "out"]).unchanged == ["export-image"]


def test_cli_imports_as_modules_of_a_collectivite(runner, org, tmp_path):
    write_module(tmp_path, "module-local", module_files())
    result = runner.invoke(args=["courses", "sync", "--organisation", org.slug, str(tmp_path)])
    assert result.exit_code == 0, result.output
    module = db.session.scalar(select(Module).where(Module.slug == "module-local"))
    assert module.organisation_id == org.id
    result = runner.invoke(args=["courses", "sync", "--organisation", "inconnue", str(tmp_path)])
    assert result.exit_code != 0 and "inconnue" in result.output
