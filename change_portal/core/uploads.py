"""Checks of uploaded files, by their bytes (never by their name or the browser's
type), for change_portal's domains; the same rules as the courses' image checks
(courses/format uses `sniff_image`: this module is importable without Flask, which
`serve` imports when it is called).

Images: PNG, JPEG, GIF, WebP. SVG is recognised in order to refuse it (it can carry
script). Documents: PDF. Served files go out with their checked type, `nosniff`, a
sandbox CSP and a Content-Disposition (`serve`)."""

from __future__ import annotations

import re

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
DOCUMENT_TYPES = {".pdf": "application/pdf"}


def sniff_image(head: bytes) -> str | None:
    """The extension the first bytes of a file prove (".svg" included, to refuse it)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    stripped = head.lstrip()
    if stripped.startswith(b"<?xml") or stripped[:4].lower() == b"<svg":
        return ".svg"
    return None


def sniff(head: bytes) -> str | None:
    """Extension of an accepted image or document, or None (refused)."""
    if head.startswith(b"%PDF-"):
        return ".pdf"
    kind = sniff_image(head)
    return kind if kind in IMAGE_TYPES else None


def content_type(kind: str) -> str:
    return IMAGE_TYPES.get(kind) or DOCUMENT_TYPES[kind]


def serve(content: bytes, mime: str, filename: str, *, inline: bool):
    """A response for a stored upload that no browser will run as a page."""
    from flask import make_response

    resp = make_response(content)
    resp.headers["Content-Type"] = mime
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:100] or "fichier"
    resp.headers["Content-Disposition"] = (
        f'{"inline" if inline else "attachment"}; filename="{safe}"')
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp
