"""`flask courses sync` killed with SIGKILL at several moments, on a database of its
own: every module in the database is either complete (all its lessons, quizzes,
questions, exactly one current version) or absent; then an undisturbed run imports
everything. Each run changes every lesson, so a run that is cut in the middle would
leave half-updated modules if the import were not atomic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.courses.factories import module_files, write_module
from tests.live import ROOT, separate_database_url

pytestmark = pytest.mark.e2e  # a database of its own: keep the shared session untouched

MODULES, LESSONS, QUIZ_IN = 40, 6, (1, 3, 5)
QUESTIONS_PER_QUIZ = 2
FRACTIONS = (0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.97, 1.02)
FAULTS: list[dict] = []


def _flask() -> str:
    return str(Path(sys.executable).parent / "flask")


def _env(url: str, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=url, INSTANCE_PATH=str(instance), PYTHONPATH=str(ROOT),
               SECRET_KEY="import-kill-test")
    return env


def _write_library(root: Path, run: int) -> None:
    for n in range(MODULES):
        files = module_files(title=f"Module {n}", lessons=LESSONS, quiz_in=QUIZ_IN,
                             extra=f"Révision {run} du module {n}.")
        write_module(root, f"module-{n:03d}", files)


def _state(url: str) -> dict[str, dict]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        modules = conn.execute(text("SELECT id, slug FROM course_module")).all()
        out = {}
        for module_id, slug in modules:
            versions = conn.execute(text(
                "SELECT id, is_current FROM course_module_version WHERE module_id = :m"),
                {"m": module_id}).all()
            complete = []
            for version_id, _current in versions:
                lessons = conn.execute(text(
                    "SELECT count(*) FROM course_lesson WHERE version_id = :v"),
                    {"v": version_id}).scalar()
                quizzes = conn.execute(text(
                    "SELECT count(*) FROM course_quiz q JOIN course_lesson l "
                    "ON l.id = q.lesson_id WHERE l.version_id = :v"), {"v": version_id}).scalar()
                questions = conn.execute(text(
                    "SELECT count(*) FROM course_question x JOIN course_quiz q "
                    "ON q.id = x.quiz_id JOIN course_lesson l ON l.id = q.lesson_id "
                    "WHERE l.version_id = :v"), {"v": version_id}).scalar()
                complete.append((lessons, quizzes, questions) ==
                                (LESSONS, len(QUIZ_IN), len(QUIZ_IN) * QUESTIONS_PER_QUIZ))
            out[slug] = {"versions": len(versions),
                         "current": sum(1 for _v, c in versions if c),
                         "complete": all(complete) and bool(complete)}
    engine.dispose()
    return out


def _assert_whole_or_absent(state: dict[str, dict], where: str) -> None:
    broken = {slug: s for slug, s in state.items()
              if not s["complete"] or s["current"] != 1}
    assert broken == {}, f"{where}: half-imported modules {list(broken.items())[:3]}"


def test_sync_killed_at_any_moment_leaves_whole_modules_or_none():
    url = separate_database_url("importkill")
    instance = Path(tempfile.mkdtemp(prefix="cp-importkill-"))
    env = _env(url, instance)
    subprocess.run([_flask(), "--app", "change_portal", "db", "upgrade", "head"], env=env,
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    library = Path(tempfile.mkdtemp(prefix="cp-library-"))

    def sync(run: int, kill_after: float | None):
        _write_library(library, run)
        started = time.monotonic()
        proc = subprocess.Popen([_flask(), "--app", "change_portal", "courses", "sync",
                                 str(library)], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        killed = False
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
        proc.wait(timeout=30)
        return killed, time.monotonic() - started, proc.returncode

    # Undisturbed first run: all modules. It is slower than the runs that follow (a
    # fresh clone compiles its bytecode, every module is created rather than updated),
    # so the kill moments are fractions of a second, warm, undisturbed run.
    killed, first, code = sync(0, None)
    assert code == 0
    state = _state(url)
    assert len(state) == MODULES
    _assert_whole_or_absent(state, "after the first run")
    killed, warm, code = sync(1, None)
    assert code == 0 and _updated(url, 1) == MODULES
    duration = min(first, warm)
    for run, fraction in enumerate(FRACTIONS, start=2):
        killed, _took, _code = sync(run, duration * fraction)
        state = _state(url)
        updated = _updated(url, run)
        FAULTS.append({"after_s": round(duration * fraction, 2), "killed": killed,
                       "modules_updated": updated})
        _assert_whole_or_absent(state, f"killed after {duration * fraction:.1f}s")
        assert len(state) == MODULES
        assert updated in (0, MODULES), f"a killed sync updated {updated} of {MODULES} modules"
    # Undisturbed again: everything arrives, complete.
    killed, _took, code = sync(len(FRACTIONS) + 2, None)
    assert code == 0
    state = _state(url)
    _assert_whole_or_absent(state, "after a full run")
    assert _updated(url, len(FRACTIONS) + 2) == MODULES
    print(f"import kills (full run {duration:.1f}s):", FAULTS)
    assert sum(1 for f in FAULTS if f["killed"]) >= 5, FAULTS


def _updated(url: str, run: int) -> int:
    """Modules whose current version carries this run's text."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        n = conn.execute(text(
            "SELECT count(DISTINCT v.module_id) FROM course_module_version v "
            "JOIN course_lesson l ON l.version_id = v.id "
            "WHERE v.is_current = :t AND l.source LIKE :s"),
            {"t": True, "s": f"%Révision {run} du module%"}).scalar()
    engine.dispose()
    return n
