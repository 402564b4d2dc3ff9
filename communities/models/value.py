"""The monthly value report: one row per sponsor, community and month, claimed before the email goes out."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .community import Community


class ValueReportDelivery(models.Model):
    """The value report of ``month`` went to ``user`` (a sponsor of ``community``).

    The row is inserted in the same transaction as the notification and the outbox email; the
    unique constraint makes the insert the claim, so two runs or two workers send one email.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="value_report_deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The first day of the calendar month (in the community's time zone) the email was sent in.
    month = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user", "month"], name="one_value_report_per_month"),
        ]
        indexes = [models.Index(fields=["month"], name="value_report_month")]

    def __str__(self) -> str:
        return f"Value report {self.month:%Y-%m} for {self.user_id} in {self.community_id}"
