from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self) -> None:
        from communities import demo, navigation  # noqa: F401 - navigation registers the community tabs
        from communities.demo import direction, members, vibrancy
        from communities.views import vibrancy as vibrancy_views  # noqa: F401 - registers the dashboard's vibrancy sections

        demo.register("communities", [members.seed, direction.seed, vibrancy.seed])
