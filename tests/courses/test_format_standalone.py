"""The course format is usable without the application (issue 12 §1): importing it loads
neither Flask nor SQLAlchemy nor any domain, so the import command, a trainer's script
or a linter of modules can check a folder without an app or a database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, sys
before = set(sys.modules)
import courses.format, courses.parsing
new = sorted(m for m in sys.modules if m not in before)
print(json.dumps({"new": new}))
"""


def test_importing_the_course_format_loads_no_framework_and_no_domain():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    new = json.loads(out.strip().splitlines()[-1])["new"]
    assert "courses.format.checks" in new  # the probe did load the format
    for framework in ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "jinja2"):
        assert framework not in new, f"{framework} loaded by the course format"
    ours = {m for m in new if m.split(".")[0] in ("change_portal", "courses", "forums")}
    allowed = {"change_portal", "change_portal.core", "change_portal.core.markdown",
               "change_portal.core.safe_yaml", "change_portal.core.uploads", "courses",
               "courses.parsing"}
    assert ours - allowed == {m for m in ours if m.startswith("courses.format")}


def test_the_format_checks_a_module_folder_without_an_application(tmp_path):
    folder = tmp_path / "essai"
    folder.mkdir()
    (folder / "module.md").write_text("---\ntitle: Essai\nlevel: debutant\n---\nIntro\n",
                                      encoding="utf-8")
    (folder / "01-lecon.md").write_text("---\ntitle: Leçon\n---\n![](images/absente.png)\n",
                                        encoding="utf-8")
    probe = "\n".join([
        "import json, sys", "from pathlib import Path", "from courses import format as f",
        "try:", "    f.parse_module_dir(Path(sys.argv[1]))", "    print(json.dumps([]))",
        "except f.ModuleFormatError as e:",
        "    print(json.dumps([str(i) for i in e.errors]))",
        "print(json.dumps('flask' in sys.modules))", ""])
    out = subprocess.run([sys.executable, "-c", probe, str(folder)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    issues_line, flask_line = out.strip().splitlines()[-2:]
    issues = json.loads(issues_line)
    assert any("01-lecon.md:4" in i and "image" in i.lower() for i in issues), issues
    assert json.loads(flask_line) is False
