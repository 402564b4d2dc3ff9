from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self) -> None:
        from communities import navigation  # noqa: F401 - registers the community tabs
        from communities.views import vibrancy  # noqa: F401 - registers the dashboard's vibrancy sections
