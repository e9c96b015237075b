"""Long commands report progress: plain lines when not on a terminal, a bar on
one, and a summary with the time taken."""

from __future__ import annotations

import io

from change_portal.core.progress import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_one_per_tenth_then_summary(capsys):
    stream = io.StringIO()
    progress = Progress("Messages", stream=stream)
    for done in range(1, 251):
        progress.update(done, 250)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Messages : 25/250 (10 %)"
    assert lines[-1] == "Messages : 250/250 (100 %)"
    assert len(lines) == 10
    progress.finish("250 messages indexed.")
    assert capsys.readouterr().out.startswith("250 messages indexed. (")


def test_few_steps_still_print_each_tenth_reached_once():
    stream = io.StringIO()
    progress = Progress("Demo", stream=stream)
    for done in range(1, 4):
        progress.update(done, 3, "forums")
    assert stream.getvalue().splitlines() == [
        "Demo : 1/3 (33 %)", "Demo : 2/3 (66 %)", "Demo : 3/3 (100 %)"]
    progress.update(1, 0)  # nothing to do: no line, no error
    assert len(stream.getvalue().splitlines()) == 3


def test_bar_on_a_terminal():
    stream = _Tty()
    progress = Progress("Modules", stream=stream)
    for done in range(1, 5):
        progress.update(done, 4, f"module-{done}")
    progress.finish("Modules : 4 créé(s)")
    out = stream.getvalue()
    assert "Modules" in out and "4/4" in out and "(100 %)" not in out


def test_commands_print_progress_and_summary(runner, org):
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert "Modules : 4/4 (100 %)" in result.output
    assert "4 créé(s)" in result.output and " s)" in result.output
    result = runner.invoke(args=["forums", "reindex"])
    assert result.exit_code == 0 and "messages indexed. (" in result.output
