"""The tabs of the community bar. Each area adds its line; practice adds its own in practice/apps.py."""

from communities.sections import register_tab

# register_tab(label, url_name, role=..., order=..., active_prefix=...)
register_tab("Vibrancy", "communities:vibrancy", role="member", order=30, active_prefix="communities:vibrancy")
register_tab("Dashboard", "communities:dashboard", role="facilitator", order=60, active_prefix="communities:dashboard")
register_tab("Members", "communities:members", role="member", order=20, active_prefix="communities:members")
