"""Cross-domain events. The core and change_portal send them; domain packages
(courses, forums) connect receivers in their init_app, so that dependencies keep
pointing one way."""

from blinker import Namespace

_signals = Namespace()

#: sent with (organisation, actor=None) after a collectivité is created; domains
#: add their defaults (forum categories…).
organisation_created = _signals.signal("organisation-created")

#: sent with (organisation, users=dict role->User) after the demo collectivité is
#: loaded; domains add their demo content.
demo_loaded = _signals.signal("demo-loaded")
