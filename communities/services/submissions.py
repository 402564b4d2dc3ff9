"""One post per submit: a creating form carries a one-time token; the first POST with it creates, a repeat
(a double click, a phone resending, another web process) is answered with what the first one created.

The token is claimed by inserting a ``Submission`` row in the same transaction as the creation. The
unique index serialises two concurrent POSTs with one token: the second insert waits for the first
transaction and then fails, so the second request creates nothing and answers with the first result.
If the creation fails (a validation error), its transaction rolls back with the token, and the user
can send the same form again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from communities.models import Submission, User

M = TypeVar("M", bound=models.Model)

TOKEN_FIELD = "submit_token"  # noqa: S105 - a form field name, not a secret


class AlreadySubmitted(Exception):
    """This form was sent before: ``target`` is what that POST created (None if it created nothing)."""

    def __init__(self, target: models.Model | None) -> None:
        super().__init__("already submitted")
        self.target = target


class SubmitOnceMixin(forms.Form):
    """Adds the hidden one-time token to a creating form (crispy renders it with the other fields)."""

    submit_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields[TOKEN_FIELD].initial = uuid.uuid4()

    def token(self) -> uuid.UUID | None:
        return self.cleaned_data.get(TOKEN_FIELD) if hasattr(self, "cleaned_data") else None


def token_from(data) -> uuid.UUID | None:
    """The token of a POST, read before (or without) validating the form."""
    try:
        return uuid.UUID(str(data.get(TOKEN_FIELD, "")))
    except ValueError:
        return None


def _target(submission: Submission | None) -> models.Model | None:
    if submission is None or submission.content_type_id is None:
        return None
    return submission.content_type.get_object_for_this_type(pk=submission.object_id)


def check_not_submitted(*, token: uuid.UUID | None, user: User) -> None:
    """Raise AlreadySubmitted when this user's token went through already (before rate limits count it)."""
    if token is None:
        return
    earlier = Submission.objects.filter(token=token, user=user).select_related("content_type").first()
    if earlier is not None:
        raise AlreadySubmitted(_target(earlier))


def submit_once(*, token: uuid.UUID | None, user: User, create: Callable[[], M]) -> M:
    """Run ``create()`` once per token; a repeat raises AlreadySubmitted with the first result.

    Without a token (a form from before this was deployed, a script) ``create()`` simply runs.
    """
    if token is None:
        return create()
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = Submission.objects.create(token=token, user=user)
        except IntegrityError:
            pass  # another request holds or held the token; answered below, outside this transaction
        else:
            created = create()
            if created is not None:
                submission.content_type = ContentType.objects.get_for_model(created)
                submission.object_id = created.pk
                submission.save(update_fields=["content_type", "object_id"])
            return created
    earlier = Submission.objects.filter(token=token).select_related("content_type").first()
    if earlier is None or earlier.user_id != user.pk:
        # A token is random and never shown to anyone else: someone else's is a forged form.
        raise AlreadySubmitted(None)
    raise AlreadySubmitted(_target(earlier))
