from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self) -> None:
        # Every page, tab, report part and demo seeder communities contributes, in order. practice places
        # its own among them in practice/apps.py (after=/before= a name below).
        from childsys.lib.ordering import Slot
        from communities import contributions, demo, sections, signals
        from communities.demo import direction, members, vibrancy
        from communities.sections import ReportPart, home, tab
        from communities.sections import value as value_sections
        from communities.sections import vibrancy as vibrancy_sections
        from communities.selectors import value as value_selectors
        from communities.services import erasure

        sections.register_tabs(
            "communities",
            [
                tab("Direction", "communities:direction"),
                tab("Members", "communities:members"),
                tab("Vibrancy", "communities:vibrancy"),
                tab("Dashboard", "communities:dashboard", role="facilitator"),
                tab("Value", "communities:value", role="facilitator"),
            ],
        )
        sections.register(
            "home",
            "communities",
            [
                Slot("purpose", home.home_purpose),
                Slot("vision", home.home_vision),
                Slot("objectives", home.home_objectives),
                Slot("recent_activity", home.home_activity),
            ],
        )
        # One builder, one computation of the vibrancy figures, six sections (vibrancy-overview … -participation).
        sections.register("dashboard", "communities", [Slot("vibrancy", vibrancy_sections.dashboard_vibrancy)])
        sections.register_report(
            "communities",
            [
                Slot(
                    "participation",
                    ReportPart(value_selectors.participation_figures, value_sections.value_participation),
                ),
                Slot("vibrancy", ReportPart(value_selectors.vibrancy_figures, value_sections.value_vibrancy)),
                Slot("objectives", ReportPart(value_selectors.objectives_figures, value_sections.value_objectives)),
            ],
        )
        demo.register("communities", [members.seed, direction.seed, vibrancy.seed])
        signals.connect()
        # What a member who deletes their account may also remove (practice registers its posts' kinds).
        contributions.register("communities", erasure.DIRECTION_CONTRIBUTIONS)
