from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from communities.sections import register, register_tab
        from practice import sections

        register_tab("Requests", "practice:request-list", role="member", order=40, active_prefix="practice:request")
        register("home", "open-requests", order=40)(sections.home_open_requests)
        register("dashboard", "practice-health", order=50)(sections.dashboard_practice_health)
