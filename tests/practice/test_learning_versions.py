"""An artefact's versions: what each one changed, word by word, and restoring an earlier one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice.models import Artefact, ArtefactVersion
from practice.selectors import learning as selectors
from practice.services import learning

pytestmark = pytest.mark.django_db

FIRST = "Ask the buddy ward nurse for the second check."
SECOND = "Ask the pharmacy nurse for the second check before 22:00."


@pytest.fixture
def faq(community, member, core):
    """A published FAQ: version 1 by the member, version 2 an edit by the core member."""
    artefact = learning.artefact_create(
        community=community,
        author=member,
        kind=Artefact.Kind.FAQ,
        title="Second checks at night",
        fields={"question": "Who does the second check at night?", "answer": FIRST},
    )
    learning.artefact_publish(artefact=artefact, actor=core)
    learning.artefact_edit(
        artefact=artefact,
        editor=core,
        title="Second checks at night",
        fields={"question": "Who does the second check at night?", "answer": SECOND},
        tags=[],
    )
    artefact.refresh_from_db()
    return artefact


def _url(artefact: Artefact, number: int, name: str = "practice:learning-version") -> str:
    version = artefact.versions.get(number=number)
    return reverse(name, kwargs={"slug": artefact.community.slug, "pk": artefact.pk, "version_pk": version.pk})


def _version_url(artefact: Artefact, number: int) -> str:
    return _url(artefact, number)


def _restore_url(artefact: Artefact, number: int) -> str:
    return _url(artefact, number, "practice:learning-version-restore")


def test_it_diffs_word_by_word_keeping_the_spaces():
    assert selectors.word_diff(FIRST, SECOND) == [
        ("equal", "Ask the "),
        ("delete", "buddy ward "),
        ("insert", "pharmacy "),
        ("equal", "nurse for the second "),
        ("delete", "check."),
        ("insert", "check before 22:00."),
    ]
    assert selectors.word_diff("Night shifts.\n\nPlan", "Night shifts.\n\nPlan ahead") == [
        ("equal", "Night shifts.\n\n"),
        ("delete", "Plan"),
        ("insert", "Plan ahead"),
    ]
    assert selectors.word_diff("same", "same") == [("equal", "same")]


def test_a_version_page_shows_what_changed_since_the_one_before(as_user, faq, member):
    html = as_user(member).get(_version_url(faq, 2)).content.decode()
    assert "Changes from" in html and "version 1</a>" in html
    assert '<del><span class="visually-hidden">removed: </span>buddy ward </del>' in html
    assert '<ins><span class="visually-hidden">added: </span>pharmacy </ins>' in html
    assert '<h3 class="h6 mt-3">Answer</h3>' in html
    assert '<h3 class="h6 mt-3">Question</h3>' not in html  # unchanged fields are not listed
    first = as_user(member).get(_version_url(faq, 1)).content.decode()
    assert "Changes from" not in first  # nothing before version 1


def test_changed_text_is_escaped_in_the_diff(as_user, faq, core, member):
    learning.artefact_edit(
        artefact=faq,
        editor=core,
        title=faq.title,
        fields={"question": faq.question, "answer": SECOND + " <script>alert(1)</script>"},
        tags=[],
    )
    html = as_user(member).get(_version_url(faq, 3)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_core_group_restores_an_earlier_version_as_a_new_one(as_user, faq, core):
    client = as_user(core)
    assert "Restore this version" in client.get(_version_url(faq, 1)).content.decode()
    response = client.post(_restore_url(faq, 1), follow=True)
    assert response.redirect_chain[-1][0] == faq.get_absolute_url()
    assert "Version 1 restored: it is now version 3." in response.content.decode()
    faq.refresh_from_db()
    assert (faq.answer, faq.version) == (FIRST, 3)
    latest = faq.versions.get(number=3)
    assert (latest.author, latest.note, latest.fields["answer"]) == (core, "Restored version 1", FIRST)
    assert ArtefactVersion.objects.filter(artefact=faq).count() == 3  # nothing lost


def test_restoring_the_current_text_changes_nothing(as_user, faq, core):
    response = as_user(core).post(_restore_url(faq, 2), follow=True)
    assert "Version 2 is the current text already." in response.content.decode()
    assert faq.versions.count() == 2
    assert "Restore this version" not in as_user(core).get(_version_url(faq, 2)).content.decode()


def test_members_who_may_not_edit_cannot_restore(as_user, faq, newcomer):
    assert "Restore this version" not in as_user(newcomer).get(_version_url(faq, 1)).content.decode()
    assert as_user(newcomer).post(_restore_url(faq, 1)).status_code == 403
    faq.refresh_from_db()
    assert (faq.answer, faq.versions.count()) == (SECOND, 2)
    with pytest.raises(PermissionDenied):
        learning.artefact_restore(artefact=faq, version=faq.versions.get(number=1), editor=newcomer)


def test_a_version_of_another_artefact_is_refused(faq, community, core):
    other = learning.artefact_create(
        community=community, author=core, kind=Artefact.Kind.INSIGHT, title="Nights", fields={"insight": "Plan."}
    )
    with pytest.raises(ValidationError):
        learning.artefact_restore(artefact=faq, version=other.versions.get(), editor=core)


def test_a_version_page_costs_the_same_queries_however_long_the_history(
    as_user, faq, core, member, django_assert_num_queries
):
    client = as_user(member)
    client.get(_version_url(faq, 2))
    with CaptureQueriesContext(connection) as short:
        client.get(_version_url(faq, 2))
    for n in range(8):
        learning.artefact_edit(
            artefact=faq, editor=core, title=faq.title, fields={"question": faq.question, "answer": f"{SECOND} {n}"}
        )
    with django_assert_num_queries(len(short.captured_queries)):
        assert client.get(_version_url(faq, 10)).status_code == 200
