"""A real Celery worker process, on the configured broker, delivers the email outbox."""

from __future__ import annotations

import pytest

from childsys.celery import app
from communities.models import OutboundEmail
from communities.services.notify import notify
from tests.factories import UserFactory
from tests.support.workers import celery_workers, wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_the_beat_schedule_sweeps_the_outbox_and_the_digests():
    schedule = app.conf.beat_schedule
    tasks = {entry["task"] for entry in schedule.values()}
    assert {"communities.tasks.send_outbound_email", "communities.tasks.send_daily_digests"} <= tasks
    for entry in schedule.values():
        assert entry["task"] in app.tasks or entry["task"].rsplit(".", 1)[0] in {
            "communities.tasks", "practice.tasks"
        }  # fmt: skip


def test_a_worker_process_sends_queued_email(tmp_path):
    user = UserFactory(email="reader@example.org")
    notify(recipients=[user], category="direction", title="The vision was adopted", url="/c/x/")
    email = OutboundEmail.objects.get()
    assert email.state == OutboundEmail.State.PENDING

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with celery_workers(1, email_dir=mail_dir, log_dir=tmp_path) as (worker,):
        # The web never enqueues; here the test plays beat and fires the sweep through the broker.
        app.send_task("communities.tasks.send_outbound_email")
        delivered = wait_until(lambda: OutboundEmail.objects.filter(state="sent").exists(), timeout=45)
        assert worker.poll() is None, (tmp_path / "worker-0.log").read_text()[-3000:]
    assert delivered, (tmp_path / "worker-0.log").read_text()[-3000:]
    files = list(mail_dir.iterdir())
    assert len(files) == 1
    content = files[0].read_text()
    assert f"Message-ID: {email.message_id}" in content
    assert "To: reader@example.org" in content
    assert "List-Unsubscribe:" in content
