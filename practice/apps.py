from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        # What practice adds to the pages communities owns (communities/apps.py lists its own, and the
        # names placed against here), the digest, and the demo.
        from childsys.lib.ordering import Slot
        from communities import contributions, demo, post_actions, sections
        from communities.sections import ReportPart, tab
        from practice import signals
        from practice.contributions import PRACTICE_CONTRIBUTIONS, last_email_reply
        from practice.demo import learning as demo_learning
        from practice.demo import loops as demo_loops
        from practice.demo import privacy as demo_privacy
        from practice.demo import requests as demo_requests
        from practice.demo import sessions as demo_sessions
        from practice.demo import value as demo_value
        from practice.inbound import webhooks as inbound_webhooks
        from practice.sections import learning, loops, requests, sessions, value
        from practice.selectors import value as value_selectors
        from practice.views.privacy import DIRECTION_REPORT_URLS

        signals.connect()
        # What a member deleting their account may also remove, and what of it others' posts depend on.
        contributions.register("practice", PRACTICE_CONTRIBUTIONS)
        contributions.register_activity("practice", [last_email_reply])
        inbound_webhooks.connect()
        # "Report a privacy concern" on the Direction's member posts (the report and its review live here).
        for model, report_url in DIRECTION_REPORT_URLS.items():
            post_actions.register(model, report_url)

        sections.register_tabs(
            "practice",
            [
                tab(
                    "Requests", "practice:request-list", active_prefix="practice:request", after="communities:vibrancy"
                ),
                tab("Learning", "practice:learning"),
                tab("Sessions", "practice:session-list", active_prefix="practice:session"),
            ],
        )
        sections.register(
            "home",
            "practice",
            [
                # "Start here" leads a newcomer's home (it shows to newcomers only, so others keep their order).
                Slot("newcomer-path", learning.home_newcomer_path, before="purpose"),
                Slot("open-requests", requests.home_open_requests, after="objectives"),
            ],
        )
        sections.register(
            "dashboard",
            "practice",
            [
                Slot("practice-health", requests.dashboard_practice_health, after="vibrancy"),
                Slot("learning-loops", loops.dashboard_learning_loops),
                Slot("captured-learning", learning.dashboard_learning),
                Slot("practice-sessions", sessions.dashboard_sessions),
            ],
        )
        # The sponsor's value report: the page lives in communities; these parts come first.
        sections.register_report(
            "practice",
            [
                Slot(
                    "funnel",
                    ReportPart(value_selectors.funnel_figures, value.value_funnel_section),
                    before="participation",
                ),
                Slot("stories", ReportPart(value_selectors.stories_figures, value.value_stories_section)),
                Slot("practice-health", ReportPart(value_selectors.health_figures, value.value_health_section)),
                Slot(
                    "practice-sessions",
                    ReportPart(value_selectors.session_participation_figures, value.value_sessions_section),
                    after="participation",
                ),
            ],
        )

        # The demo, after the communities' own: the requests; the value report's (learning loops inside its
        # default period, the last full quarter); how the remaining loops turned out, with reminders due now;
        # then the learning captured from requests and a closed loop; then the practice sessions;
        # last, a redacted post and an open privacy concern.
        demo.register(
            "practice",
            [
                demo_requests.seed,
                demo_value.seed,
                demo_loops.seed,
                demo_learning.seed,
                demo_sessions.seed,
                demo_privacy.seed,
            ],
        )
