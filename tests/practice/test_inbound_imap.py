"""The IMAP poller against a real Dovecot on loopback: replies appended by IMAP become advice once,
and a worker killed mid-batch loses nothing and duplicates nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from imapclient import IMAPClient

from practice.inbound import imap
from practice.inbound.service import process_inbound
from practice.models import Advice, InboundEmail
from tests.practice.inbound_helpers import REPLY_DOMAIN, reply, reply_to_of
from tests.support.imap_server import dovecot_imap  # noqa: F401 - the fixture
from tests.support.workers import ROOT, worker_env

TEXTS = ["First idea: a second nurse.", "Second idea: the site manager.", "Third idea: a video check."]


@pytest.fixture
def replies(settings, post_request, expert, tags, dovecot_imap):  # noqa: F811
    """Three replies of the expert to one request email, delivered to the mailbox by IMAP APPEND."""
    settings.REPLY_DOMAIN = REPLY_DOMAIN
    settings.INBOUND_IMAP_URL = dovecot_imap.url()
    help_request = post_request(tags=[tags["medication"]])
    address = reply_to_of(expert, "New request")
    raws = [reply(to=address, sender="core@example.org", text=text) for text in TEXTS]
    with _client(dovecot_imap) as client:
        for raw in raws:
            client.append("INBOX", raw)
    return help_request, raws


def _client(server) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    client.login(server.user, server.password)
    return client


def _count(server, folder: str) -> int:
    with _client(server) as client:
        if not client.folder_exists(folder):
            return 0
        return client.select_folder(folder, readonly=True)[b"EXISTS"]


@pytest.mark.django_db
def test_the_poller_posts_each_reply_once_and_files_it(replies, dovecot_imap):  # noqa: F811
    help_request, _ = replies
    result = imap.poll()
    assert result.seen == 3 and result.states == {"processed": 3}
    assert sorted(Advice.objects.filter(request=help_request).values_list("body", flat=True)) == sorted(TEXTS)
    assert _count(dovecot_imap, "INBOX") == 0 and _count(dovecot_imap, "Processed") == 3
    assert imap.poll().seen == 0  # a second run finds nothing left
    assert Advice.objects.count() == 3
    assert set(InboundEmail.objects.values_list("source", flat=True)) == {"imap"}


@pytest.mark.django_db
def test_a_message_processed_but_not_moved_is_only_moved_next_time(replies, dovecot_imap):  # noqa: F811
    _, raws = replies
    process_inbound(raws[0], source="imap")  # a worker that died right after posting, before the MOVE
    result = imap.poll()
    assert result.seen == 3 and Advice.objects.count() == 3
    assert _count(dovecot_imap, "Processed") == 3


@pytest.mark.django_db
def test_a_failed_message_goes_to_the_failed_folder_and_is_kept(replies, dovecot_imap, monkeypatch):  # noqa: F811
    from practice.services import requests as services

    original = services.advice_create

    def second_fails(**kwargs):
        if kwargs["body"] == TEXTS[1]:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(services, "advice_create", second_fails)
    assert imap.poll().states == {"processed": 2, "failed": 1}
    assert _count(dovecot_imap, "Failed") == 1 and _count(dovecot_imap, "Processed") == 2
    failed = InboundEmail.objects.get(state=InboundEmail.State.FAILED)
    assert "disk full" in failed.error and failed.raw


KILLER = textwrap.dedent(
    """
    import os, signal
    import django
    django.setup()
    from practice.services import requests as services
    original, calls = services.advice_create, []
    def advice_then_die(**kwargs):
        calls.append(1)
        advice = original(**kwargs)
        if len(calls) == 2:  # mid-batch, mid-message: the advice is written, the transaction not committed
            os.kill(os.getpid(), signal.SIGKILL)
        return advice
    services.advice_create = advice_then_die
    from practice.inbound import imap
    imap.poll()
    """
)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(replies, dovecot_imap):  # noqa: F811
    help_request, _ = replies
    env = worker_env(extra={"INBOUND_IMAP_URL": dovecot_imap.url(), "REPLY_DOMAIN": REPLY_DOMAIN})
    worker = subprocess.run([sys.executable, "-c", KILLER], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert worker.returncode == -9, worker.stderr.decode()[-3000:]
    assert list(Advice.objects.values_list("body", flat=True)) == [TEXTS[0]]  # the second rolled back
    assert _count(dovecot_imap, "INBOX") == 2
    result = imap.poll()  # the next run
    assert result.seen == 2
    assert sorted(Advice.objects.filter(request=help_request).values_list("body", flat=True)) == sorted(TEXTS)
    assert InboundEmail.objects.filter(state=InboundEmail.State.PROCESSED).count() == 3
    assert _count(dovecot_imap, "INBOX") == 0 and _count(dovecot_imap, "Processed") == 3


@pytest.mark.django_db
def test_the_beat_task_polls_the_configured_mailbox(replies, settings):
    from practice import tasks

    assert tasks.poll_inbound_email() == 3 and Advice.objects.count() == 3
    settings.INBOUND_IMAP_URL = ""
    assert tasks.poll_inbound_email() == 0
