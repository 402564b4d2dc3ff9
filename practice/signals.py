"""Every saved or deleted request, response, loop, outcome, artefact or session makes the figures stale.

Connected in ``PracticeConfig.ready``. Conditional ``UPDATE``\\ s bypass these signals: the services
that use them call :func:`communities.figures.changed` themselves.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from communities import figures
from practice.models import AdviceResponse, Artefact, FollowUp, HelpRequest, Outcome, PracticeSession

WITH_COMMUNITY = (HelpRequest, FollowUp, Outcome, Artefact, PracticeSession)


def _community_changed(sender, instance, **kwargs) -> None:
    figures.changed(instance.community_id)


def _response_created(sender, instance: AdviceResponse, created: bool, **kwargs) -> None:
    # "Advice taken" counts requests with an "I'll try this"; the service saves it with its request
    # at hand. Responses are never deleted on their own: only with their request, which says so itself.
    if created:
        figures.changed(instance.request.community_id)


def _links_changed(sender, instance, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        figures.changed(instance.community_id)


def connect() -> None:
    for model in WITH_COMMUNITY:
        post_save.connect(_community_changed, sender=model, dispatch_uid=f"figures-{model.__name__}-save")
        post_delete.connect(_community_changed, sender=model, dispatch_uid=f"figures-{model.__name__}-delete")
    post_save.connect(_response_created, sender=AdviceResponse, dispatch_uid="figures-AdviceResponse-save")
    # Tags and sources, changed from the request's or the artefact's side (``instance`` is that object).
    for through in (
        HelpRequest.tags.through,
        Artefact.tags.through,
        Artefact.source_requests.through,
        Artefact.source_outcomes.through,
    ):
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"figures-{through.__name__}")
