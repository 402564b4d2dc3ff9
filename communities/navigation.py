"""The tabs of the community bar. Each area adds its line; practice adds its own in practice/apps.py."""

from communities.sections import register_tab
from communities.views import direction as _direction  # noqa: F401 - registers the Direction home sections
from communities.views import value as _value  # noqa: F401 - registers the value report's sections

# register_tab(label, url_name, role=..., order=..., active_prefix=...)
register_tab("Members", "communities:members", role="member", order=20, active_prefix="communities:members")
register_tab("Direction", "communities:direction", role="member", order=10, active_prefix="communities:direction")
register_tab("Vibrancy", "communities:vibrancy", role="member", order=30, active_prefix="communities:vibrancy")
register_tab("Dashboard", "communities:dashboard", role="facilitator", order=60, active_prefix="communities:dashboard")
register_tab("Value", "communities:value", role="facilitator", order=70, active_prefix="communities:value")
