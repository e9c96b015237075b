"""Reading a referential folder (YAML files a person can review) into plain data,
with every defect reported as `file:line: message`.

Layout (see change_portal/maturity/README.md):

    referentiel.yaml         slug, name, version, description, scale (0..5)
    themes/*.yaml            one theme per file, in file-name order

Parsing never touches the database: `load_folder` returns a ReferentialData or
raises ReferentialError with every defect found, so that nothing is half-loaded.
YAML anchors and aliases are refused (a reviewer must see every text where it
applies), and duplicate keys are errors instead of silently overwriting.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

SHIPPED = Path(__file__).parent / "referentiel"
LEVEL_KEYS = (0, 1, 2, 3, 4, 5)
MIN_STATEMENTS, MAX_STATEMENTS = 4, 8
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

ROOT_KEYS = {"slug", "name", "version", "description", "scale"}
THEME_KEYS = {"slug", "title", "description", "tags", "statements"}
STATEMENT_KEYS = {"key", "text", "levels"}


class ReferentialError(Exception):
    """Defects of a referential folder, each `file:line: message`."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class StatementData:
    key: str
    text: str
    levels: list[str]


@dataclass
class ThemeData:
    slug: str
    title: str
    description: str
    tags: list[str]
    statements: list[StatementData] = field(default_factory=list)


@dataclass
class ReferentialData:
    slug: str
    name: str
    label: str
    description: str
    scale: list[str]
    themes: list[ThemeData]

    def content_hash(self) -> str:
        """Same content, same hash: what sync compares to stay idempotent."""
        text = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Map(dict):
    """A mapping that remembers its line and the line of each key."""

    line = 0

    def __init__(self):
        super().__init__()
        self.lines: dict = {}


class _Seq(list):
    line = 0

    def __init__(self):
        super().__init__()
        self.lines: list[int] = []


class _Loader(yaml.SafeLoader):
    """SafeLoader keeping line numbers and refusing duplicate keys."""

    duplicates: list[tuple[int, object]]


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in result:
            loader.duplicates.append((line, key))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq()
    result.line = node.start_mark.line + 1
    for child in node.value:
        result.append(loader.construct_object(child, deep=True))
        result.lines.append(child.start_mark.line + 1)
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def parse_yaml(text: str, name: str, errors: list[str]):
    """Safe-load one document with line numbers; defects go to `errors`."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                errors.append(f"{name}:{event.start_mark.line + 1}: les ancres et alias YAML "
                              "(& et *) ne sont pas acceptés : écrivez chaque texte en entier")
                return None
        loader = _Loader(text)
        loader.duplicates = []
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(err, "problem", None) or str(err)
        errors.append(f"{name}:{line}: YAML invalide : {problem}")
        return None
    for line, key in loader.duplicates:
        errors.append(f"{name}:{line}: clé en double : {key}")
    return data


class _Checker:
    """Collects defects of one file with the line they sit on."""

    def __init__(self, name: str, errors: list[str]):
        self.name = name
        self.errors = errors

    def error(self, line: int, message: str) -> None:
        self.errors.append(f"{self.name}:{line}: {message}")

    def mapping(self, value, line: int, what: str, allowed: set[str]) -> _Map | None:
        if not isinstance(value, _Map):
            self.error(getattr(value, "line", line), f"{what} : un dictionnaire est attendu")
            return None
        for key in value:
            if key not in allowed:
                self.error(value.lines[key], f"clé inconnue « {key} » dans {what} "
                                             f"(clés permises : {', '.join(sorted(allowed))})")
        return value

    def text(self, m: _Map, key: str, what: str, *, required: bool = True) -> str:
        value = m.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(m.lines.get(key, m.line), f"{what} : « {key} » manque ou est vide")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(m.lines.get(key, m.line), f"{what} : « {key} » doit être un texte")
            return ""
        return str(value).strip()

    def slug(self, m: _Map, key: str, what: str) -> str:
        value = self.text(m, key, what)
        if value and not SLUG.match(value):
            self.error(m.lines[key], f"{what} : « {value} » n'est pas un identifiant valide "
                                     "(minuscules, chiffres et tirets)")
        return value

    def levels(self, m: _Map, what: str, key: str = "levels") -> list[str]:
        raw = m.get(key)
        line = m.lines.get(key, m.line)
        if not isinstance(raw, _Map):
            self.error(line, f"{what} : « {key} » doit décrire les niveaux 0 à 5")
            return []
        result = []
        for key in raw:
            if key not in LEVEL_KEYS:
                self.error(raw.lines[key], f"{what} : niveau inconnu « {key} » "
                                           "(niveaux permis : 0 à 5)")
        for level in LEVEL_KEYS:
            value = raw.get(level)
            if not isinstance(value, str) or not value.strip():
                self.error(raw.lines.get(level, line),
                           f"{what} : la description du niveau {level} manque")
                result.append("")
            else:
                result.append(value.strip())
        return result


def _read(path: Path, root: Path, errors: list[str]):
    name = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        errors.append(f"{name}:1: lecture impossible : {err}")
        return name, None
    return name, parse_yaml(text, name, errors)


def _theme(path: Path, root: Path, errors: list[str], seen: dict[str, str]) -> ThemeData | None:
    name, data = _read(path, root, errors)
    if data is None:
        return None
    check = _Checker(name, errors)
    m = check.mapping(data, 1, "le thème", THEME_KEYS)
    if m is None:
        return None
    slug = check.slug(m, "slug", "le thème")
    if slug in seen:
        check.error(m.lines["slug"], f"thème « {slug} » en double (déjà dans {seen[slug]})")
    elif slug:
        seen[slug] = name
    theme = ThemeData(slug=slug, title=check.text(m, "title", "le thème"),
                      description=check.text(m, "description", "le thème", required=False),
                      tags=[])
    tags = m.get("tags")
    if tags is not None:
        if not isinstance(tags, _Seq) or not all(isinstance(t, str) and t.strip() for t in tags):
            check.error(m.lines["tags"], "le thème : « tags » doit être une liste de textes")
        else:
            theme.tags = [t.strip() for t in tags]
    statements = m.get("statements")
    if not isinstance(statements, _Seq) or not statements:
        check.error(m.lines.get("statements", m.line),
                    f"le thème « {slug} » n'a aucune affirmation (« statements »)")
        return theme
    if not MIN_STATEMENTS <= len(statements) <= MAX_STATEMENTS:
        check.error(m.lines["statements"],
                    f"le thème « {slug} » a {len(statements)} affirmations : il en faut de "
                    f"{MIN_STATEMENTS} à {MAX_STATEMENTS}")
    keys: set[str] = set()
    for index, raw in enumerate(statements, start=1):
        what = f"l'affirmation {index}"
        s = check.mapping(raw, statements.lines[index - 1], what, STATEMENT_KEYS)
        if s is None:
            continue
        key = check.slug(s, "key", what)
        if key in keys:
            check.error(s.lines["key"], f"{what} : clé « {key} » en double dans ce thème")
        keys.add(key)
        theme.statements.append(StatementData(key=key, text=check.text(s, "text", what),
                                              levels=check.levels(s, what)))
    return theme


def load_folder(folder: Path | str) -> ReferentialData:
    """Parse and check a referential folder; raise ReferentialError listing
    every defect (file:line: message)."""
    root = Path(folder)
    errors: list[str] = []
    index = root / "referentiel.yaml"
    if not root.is_dir() or not index.is_file():
        raise ReferentialError([f"{index}:1: fichier introuvable (un référentiel est un "
                                "dossier avec referentiel.yaml et themes/*.yaml)"])
    name, data = _read(index, root, errors)
    ref = ReferentialData(slug="", name="", label="", description="", scale=[], themes=[])
    if data is not None:
        check = _Checker(name, errors)
        m = check.mapping(data, 1, "le référentiel", ROOT_KEYS)
        if m is not None:
            ref.slug = check.slug(m, "slug", "le référentiel")
            ref.name = check.text(m, "name", "le référentiel")
            ref.label = check.text(m, "version", "le référentiel")
            ref.description = check.text(m, "description", "le référentiel", required=False)
            ref.scale = check.levels(m, "le référentiel", key="scale")
    theme_files = sorted((root / "themes").glob("*.yaml")) if (root / "themes").is_dir() else []
    if not theme_files:
        errors.append(f"{root / 'themes'}:1: aucun thème (themes/*.yaml)")
    seen: dict[str, str] = {}
    for path in theme_files:
        theme = _theme(path, root, errors, seen)
        if theme is not None:
            ref.themes.append(theme)
    if errors:
        raise ReferentialError(errors)
    return ref
