from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from communities import demo
        from communities.sections import register, register_tab
        from practice import signals
        from practice.demo import learning as demo_learning
        from practice.demo import loops as demo_loops
        from practice.demo import requests as demo_requests
        from practice.demo import value as demo_value
        from practice.sections import learning, loops, requests, value
        from practice.services import learning as learning_services
        from practice.services import loops as loops_services

        signals.connect()

        register_tab("Requests", "practice:request-list", role="member", order=40, active_prefix="practice:request")
        register_tab("Learning", "practice:learning", role="member", order=50, active_prefix="practice:learning")

        # The community home and the dashboard (practice/sections/).
        register("home", "newcomer-path", order=15)(learning.home_newcomer_path)
        register("home", "open-requests", order=40)(requests.home_open_requests)
        register("dashboard", "practice-health", order=50)(requests.dashboard_practice_health)
        register("dashboard", "learning-loops", order=60)(loops.dashboard_learning_loops)
        register("dashboard", "captured-learning", order=70)(learning.dashboard_learning)

        # The weekly digest gains "newly published learning" (after the loops' own sections).
        loops_services.digest_section_register(learning_services.digest_new_learning)

        # The sponsor's value report: the page lives in communities; these sections (and the practice
        # contributions counted in its participation figures) come from practice/sections/value.py.
        register("value", "funnel", order=10)(value.value_funnel_section)
        register("value", "stories", order=20)(value.value_stories_section)
        register("value", "practice-health", order=30)(value.value_health_section)

        # The demo, after the communities' own: the requests; the value report's (learning loops inside its
        # default period, the last full quarter); how the remaining loops turned out, with reminders due now;
        # then the learning captured from requests and a closed loop.
        demo.register("practice", [demo_requests.seed, demo_value.seed, demo_loops.seed, demo_learning.seed])
