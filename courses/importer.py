"""Import of module folders (`flask courses sync`, and the job behind the
trainers' "synchronise" button): all-or-nothing per module, idempotent."""

from __future__ import annotations

import io
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy import select

from change_portal.config import ROOT
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from courses import format as course_format
from courses.models import Module
from courses.services import (
    build_version,
    content_hash,
    current_version,
    make_current,
    replace_images,
)

DEFAULT_LIBRARY = ROOT / "courses" / "library"


MAX_REPORT_LINES = 200
MAX_REPORT_LINE_CHARS = 300


class ReportLines(list):
    """Report messages, capped (issue 11.3): a crafted archive must not turn its
    errors into a response of any size. Each line is shortened, and past
    MAX_REPORT_LINES the last line counts the messages left out."""

    def __init__(self) -> None:
        super().__init__()
        self.left_out = 0

    def append(self, line: str) -> None:
        line = str(line)
        if len(line) > MAX_REPORT_LINE_CHARS:
            line = line[: MAX_REPORT_LINE_CHARS - 1] + "…"
        if len(self) < MAX_REPORT_LINES - 1:
            super().append(line)
            return
        self.left_out += 1
        note = f"… et {self.left_out} autre(s) message(s) non affiché(s)"
        if len(self) < MAX_REPORT_LINES:
            super().append(note)
        else:
            self[-1] = note

    def extend(self, lines) -> None:
        for line in lines:
            self.append(line)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=ReportLines)
    warnings: list[str] = field(default_factory=ReportLines)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (f"{len(self.created)} créé(s), {len(self.updated)} mis à jour, "
                f"{len(self.unchanged)} inchangé(s), {len(self.errors)} erreur(s)")

    def lines(self) -> list[str]:
        return [*self.errors, *(f"attention : {w}" for w in self.warnings), self.summary()]


def import_module(parsed: course_format.ParsedModule, organisation_id: int | None,
                  actor=None) -> str:
    """Create or update one module from its parsed folder.

    Returns 'created', 'updated' or 'unchanged' (same content hash as the
    current version: nothing is written).
    """
    digest = content_hash(course_format.module_to_files(parsed))
    stmt = select(Module).where(Module.slug == parsed.slug)
    stmt = stmt.where(Module.organisation_id.is_(None) if organisation_id is None
                      else of_tenant(Module, organisation_id))
    module = db.session.scalar(stmt)
    status = "updated"
    if module is None:
        module = Module(organisation_id=organisation_id, slug=parsed.slug,
                        created_by_id=getattr(actor, "id", None))
        db.session.add(module)
        db.session.flush()
        status = "created"
    else:
        current = current_version(module)
        if current is not None and current.content_hash == digest:
            return "unchanged"
    replace_images(module, parsed.images)
    number = max((v.number for v in module.versions), default=0) + 1
    version = build_version(module, parsed, number=number, status="published", actor=actor)
    version.content_hash = digest
    make_current(module, version)
    return status


def sync(paths: list[Path] | None = None, organisation_id: int | None = None,
         actor=None, on_progress=None) -> SyncReport:
    """Import every module found under `paths` (default: the shipped library).

    Each module is parsed first, then written inside a savepoint: a module with
    an error leaves the database as it was, the others are still imported.
    `on_progress(done, total, slug)` is called after each module folder.
    """
    report = SyncReport()
    dirs: list[Path] = []
    for path in paths or [DEFAULT_LIBRARY]:
        try:
            dirs.extend(course_format.find_module_dirs(Path(path)))
        except course_format.ModuleFormatError as err:
            report.errors.extend(str(issue) for issue in err.errors)
    duplicates = course_format.check_duplicate_slugs(dirs)
    report.errors.extend(str(issue) for issue in duplicates)
    bad = {issue.path for issue in duplicates}
    for done, directory in enumerate(dirs, 1):
        if on_progress is not None:
            on_progress(done, len(dirs), directory.name)
        if f"{directory.parent.name}/{directory.name}" in bad:
            continue
        try:
            parsed = course_format.parse_module_dir(directory)
        except course_format.ModuleFormatError as err:
            report.errors.extend(str(issue) for issue in err.errors)
            report.warnings.extend(str(issue) for issue in err.warnings)
            continue
        report.warnings.extend(str(issue) for issue in parsed.warnings)
        savepoint = db.session.begin_nested()
        try:
            status = import_module(parsed, organisation_id, actor)
            savepoint.commit()
        except Exception as exc:  # any failure: this module is left as it was
            savepoint.rollback()
            report.errors.append(f"{parsed.slug}:0: import impossible ({type(exc).__name__})")
            continue
        getattr(report, status).append(parsed.slug)
    return report


MAX_ZIP_FILES = 500
MAX_ZIP_BYTES = 30 * 1024 * 1024


def sync_zip(data: bytes, organisation_id: int, actor=None) -> SyncReport:
    """Import the module folders of an uploaded zip (what the export produces)
    as modules of a collectivité. Unsafe archives (absolute paths, "..", links,
    too many or too large files) are refused before anything is written."""
    report = SyncReport()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        report.errors.append("archive:0: ce fichier n'est pas une archive zip valide")
        return report
    total = 0
    for member in members:
        parts = PurePosixPath(member.filename).parts
        is_link = stat.S_ISLNK(member.external_attr >> 16)
        if (member.filename.startswith("/") or "\\" in member.filename or ".." in parts
                or is_link):
            report.errors.append(f"{member.filename}:0: chemin refusé dans l'archive")
        total += member.file_size
    if len(members) > MAX_ZIP_FILES or total > MAX_ZIP_BYTES:
        report.errors.append("archive:0: archive trop volumineuse (500 fichiers et 30 Mo au plus)")
    if report.errors:
        return report
    with tempfile.TemporaryDirectory(prefix="course-upload-") as root:
        for member in members:
            if member.is_dir() or member.filename.startswith("__MACOSX/"):
                continue
            target = Path(root, *PurePosixPath(member.filename).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                data = archive.read(member)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                    RuntimeError, ValueError):
                # Bad CRC, corrupt deflate stream, encrypted or exotic member.
                report.errors.append(f"{member.filename}:0: fichier illisible dans l'archive "
                                     "(archive endommagée, chiffrée ou compression non prise "
                                     "en charge)")
                return report
            target.write_bytes(data)
        if (Path(root) / "module.md").is_file():
            report.errors.append("archive:0: placez les fichiers dans un dossier nommé "
                                 "comme le module (ex. mon-module/module.md)")
            return report
        return sync([Path(root)], organisation_id, actor)
