"""The route table of the guard-rail tests: every URL of the portal, its arguments, and who gets what.

``ROUTES`` has one line per URL name. A line says

* what a GET answers each persona (``page(...)``), or, for an action that only accepts POST,
  who may post it (``action(...)``; a GET then gives 405, or the login page to anonymous visitors);
* which seeded object fills each URL argument besides ``slug`` (``pk="help_request"``): the
  ``world`` fixture (``tests/guards/conftest.py``) makes one object of every kind in the private
  ``community`` and one in ``other_community``.

The slug is always the private ``community`` (``med-safety``), whose personas are defined in
``tests/conftest.py``. The access-control matrix, the CSRF test and the safe-methods test all read
this table, and they fail when the resolver knows a route the table does not (or the reverse).

Adding a route: add ONE line, e.g. ``"practice:learning": page(MEMBER_PAGE),`` or
``"practice:learning-item": page(MEMBER_PAGE, pk="learning_item"),`` (add the kind to the world).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from communities.models import Role

# Statuses besides plain numbers.
LOGIN = "login"  # 302 to the login page, ?next= the page asked for
ALLOWED = "allowed"  # access granted: the view ran for this persona (not 403/404/405, not sent to log in)

PERSONAS = ("anonymous", "outsider", "stranger", "site_admin", "newcomer", "member", "core", "facilitator", "sponsor")
NON_MEMBERS = ("outsider", "stranger", "site_admin")  # site admins are outsiders inside private communities
MEMBERS = {
    "newcomer": Role.MEMBER,
    "member": Role.MEMBER,
    "core": Role.CORE,
    "facilitator": Role.FACILITATOR,
    "sponsor": Role.SPONSOR,
}

Expect = dict[str, int | str]


def community_page(role: Role | None, *, ok: int | str = 200) -> Expect:
    """A page of the private community for ``role`` and above: outsiders 404, members below the role 403.

    ``role=None``: no role suffices (only the people a row names, e.g. the author, get ``ok``).
    """
    expected: Expect = {"anonymous": LOGIN} | dict.fromkeys(NON_MEMBERS, 404)
    for persona, held in MEMBERS.items():
        expected[persona] = ok if role is not None and held.rank >= role.rank else 403
    return expected


PUBLIC = dict.fromkeys(PERSONAS, 200)
SIGNED_IN = PUBLIC | {"anonymous": LOGIN}
MEMBER_PAGE = community_page(Role.MEMBER)
CORE_PAGE = community_page(Role.CORE)
FACILITATOR_PAGE = community_page(Role.FACILITATOR)
SPONSOR_PAGE = community_page(Role.SPONSOR)

SIGNED_IN_ACTION = dict.fromkeys(PERSONAS, ALLOWED) | {"anonymous": LOGIN}
MEMBER_ACTION = community_page(Role.MEMBER, ok=ALLOWED)
CORE_ACTION = community_page(Role.CORE, ok=ALLOWED)
FACILITATOR_ACTION = community_page(Role.FACILITATOR, ok=ALLOWED)
SPONSOR_ACTION = community_page(Role.SPONSOR, ok=ALLOWED)
AUTHOR_ACTION = community_page(None, ok=ALLOWED)  # add the author: AUTHOR_ACTION | {"member": ALLOWED}
# Inbound email webhooks: 404 for everyone while the provider's secret is not configured (as here);
# configured, only a correctly signed POST gets in (tests/practice/test_inbound_webhooks.py).
INBOUND_WEBHOOK = dict.fromkeys(PERSONAS, 404)
# A GET of a POST-only action: anonymous visitors log in first, everyone else gets 405.
POST_ONLY = dict.fromkeys(PERSONAS, 405) | {"anonymous": LOGIN}


@dataclass(frozen=True)
class Route:
    get: Expect
    post: Expect | None = None  # POST-only actions: who may post
    args: dict[str, str] = field(default_factory=dict)  # URL argument -> kind of seeded object

    @property
    def object_args(self) -> dict[str, str]:
        """Arguments that are ids of community objects (tokens are credentials, not ids)."""
        return {arg: kind for arg, kind in self.args.items() if not kind.endswith("_token")}


def page(get: Expect, **args: str) -> Route:
    return Route(get=get, args=args)


def action(post: Expect, **args: str) -> Route:
    return Route(get=POST_ONLY, post=post, args=args)


# Who wrote what in the world fixture: ``member`` asked the help request, owns the objective and wrote
# the discussion comment; ``core`` wrote the vision draft and the advice; the notification is ``sponsor``'s.
ROUTES: dict[str, Route] = {
    "healthz": page(PUBLIC),
    "inbound-mailgun": page(INBOUND_WEBHOOK),
    "inbound-postmark": page(INBOUND_WEBHOOK),
    "communities:index": page(PUBLIC),
    "communities:create": page(SIGNED_IN),
    "communities:home": page(MEMBER_PAGE),
    "communities:join": action(MEMBER_ACTION),  # members: "already a member"
    "communities:settings": page(FACILITATOR_PAGE),
    # Direction
    "communities:direction": page(MEMBER_PAGE),
    "communities:direction-purpose": page(SPONSOR_PAGE),
    "communities:direction-purpose-history": page(MEMBER_PAGE),
    "communities:direction-draft-create": page(CORE_PAGE),
    "communities:direction-draft": page(MEMBER_PAGE, pk="vision_draft"),
    "communities:direction-draft-edit": page(CORE_PAGE, pk="vision_draft"),  # core wrote it
    "communities:direction-draft-open": action(CORE_ACTION, pk="vision_draft"),
    "communities:direction-draft-withdraw": action(CORE_ACTION, pk="vision_draft"),
    "communities:direction-draft-adopt": action(FACILITATOR_ACTION, pk="vision_draft"),
    "communities:direction-draft-stance": action(MEMBER_ACTION, pk="vision_draft"),
    "communities:direction-draft-comment": action(MEMBER_ACTION, pk="vision_draft"),
    "communities:direction-inquiry-create": page(FACILITATOR_PAGE),
    "communities:direction-inquiry": page(MEMBER_PAGE, pk="inquiry"),
    "communities:direction-inquiry-edit": page(FACILITATOR_PAGE, pk="inquiry"),
    "communities:direction-inquiry-contribute": action(MEMBER_ACTION, pk="inquiry"),
    "communities:direction-inquiry-close": action(FACILITATOR_ACTION, pk="inquiry"),
    "communities:direction-strategy": page(FACILITATOR_PAGE),
    "communities:direction-objective-create": page(FACILITATOR_PAGE),
    "communities:direction-objective-edit": page(FACILITATOR_PAGE, pk="objective"),
    "communities:direction-objective-move": action(FACILITATOR_ACTION, pk="objective"),
    "communities:direction-objective-status": action(FACILITATOR_ACTION | {"member": ALLOWED}, pk="objective"),
    "communities:direction-value": page(FACILITATOR_PAGE),
    "communities:direction-value-publish": action(FACILITATOR_ACTION),
    "communities:pitch": page(PUBLIC),  # published: the one page of a private community outsiders may read
    # Members
    "communities:members": page(MEMBER_PAGE),
    "communities:members-expertise": page(MEMBER_PAGE),
    "communities:members-leave": action(MEMBER_ACTION),
    "communities:members-invite": page(FACILITATOR_PAGE),
    "communities:members-role": action(FACILITATOR_ACTION, pk="membership"),
    "communities:members-remove": action(FACILITATOR_ACTION, pk="membership"),
    "communities:members-request-approve": action(FACILITATOR_ACTION, pk="join_request"),
    "communities:members-request-decline": action(FACILITATOR_ACTION, pk="join_request"),
    "communities:members-invitation-revoke": action(FACILITATOR_ACTION, pk="invitation"),
    "communities:join-request": page(MEMBER_PAGE | dict.fromkeys(MEMBERS, 302)),  # members: "already a member"
    "communities:join-request-withdraw": action(MEMBER_ACTION),
    "communities:activity": page(FACILITATOR_PAGE),
    "communities:privacy-check": action(MEMBER_ACTION),  # the patient-identifier check while typing
    "communities:invitation": page(PUBLIC, token="invitation_token"),  # the token is the credential
    # Vibrancy and the dashboard
    "communities:vibrancy": page(MEMBER_PAGE),
    "communities:vibrancy-round-open": page(FACILITATOR_PAGE),
    "communities:vibrancy-round-close": action(FACILITATOR_ACTION, pk="vibrancy_round"),
    "communities:vibrancy-focus": page(FACILITATOR_PAGE),
    "communities:dashboard": page(FACILITATOR_PAGE),
    "communities:dashboard-vibrancy-csv": page(FACILITATOR_PAGE),
    # The sponsor's value report
    "communities:value": page(FACILITATOR_PAGE),
    "communities:value-csv": page(FACILITATOR_PAGE),
    # Notifications (per user, outside communities)
    "communities:notifications": page(SIGNED_IN),
    "communities:notification-read": action(
        dict.fromkeys(PERSONAS, 404) | {"anonymous": LOGIN, "sponsor": ALLOWED}, pk="notification"
    ),
    "communities:notifications-read-all": action(SIGNED_IN_ACTION),
    "communities:unsubscribe": page(PUBLIC, token="unsubscribe_token"),  # signed token, no session (RFC 8058)
    "communities:security-log": page(SIGNED_IN),  # one's own sign-in changes
    "communities:account-delete": page(SIGNED_IN),  # deleting one's own account (POST needs re-authentication)
    "communities:data-export": page(SIGNED_IN),  # downloading one's own data: what it holds, asking for one
    # The download is the sponsor's: anyone else 404; the sponsor is asked to confirm the sign-in first.
    "communities:data-export-download": page(
        dict.fromkeys(PERSONAS, 404) | {"anonymous": LOGIN, "sponsor": 302}, token="data_export_token"
    ),
    # Help requests
    "practice:request-list": page(MEMBER_PAGE),
    "practice:request-new": page(MEMBER_PAGE),
    "practice:request-detail": page(MEMBER_PAGE, pk="help_request"),
    "practice:request-edit": page(FACILITATOR_PAGE | {"member": 200}, pk="help_request"),
    "practice:request-resolve": action(AUTHOR_ACTION | {"member": ALLOWED}, pk="help_request"),
    "practice:request-withdraw": action(AUTHOR_ACTION | {"member": ALLOWED}, pk="help_request"),
    "practice:request-reveal": action(AUTHOR_ACTION | {"member": ALLOWED}, pk="help_request"),
    # The world's request is not anonymous: a facilitator's message is refused with a 400 (the view ran).
    "practice:request-message-asker": action(FACILITATOR_ACTION, pk="help_request"),
    "practice:request-moderate": page(FACILITATOR_PAGE, pk="help_request"),
    "practice:request-advice": action(MEMBER_ACTION, pk="help_request"),
    "practice:request-advice-edit": page(FACILITATOR_PAGE | {"core": 200}, pk="help_request", advice_pk="advice"),
    "practice:request-advice-respond": action(
        AUTHOR_ACTION | {"member": ALLOWED}, pk="help_request", advice_pk="advice"
    ),
    "practice:request-advice-kudos": action(MEMBER_ACTION, pk="help_request", advice_pk="advice"),
    "practice:request-advice-moderate": page(FACILITATOR_PAGE, pk="help_request", advice_pk="advice"),
    "practice:request-comment": action(MEMBER_ACTION, pk="help_request", advice_pk="advice"),
    "practice:request-comment-edit": page(FACILITATOR_PAGE | {"member": 200}, pk="help_request", comment_pk="comment"),
    "practice:request-comment-moderate": page(FACILITATOR_PAGE, pk="help_request", comment_pk="comment"),
    # Privacy concerns: any member reports a post; facilitators review the queue.
    "practice:request-privacy-report": page(MEMBER_PAGE, post_pk="help_request"),
    "practice:request-advice-privacy-report": page(MEMBER_PAGE, post_pk="advice"),
    "practice:request-comment-privacy-report": page(MEMBER_PAGE, post_pk="comment"),
    "practice:request-response-privacy-report": page(MEMBER_PAGE, post_pk="advice_response"),
    "practice:request-outcome-privacy-report": page(MEMBER_PAGE, post_pk="outcome"),
    "practice:learning-privacy-report": page(MEMBER_PAGE, post_pk="artefact"),
    "practice:session-privacy-report": page(MEMBER_PAGE, post_pk="practice_session"),
    "practice:vision-comment-privacy-report": page(MEMBER_PAGE, post_pk="vision_comment"),
    "practice:inquiry-contribution-privacy-report": page(MEMBER_PAGE, post_pk="inquiry_contribution"),
    "practice:request-privacy-reviews": page(FACILITATOR_PAGE),
    "practice:request-privacy-review": page(FACILITATOR_PAGE, flag_pk="privacy_flag"),
    # Learning loops: the world's request has a closed loop with the asker's (member's) outcome.
    "practice:request-outcome": page(community_page(None) | {"member": 302}, pk="help_request"),  # reported: back
    "practice:request-outcome-consent": action(AUTHOR_ACTION | {"member": ALLOWED}, pk="help_request"),
    "practice:request-outcome-kudos": action(MEMBER_ACTION, pk="help_request"),
    "practice:request-follow-up-stop": action(AUTHOR_ACTION | {"member": ALLOWED}, pk="help_request"),
    "practice:request-follow-up-resume": action(AUTHOR_ACTION | {"member": ALLOWED}, pk="help_request"),
    # Learning (issue 6/7) and the value report (issue 9) add their lines here.
    # Captured learning: "artefact" is published and written by core; drafts are covered per persona in
    # tests/practice/test_learning_permissions.py.
    "practice:request-suggestions": page(MEMBER_PAGE),
    "practice:learning": page(MEMBER_PAGE),
    "practice:learning-new": page(MEMBER_PAGE),
    "practice:learning-handbook": page(MEMBER_PAGE),
    "practice:learning-path": page(CORE_PAGE),
    "practice:learning-path-add": action(CORE_ACTION),
    "practice:learning-path-remove": action(CORE_ACTION, item_pk="path_item"),
    "practice:learning-path-move": action(CORE_ACTION, item_pk="path_item"),
    "practice:learning-path-read": action(MEMBER_ACTION, item_pk="path_item"),
    "practice:learning-from-request": action(MEMBER_ACTION, pk="help_request"),
    "practice:learning-from-outcome": action(CORE_ACTION, pk="help_request"),
    "practice:learning-detail": page(MEMBER_PAGE, pk="artefact"),
    "practice:learning-edit": page(CORE_PAGE, pk="artefact"),  # published: the core group edits
    "practice:learning-publish": action(CORE_ACTION, pk="artefact"),
    "practice:learning-unpublish": action(CORE_ACTION, pk="artefact"),
    "practice:learning-reveal": action(AUTHOR_ACTION, pk="artefact"),  # only its anonymous author
    "practice:learning-version": page(MEMBER_PAGE, pk="artefact", version_pk="artefact_version"),
    "practice:learning-version-restore": action(CORE_ACTION, pk="artefact", version_pk="artefact_version"),
    # Practice sessions: the core group schedules, changes and cancels; members answer and download the .ics.
    "practice:session-list": page(MEMBER_PAGE),
    "practice:session-new": page(CORE_PAGE),
    "practice:session-detail": page(MEMBER_PAGE, pk="practice_session"),
    "practice:session-edit": page(CORE_PAGE, pk="practice_session"),
    "practice:session-cancel": action(CORE_ACTION, pk="practice_session"),
    "practice:session-occurrence-cancel": action(CORE_ACTION, pk="practice_session"),
    "practice:session-rsvp": action(MEMBER_ACTION, pk="practice_session"),
    "practice:session-attendance": page(CORE_PAGE, pk="practice_session"),
    "practice:session-agenda": page(CORE_PAGE, pk="practice_session"),
    "practice:session-propose": action(MEMBER_ACTION, pk="practice_session"),  # any member: 200 with the error
    "practice:session-agenda-decide": action(CORE_ACTION, pk="practice_session", item_pk="agenda_item"),
    "practice:session-write-up": action(CORE_ACTION, pk="practice_session"),
    # Before the session is held the page sends the core group back to the session (302).
    "practice:session-advice": page(community_page(Role.CORE, ok=ALLOWED), pk="practice_session"),
    "practice:session-ics": page(MEMBER_PAGE, pk="practice_session"),
    # A member's calendar feed: the signed token is the credential (calendar apps send no cookie); the
    # sponsor's token. Wrong and revoked tokens: tests/practice/test_session_calendar.py.
    "calendar:settings": page(SIGNED_IN),
    "calendar:revoke": action(SIGNED_IN_ACTION),
    "calendar:feed": page(PUBLIC, token="calendar_token"),
}

# Parts of the URL map the table leaves out, with the reason. Everything else must have a line.
SKIPPED_PREFIXES = {
    "admin/": "Django's admin: staff only, guarded by the admin site itself",
    "accounts/": "django-allauth's pages: tested in tests/childsys/test_accounts.py",
    "static/": "static files (whitenoise / runserver), no views of ours",
    "media/": "uploaded files, if ever served by Django",
    "__debug__/": "the debug toolbar, development only",
}


@dataclass(frozen=True)
class Pattern:
    """One URL pattern of the resolver: its name (the table key), template and URL arguments."""

    key: str
    template: str
    arguments: tuple[str, ...]
    named: bool

    @property
    def has_slug(self) -> bool:
        return "slug" in self.arguments

    def suggestion(self) -> str:
        level = "MEMBER_PAGE" if self.has_slug else "SIGNED_IN"
        kinds = "".join(f', {arg}="<kind of object>"' for arg in self.arguments if arg != "slug")
        return f'    "{self.key}": page({level}{kinds}),  # {self.template}'


def _walk(patterns, prefix: str = "", namespace: str = "", outer: tuple[str, ...] = ()):
    """(template, pattern, namespace, URL arguments) of every leaf, arguments of enclosing includes first."""
    for entry in patterns:
        inner_args = outer + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner, inner_args)
        else:
            yield prefix + str(entry.pattern), entry, namespace, inner_args


def all_patterns() -> list[Pattern]:
    """Every URL pattern of the portal outside ``SKIPPED_PREFIXES``, in resolver order."""
    found = []
    for template, entry, namespace, arguments in _walk(get_resolver().url_patterns):
        if template.lstrip("^").startswith(tuple(SKIPPED_PREFIXES)):
            continue
        key = f"{namespace}{entry.name}" if entry.name else template
        arguments = tuple(arg for arg in arguments if arg not in entry.default_args)
        found.append(Pattern(key=key, template=template, arguments=arguments, named=bool(entry.name)))
    return found


def missing_rows_message(patterns: list[Pattern]) -> str:
    lines = "\n".join(p.suggestion() for p in patterns)
    return (
        "These routes have no line in ROUTES (tests/guards/routes.py). Add one line each, choosing the "
        "access level (PUBLIC, SIGNED_IN, MEMBER_PAGE, CORE_PAGE, FACILITATOR_PAGE, SPONSOR_PAGE, or "
        "action(MEMBER_ACTION / FACILITATOR_ACTION / ...) for a POST-only view) and the kind of object "
        "each URL argument takes (add new kinds to the world fixture in tests/guards/conftest.py, one in "
        f"`community` and one in `other_community`):\n{lines}"
    )


def pattern_for(key: str) -> Pattern:
    return next(p for p in all_patterns() if p.key == key)


# --- helpers of the three harnesses ------------------------------------------------------------

NEVER_USED_SLUG = "never-used-slug"


def route_for(pattern: Pattern) -> Route:
    """The table's line for ``pattern``; fails with the line to add when there is none."""
    if pattern.key not in ROUTES:
        pytest.fail(missing_rows_message([pattern]), pytrace=False)
    route = ROUTES[pattern.key]
    unfilled = [arg for arg in pattern.arguments if arg != "slug" and arg not in route.args]
    if unfilled:
        pytest.fail(
            f'ROUTES["{pattern.key}"] ({pattern.template}) does not say which object fills '
            + ", ".join(f'{arg}= (e.g. {arg}="help_request")' for arg in unfilled),
            pytrace=False,
        )
    return route


def url_for(pattern: Pattern, route: Route, world, *, slug: str | None = None, foreign: tuple[str, ...] = ()) -> str:
    """The route's URL in ``world``: the private community's slug (or ``slug``), and its objects
    (the other community's for the URL arguments named in ``foreign``)."""
    if not pattern.named:
        pytest.fail(f"{pattern.template} has no URL name: name it (STYLE: namespaced URL names)", pytrace=False)
    kwargs: dict[str, Any] = {}
    for arg in pattern.arguments:
        if arg == "slug":
            kwargs[arg] = slug or world.community.slug
            continue
        kind = route.args[arg]
        source = world.other if arg in foreign else world.mine
        if kind not in source:
            pytest.fail(
                f'ROUTES["{pattern.key}"] names the kind "{kind}", which the world fixture '
                "(tests/guards/conftest.py) does not seed: add it to _seed()",
                pytrace=False,
            )
        value = source[kind]
        kwargs[arg] = value.pk if hasattr(value, "pk") else value
    return reverse(pattern.key, kwargs=kwargs)


def fetch(client: Client, method: str, url: str) -> HttpResponse:
    """One request whose writes are rolled back, so that every persona meets the same world."""
    with transaction.atomic():
        response = client.generic(method, url)
        transaction.set_rollback(True)
    return response


def is_login_redirect(response: HttpResponse) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def matches(response: HttpResponse, expected: int | str) -> bool:
    if expected == LOGIN:
        return is_login_redirect(response)
    if expected == ALLOWED:
        return response.status_code not in (403, 404, 405) and not is_login_redirect(response)
    return response.status_code == expected and (expected != 302 or not is_login_redirect(response))


def describe(response: HttpResponse) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} → {response['Location']}"
    return str(response.status_code)


def clients(personas: dict) -> dict[str, Client]:
    """A client per persona, logged in (before any request is timed or rolled back)."""
    result = {}
    for name, user in personas.items():
        result[name] = Client()
        if user is not None:
            result[name].force_login(user)
    return result
