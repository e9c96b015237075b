"""Read helpers of the trainers' pages (authoring in the browser, versions): split
from queries.py, which holds the learners' and the follow-up reads."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from courses.models import CourseImage, Lesson, Module, ModuleVersion, SyncRun


@dataclass
class ManageOverview:
    modules: list[Module]  # the collectivité's own modules, by slug
    versions: dict[int, dict[str, ModuleVersion]]  # module id → {"current"/"draft": version}
    shared: list  # (Module, current ModuleVersion) of the shared library, by title
    runs: list[SyncRun]  # the last library imports, newest first


def manage_overview(organisation_id: int, *, runs: int = 3) -> ManageOverview:
    """What the authoring page lists, in four queries whatever the number of modules."""
    modules = list(db.session.scalars(select(Module).where(of_tenant(Module, organisation_id))
                                      .order_by(Module.slug)))
    versions: dict[int, dict[str, ModuleVersion]] = {m.id: {} for m in modules}
    if modules:
        for v in db.session.scalars(select(ModuleVersion).where(
                ModuleVersion.module_id.in_(list(versions)),
                ModuleVersion.is_current.is_(True) | (ModuleVersion.status == "draft"))):
            versions[v.module_id]["current" if v.is_current else "draft"] = v
    shared = db.session.execute(
        select(Module, ModuleVersion).join(ModuleVersion, ModuleVersion.module_id == Module.id)
        .where(Module.organisation_id.is_(None), ModuleVersion.is_current.is_(True))
        .order_by(ModuleVersion.title)).all()
    last_runs = list(db.session.scalars(select(SyncRun).where(of_tenant(SyncRun, organisation_id))
                                        .order_by(SyncRun.id.desc()).limit(runs)))
    return ManageOverview(modules, versions, shared, last_runs)


def module_images(module_id: int) -> list:
    """(id, name, size) of a module's images, by name."""
    return db.session.execute(select(CourseImage.id, CourseImage.name, CourseImage.size)
                              .where(CourseImage.module_id == module_id)
                              .order_by(CourseImage.name)).all()


def version_summaries(module_id: int) -> list:
    """(number, status, is_current, published_at) of every version of a module."""
    return db.session.execute(
        select(ModuleVersion.number, ModuleVersion.status, ModuleVersion.is_current,
               ModuleVersion.published_at)
        .where(ModuleVersion.module_id == module_id).order_by(ModuleVersion.number)).all()


def version_numbers(module_id: int) -> list[int]:
    """The numbers of a module's versions, ascending."""
    return list(db.session.scalars(select(ModuleVersion.number).where(
        ModuleVersion.module_id == module_id).order_by(ModuleVersion.number)))


def version_numbered(module_id: int, number: int | None) -> ModuleVersion | None:
    """Version `number` of a module, or None."""
    if number is None:
        return None
    return db.session.scalar(select(ModuleVersion).where(
        ModuleVersion.module_id == module_id, ModuleVersion.number == number))


def draft_lesson(module_id: int, lesson_id: int) -> Lesson | None:
    """A lesson of the module's draft version (lessons of published versions are frozen)."""
    return db.session.scalar(
        select(Lesson).join(ModuleVersion, ModuleVersion.id == Lesson.version_id)
        .where(Lesson.id == lesson_id, ModuleVersion.module_id == module_id,
               ModuleVersion.status == "draft"))
