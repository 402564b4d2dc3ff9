from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        # Practice registers its community tabs and its home/dashboard sections here, e.g.
        # from communities.sections import register, register_tab
        pass
