"""YAML front matter, read with the line of each key so that a message points at
the right line (core/safe_yaml: no anchors, no aliases), and the module's keys."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

from change_portal.core import safe_yaml
from courses.format.model import (
    DEFAULT_AUDIENCE,
    DEFAULT_LEVEL,
    DEFAULT_PASS_SCORE,
    LEVELS,
    MODULE_KEYS,
    ROLES,
    SUMMARY_MAX,
    TITLE_MAX,
    Issues,
    ModuleFormatError,
    normalize_text,
)


@dataclass
class FrontMatter:
    path: str
    data: dict[Any, Any]
    body: str
    body_first_line: int
    key_lines: dict[str, int]

    def line_of(self, key: Any) -> int:
        # A missing key is reported on the opening "---", which is line 1.
        return self.key_lines.get(str(key), 1)


def read_front_matter(text: str, path: str, issues: Issues) -> FrontMatter | None:
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        issues.error(
            path, 1, "le fichier doit commencer par une ligne « --- » suivie de l'en-tête YAML"
        )
        return None
    for closing in range(1, len(lines)):
        if lines[closing].rstrip() == "---":
            break
    else:
        issues.error(path, 1, "en-tête YAML non fermé : une ligne « --- » est attendue après")
        return None

    yaml_text = "\n".join(lines[1:closing])
    try:
        # Composing first gives us the node tree, hence the line of each key
        # (for precise messages) and duplicate keys, which safe_load hides.
        # No anchors or aliases (alias bombs), see core/safe_yaml.py.
        data, node = safe_yaml.compose(yaml_text)
    except safe_yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        # The YAML text starts on line 2 of the file and marks are 0-based.
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "syntaxe incorrecte"
        issues.error(path, line, f"en-tête YAML invalide : {safe_yaml.describe(problem)}")
        return None

    if data is None:
        data = {}
    if not isinstance(data, dict):
        issues.error(path, 2, "l'en-tête YAML doit être une suite de lignes « clé: valeur »")
        return None

    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value_node in node.value:
            key = (str(key_node.value) if isinstance(key_node, yaml.ScalarNode)
                   else safe_yaml.describe(key_node.value))
            line = key_node.start_mark.line + 2
            if key in key_lines:
                issues.error(path, line, f"clé « {key} » présente deux fois")
            else:
                key_lines[key] = line
    body = "\n".join(lines[closing + 1 :])
    return FrontMatter(path, data, body, closing + 2, key_lines)


def split_front_matter(text: str, *, path: str) -> tuple[dict, str, int]:
    """Split a Markdown file into its YAML front matter and its body.

    Returns ``(data, body, body_first_line)`` where ``body_first_line`` is the
    1-based line of the file on which ``body`` starts. ``path`` is only used in
    error messages. Raises :class:`ModuleFormatError` when the file does not
    start with a ``---`` line, the front matter is not closed, the YAML is
    invalid (reported on the offending file line) or is not a mapping.
    """
    issues = Issues()
    front = read_front_matter(normalize_text(text), path, issues)
    if issues.errors or front is None:
        raise ModuleFormatError(issues.errors)
    return front.data, front.body, front.body_first_line


def check_unknown_keys(front: FrontMatter, allowed: tuple[str, ...], issues: Issues) -> None:
    for key in front.data:
        if key not in allowed:
            issues.error(front.path, front.line_of(key),
                         f"clé inconnue « {safe_yaml.describe(key)} » "
                         f"(clés possibles : {', '.join(allowed)})")


def text_field(
    front: FrontMatter, key: str, max_len: int, issues: Issues, *, single_line: bool
) -> str:
    if key not in front.data:
        issues.error(front.path, 1, f"clé obligatoire « {key} » manquante")
        return ""
    value = front.data[key]
    line = front.line_of(key)
    if value is None:
        issues.error(front.path, line, f"« {key} » ne doit pas être vide")
        return ""
    if not isinstance(value, str):
        issues.error(front.path, line, f"« {key} » doit être un texte (mettez-le entre guillemets)")
        return ""
    value = value.strip()
    if not value:
        issues.error(front.path, line, f"« {key} » ne doit pas être vide")
    elif len(value) > max_len:
        issues.error(front.path, line,
                     f"« {key} » est trop long ({len(value)} caractères, maximum {max_len})")
    elif single_line and "\n" in value:
        issues.error(front.path, line, f"« {key} » doit tenir sur une seule ligne")
    return value


def _int_field(
    front: FrontMatter,
    key: str,
    low: int,
    high: int,
    default: int | None,
    issues: Issues,
    *,
    unit: str = "",
) -> int:
    if key not in front.data:
        if default is None:
            issues.error(front.path, 1, f"clé obligatoire « {key} » manquante")
            return low
        return default
    value = front.data[key]
    line = front.line_of(key)
    # bool is a subclass of int in Python: "duration: yes" must not become 1.
    if isinstance(value, bool) or not isinstance(value, int):
        issues.error(front.path, line, f"« {key} » doit être un nombre entier{unit}")
        return default if default is not None else low
    if not low <= value <= high:
        issues.error(front.path, line,
                     f"« {key} » doit être compris entre {low} et {high}{unit} (valeur : {value})")
    return value


def _str_list_field(
    front: FrontMatter, key: str, default: tuple[str, ...], issues: Issues
) -> list[str] | None:
    """Return the stripped, de-duplicated strings of a list key (None if invalid)."""
    if key not in front.data:
        return list(default)
    value = front.data[key]
    line = front.line_of(key)
    if value is None:
        return list(default)
    # A lone value ("audience: agent") is an obvious intent; accept it.
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        issues.error(front.path, line, f"« {key} » doit être une liste, par ex. [a, b]")
        return None
    result: list[str] = []
    ok = True
    for item in value:
        if not isinstance(item, str) or not item.strip():
            issues.error(
                front.path, line, f"« {key} » : chaque élément doit être un texte non vide"
            )
            ok = False
            continue
        item = item.strip()
        if item not in result:
            result.append(item)
    return result if ok else None


def validate_module_meta(front: FrontMatter, issues: Issues) -> dict[str, Any]:
    check_unknown_keys(front, MODULE_KEYS, issues)
    meta: dict[str, Any] = {
        "title": text_field(front, "title", TITLE_MAX, issues, single_line=True),
        "summary": text_field(front, "summary", SUMMARY_MAX, issues, single_line=False),
        "duration": _int_field(front, "duration", 1, 600, None, issues, unit=" (en minutes)"),
        "pass_score": _int_field(
            front, "pass_score", 0, 100, DEFAULT_PASS_SCORE, issues, unit=" (en %)"
        ),
    }

    audience = _str_list_field(front, "audience", DEFAULT_AUDIENCE, issues)
    if audience is not None:
        line = front.line_of("audience")
        unknown = [role for role in audience if role not in ROLES]
        if unknown:
            issues.error(front.path, line,
                         f"« audience » : rôle inconnu {safe_yaml.describe(', '.join(unknown))} "
                         f"(rôles possibles : {', '.join(ROLES)})")
        elif not audience:
            issues.error(front.path, line, "« audience » doit contenir au moins un rôle")
    meta["audience"] = audience or list(DEFAULT_AUDIENCE)
    meta["competences"] = _str_list_field(front, "competences", (), issues) or []

    level = front.data.get("level", DEFAULT_LEVEL)
    # NFC: an "é" typed on macOS may arrive decomposed (e + combining accent).
    normalized = (
        unicodedata.normalize("NFC", level).strip().lower() if isinstance(level, str) else ""
    )
    if normalized not in LEVELS:
        issues.error(
            front.path,
            front.line_of("level"),
            f"« level » doit valoir {', '.join(LEVELS)} (valeur : {safe_yaml.describe(level)})",
        )
        normalized = DEFAULT_LEVEL
    meta["level"] = normalized

    version = front.data.get("version")
    if isinstance(version, bool | list | dict):
        issues.error(
            front.path, front.line_of("version"), "« version » doit être un texte ou un nombre"
        )
        version = None
    elif version is not None:
        # Numbers and dates are accepted as written ("version: 2" -> "2").
        version = str(version).strip() or None
    meta["version"] = version
    return meta

