"""The tabs of the community bar. Each area adds its line; practice adds its own in practice/apps.py."""

from communities.sections import register_tab

# register_tab(label, url_name, role=..., order=..., active_prefix=...)
