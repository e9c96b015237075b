"""A page of a topic's messages for one reader: the shared parts (forums.shared.topic_posts)
with the reader's own bits: their name on their anonymous messages, "Utile" (pressed
or not, disabled on their own messages, the counts), the links to edit and delete
their messages, "Retenir comme réponse" for the topic's author, the moderators' tools.

Assembled in Python rather than in a template loop: twenty messages of a few dozen
template operations each were the largest part of the topic page's CPU (issue 15).
Every text is escaped here; the shared parts' HTML and URLs are escaped already.
"""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

from forums.queries import PostExtras

_FORM = '<form method="post" action="{action}" class="inline-form">{csrf}{button}</form>'
_BUTTON = '<button type="submit" class="button-link"{attrs}>{text}</button>'


def render_posts(rows: list, extras: PostExtras, *, viewer_id: int, viewer_name: str,
                 topic_author_id: int | None, locked: bool, moderator: bool,
                 csrf_field: str) -> Markup:
    """The <li> of each message of `rows` (forums.shared.SharedPost) as the reader sees
    them. `csrf_field`: the page's one hidden CSRF input."""
    t = {k: escape(v) for k, v in {
        "useful": _("Utile"), "report": _("Signaler"), "edit": _("Modifier"),
        "delete": _("Supprimer"), "accept": _("Retenir comme réponse"),
        "unaccept": _("Ne plus retenir"), "restore": _("Rétablir"), "hide": _("Masquer"),
        "history": _("Historique des modifications")}.items()}
    may_accept = topic_author_id == viewer_id or moderator
    own_label = escape(viewer_name)
    out: list[str] = []
    for p in rows:
        own = p.author_id is not None and p.author_id == viewer_id
        label = own_label if p.anonymous and own and not moderator else escape(p.label)
        out.append(f"{p.top}{label}{p.middle}")
        if p.deleted:
            if moderator and p.id in extras.revised:
                out.append(f'<p><a href="{p.url_history}">{t["history"]}</a></p>')
            out.append("</li>")
            continue
        if p.visible:
            n = extras.useful.get(p.id, 0)
            pressed = "true" if p.id in extras.mine else "false"
            attrs = f'{" disabled" if own else ""} aria-pressed="{pressed}"'
            count = n if n < 1000 else escape(format_decimal(n))
            out.append(_FORM.format(action=p.url_useful, csrf=csrf_field, button=_BUTTON.format(
                attrs=attrs, text=f'{t["useful"]} ({count})')))
            out.append(f'<a href="{p.url_report}">{t["report"]}</a>')
        if own:
            if not locked:
                out.append(f'<a href="{p.url_edit}">{t["edit"]}</a>')
            out.append(_FORM.format(action=p.url_delete, csrf=csrf_field,
                                    button=_BUTTON.format(attrs="", text=t["delete"])))
        if not p.is_first and p.visible and may_accept:
            out.append(_FORM.format(action=p.url_accept, csrf=csrf_field, button=_BUTTON.format(
                attrs="", text=t["unaccept"] if p.accepted else t["accept"])))
        if moderator:
            out.append(_FORM.format(action=p.url_moderate, csrf=csrf_field, button=_BUTTON.format(
                attrs="", text=t["restore"] if p.hidden else t["hide"])))
            if p.id in extras.revised:
                out.append(f'<a href="{p.url_history}">{t["history"]}</a>')
        out.append("</div></li>")
    return Markup("\n".join(out))  # noqa: S704 - escaped above, or escaped HTML
