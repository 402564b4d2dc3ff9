from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from communities.sections import register, register_tab
        from practice import sections, sections_learning, signals

        signals.connect()

        register_tab("Requests", "practice:request-list", role="member", order=40, active_prefix="practice:request")
        register("home", "open-requests", order=40)(sections.home_open_requests)
        register("dashboard", "practice-health", order=50)(sections.dashboard_practice_health)
        from practice import sections_loops

        register("dashboard", "learning-loops", order=60)(sections_loops.dashboard_learning_loops)
        register_tab("Learning", "practice:learning", role="member", order=50, active_prefix="practice:learning")
        register("home", "newcomer-path", order=15)(sections_learning.home_newcomer_path)
        register("dashboard", "captured-learning", order=70)(sections_learning.dashboard_learning)
        # The weekly digest gains "newly published learning" (after the loops' own sections).
        from practice.services import learning as learning_services
        from practice.services import loops as loops_services

        loops_services.digest_section_register(learning_services.digest_new_learning)

        # The sponsor's value report: the page lives in communities; these sections (and the practice
        # contributions counted in its participation figures) come from practice/sections_value.py.
        from practice import sections_value

        register("value", "funnel", order=10)(sections_value.value_funnel_section)
        register("value", "stories", order=20)(sections_value.value_stories_section)
        register("value", "practice-health", order=30)(sections_value.value_health_section)
