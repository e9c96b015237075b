"""Issue 11.3: a YAML alias bomb in a module zip is refused with a located
error and a small response; no non-scalar value is put into a message."""

from __future__ import annotations

import io
import zipfile

import pytest

from change_portal.core import safe_yaml
from courses import importer, parsing

LESSON = b"---\ntitle: Une lecon\n---\n\nDu texte.\n"


def _alias_tree(depth: int = 8) -> str:
    # Each level lists the previous one nine times: 9**8 = 43 million leaves
    # once expanded, from about 500 bytes.
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for n in range(1, depth + 1):
        refs = ",".join([f"*a{n - 1}"] * 9)
        lines.append(f"a{n}: &a{n} [{refs}]")
    return "\n".join(lines)


BOMB_MODULE = "---\ntitle: T\nsummary: S\nduration: 10\n" + _alias_tree() + "\nlevel: *a8\n---\n"


def _bomb_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bombe/module.md", BOMB_MODULE)
        archive.writestr("bombe/01-a.md", LESSON)
    return buffer.getvalue()


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x", "a: *x", "[" * 50_000, "a: " + "[" * 30])
def test_safe_loader_refuses_anchors_aliases_and_depth(text):
    with pytest.raises(safe_yaml.YAMLError):
        safe_yaml.load(text)


def test_safe_loader_reads_plain_front_matter():
    assert safe_yaml.load("title: T\naudience: [agent]\n") == {"title": "T", "audience": ["agent"]}


def test_describe_never_prints_a_container():
    assert safe_yaml.describe(["x"] * 1000) == "(une liste)"
    assert safe_yaml.describe({"a": 1}) == "(un dictionnaire)"
    assert len(safe_yaml.describe("y" * 10_000)) <= 60


def test_alias_bomb_front_matter_is_located():
    with pytest.raises(parsing.ModuleFormatError) as info:
        parsing.split_front_matter(BOMB_MODULE, path="bombe/module.md")
    (error,) = info.value.errors
    assert error.path == "bombe/module.md" and error.line == 5  # the first anchor
    assert "ancres et alias" in error.message


def test_a_list_where_a_text_is_expected_is_not_printed(tmp_path):
    folder = tmp_path / "liste"
    folder.mkdir()
    items = ", ".join(["x" * 50] * 500)
    (folder / "module.md").write_text(
        f"---\ntitle: T\nsummary: S\nduration: 10\nlevel: [{items}]\n---\n", encoding="utf-8")
    (folder / "01-a.md").write_bytes(LESSON)
    with pytest.raises(parsing.ModuleFormatError) as info:
        parsing.parse_module_dir(folder)
    (error,) = info.value.errors
    assert error.line == 5 and "(une liste)" in error.message and len(error.message) < 200


def test_zip_with_alias_bomb_gives_a_small_located_report(client, login_as, org):
    login_as("trainer")
    resp = client.post("/modules/gestion/importer", data={
        "zip-archive": (io.BytesIO(_bomb_zip()), "bombe.zip")},
        content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert len(page) < 100_000
    assert "bombe/module.md:5" in page and "ancres et alias" in page


def test_report_lines_are_capped():
    report = importer.SyncReport()
    report.errors.extend(f"m.md:{n}: " + "e" * 1000 for n in range(5000))
    assert len(report.errors) == importer.MAX_REPORT_LINES
    assert all(len(line) <= importer.MAX_REPORT_LINE_CHARS for line in report.errors)
    assert "autre(s) message(s)" in report.errors[-1]
