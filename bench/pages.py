"""Benchmark: the key pages on a large community, served by gunicorn, next to a trivial signed-in page.

    .venv/bin/python bench/pages.py               # full size (about 10 minutes on 2 cores, once seeded: 2)
    .venv/bin/python bench/pages.py --scale 0.05  # a quick run

Uses ``DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/childsys_bench_pages): creates the
database if missing, migrates it and seeds (once per size; ``--reseed`` starts over) one community of
10,000 members with 100,000 help requests, 300,000 pieces of advice (with responses, discussions
and tags) and 200,000 slider scores in three vibrancy rounds, written with COPY. ``--scale`` scales
every count.

Then it collects the static files, starts gunicorn on 127.0.0.1 (a free port; DEBUG off, its own
SECRET_KEY and ALLOWED_HOSTS, no SSL redirect, plain cookies), signs the sponsor in by creating a
session and sending its cookie, and measures with plain ``http.client`` requests:

* latency at concurrency 1 (median and p95, pages interleaved so drift hits all alike);
* throughput at concurrency 8 (threads, a bounded number of requests per page);

for: home, community home, request list, request detail, dashboard, learning (when the page
exists), the dashboard once more right after a change (its cached practice figures made stale
before every load, so each load computes them: communities/figures.py) and the baseline, the
purpose history (one purpose version): a signed-in community page on the same stack (session,
user, membership, layout, community bar) that does almost nothing else.
Targets: p95 at most 5× the baseline's, the dashboard with its figures recomputed included; the
dashboard as usually loaded (cached figures) at most 10×.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import _common  # bench/_common.py: this script's folder is first on sys.path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/childsys_bench_pages"
ENV = _common.configure(database_url=DEFAULT_URL, var_dir="bench_pages", allowed_hosts="127.0.0.1,testserver")

SLUG = "bench-pages"
SIZES = {"members": 10_000, "requests": 100_000, "advice": 300_000, "scores": 200_000}
TAGS = [
    "medication safety",
    "handover",
    "falls prevention",
    "sepsis",
    "pressure ulcers",
    "deteriorating patient",
    "infection control",
    "discharge",
    "delirium",
    "nutrition",
    "pain",
    "insulin",
    "anticoagulants",
    "paediatrics",
    "night shift",
    "escalation",
    "documentation",
    "family communication",
    "end of life",
    "mental capacity",
]
TOPICS = [
    (
        "Insulin double-checks at night",
        "With two nurses on the ward at night the **independent** double check is hard.",
    ),
    ("Handover of deteriorating patients", "Early warning scores get lost between shifts; how do you hand them over?"),
    ("Falls after midnight", "Most of our falls happen between 1 and 4 a.m. What has worked on your wards?"),
    ("Sepsis screening in ED", "We screen late when the department is full. Any *practical* triggers?"),
    ("Discharge letters missing medicines", "Patients go home before the letter lists every medicine change."),
    ("Delirium on surgical wards", "Older patients become delirious after surgery; we miss the early signs."),
]
ADVICE = [
    "We put a **red tray** on the trolley for high-risk medicines; it slowed us down in the right place.",
    "Try a two-minute huddle at 2 a.m. — we cut falls by a third in three months.",
    "Ask pharmacy for a *discharge checklist*; ours catches most of the missing changes.",
    "Our ward uses the SBAR card at every handover; it is on the back of the badge.",
    "We asked the night coordinator to do the second check by video call; it works on small wards.",
]


def sizes(scale: float) -> dict[str, int]:
    return {name: max(20, int(count * scale)) for name, count in SIZES.items()}


# --- seeding -----------------------------------------------------------------------------------


def seeded(target: dict[str, int]) -> bool:
    """True when the database holds exactly this size; exits on a partial or different seed."""
    from communities.models import Community
    from practice.models import HelpRequest

    community = Community.objects.filter(slug=SLUG).first()
    if community is None:
        return False
    found = HelpRequest.objects.filter(community=community).count()
    if found == target["requests"]:
        print(f"using the seeded community: {found:,} help requests (--reseed to start over)")
        return True
    sys.exit(f"the benchmark database holds another size ({found:,} requests): run again with --reseed")


def seed(target: dict[str, int]) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from communities.models import (
        ActivityLog,
        Community,
        Dimension,
        FocusDimension,
        Membership,
        Notification,
        Objective,
        PurposeVersion,
        Role,
        Tag,
        User,
        VibrancyRound,
        VibrancyScore,
        VisionDraft,
    )
    from communities.services import vibrancy
    from communities.vibrancy_guidance import ensure_dimensions
    from practice.models import Advice, AdviceResponse, DiscussionComment, HelpRequest

    rng = random.Random(8)
    now = timezone.now()
    started = time.perf_counter()
    n_members, n_requests, n_advice, n_scores = (target[k] for k in ("members", "requests", "advice", "scores"))

    with transaction.atomic():
        community = Community.objects.create(
            name="Bench Patient Safety Network",
            slug=SLUG,
            domain="Medication safety, falls, handover and the deteriorating patient across 40 wards.",
            created_at=now - timedelta(days=800),
        )
        # People: one sponsor (the benchmark's viewer), facilitators, a core group, members, some newcomers.
        first_user = _common.next_id(User)
        _common.copy_rows(
            User,
            (
                {
                    "id": first_user + i,
                    "email": f"m{i}@bench.example",
                    "display_name": f"Member {i}",
                    "password": "!",
                    "date_joined": now - timedelta(days=800),
                }
                for i in range(n_members)
            ),
        )
        user_ids = list(range(first_user, first_user + n_members))
        roles = (
            {0: Role.SPONSOR} | dict.fromkeys(range(1, 6), Role.FACILITATOR) | dict.fromkeys(range(6, 46), Role.CORE)
        )
        first_membership = _common.next_id(Membership)
        _common.copy_rows(
            Membership,
            (
                {
                    "id": first_membership + i,
                    "community_id": community.pk,
                    "user_id": uid,
                    "role": roles.get(i, Role.MEMBER),
                    "joined_at": now - timedelta(days=rng.randint(1, 29) if i % 33 == 0 else rng.randint(60, 790)),
                }
                for i, uid in enumerate(user_ids)
            ),
        )
        _common.reset_sequences(User, Membership)
        sponsor = User.objects.get(pk=user_ids[0])
        facilitator = User.objects.get(pk=user_ids[1])

        # The viewer's other communities, and communities open to join (the start page lists both).
        for i in range(12):
            other = Community.objects.create(name=f"Ward network {i:02}", slug=f"bench-ward-{i:02}", domain="Wards.")
            Membership.objects.create(community=other, user=sponsor, role=Role.MEMBER)
        Community.objects.bulk_create(
            Community(
                name=f"Open circle {i:02}",
                slug=f"bench-open-{i:02}",
                domain="Open to all.",
                visibility=Community.Visibility.OPEN,
            )
            for i in range(40)
        )

        # Direction: purpose, the adopted vision, objectives; the activity log.
        PurposeVersion.objects.create(
            community=community, author=sponsor, text="We exist so that no patient is harmed twice by the same mistake."
        )
        vision = VisionDraft.objects.create(
            community=community,
            title="Learning travels faster than incidents",
            author=facilitator,
            text="Every ward learns from every other ward, within a week.",
            status=VisionDraft.Status.ADOPTED,
            adopted_at=now - timedelta(days=200),
            adopted_by=sponsor,
            is_current=True,
        )
        Objective.objects.bulk_create(
            Objective(
                community=community,
                title=f"Objective {i + 1}",
                measure="median hours to first response",
                target="under 24",
                owner_id=user_ids[1 + i % 5],
                due_date=(now + timedelta(days=30 * i)).date(),
                status=Objective.Status.ACTIVE,
                position=i,
                vision=vision,
                created_by=facilitator,
            )
            for i in range(8)
        )
        ActivityLog.objects.bulk_create(
            ActivityLog(
                community=community,
                actor_id=rng.choice(user_ids[:46]),
                action="member.role",
                summary="A role changed",
                created_at=now - timedelta(hours=i),
            )
            for i in range(max(20, n_members // 5))
        )
        Notification.objects.bulk_create(
            Notification(
                user=sponsor,
                community=community,
                category="requests",
                title=f"Request {i} needs advice",
                created_at=now - timedelta(hours=i),
                read_at=now if i > 3 else None,
            )
            for i in range(8)
        )
        tags = Tag.objects.bulk_create(
            Tag(community=community, name=name, slug=name.replace(" ", "-")) for name in TAGS
        )

        # Help requests over two years, their advice (about three each), responses, discussions and tags.
        first_request, first_advice = _common.next_id(HelpRequest), _common.next_id(Advice)
        per_request = [0] * n_requests
        for _ in range(n_advice):
            per_request[rng.randrange(n_requests)] += 1
        commitment = timedelta(hours=community.response_commitment_hours)
        requests, advice, responses, comments, request_tags = [], [], [], [], []
        advice_id = first_advice
        for i in range(n_requests):
            rid = first_request + i
            asker = rng.choice(user_ids)
            created = now - timedelta(minutes=rng.randint(10, 730 * 24 * 60))
            title, situation = TOPICS[i % len(TOPICS)]
            times = sorted(
                min(now, created + timedelta(minutes=rng.randint(20, 5 * 24 * 60))) for _ in range(per_request[i])
            )
            first_id = advice_id
            for moment in times:
                adviser = rng.choice(user_ids)
                while adviser == asker:
                    adviser = rng.choice(user_ids)
                advice.append(
                    {
                        "id": advice_id,
                        "request_id": rid,
                        "author_id": adviser,
                        "body": ADVICE[advice_id % len(ADVICE)],
                        "created_at": moment,
                    }
                )
                advice_id += 1
            age = now - created
            if not times:
                status = "open" if age < timedelta(days=21) else "closed"
            elif age < timedelta(days=30):
                status = "answered"
            else:
                status = rng.choice(["resolved", "resolved", "closed", "answered"])
            if times and rng.random() < 0.2:
                responses.append(
                    {
                        "advice_id": first_id,
                        "request_id": rid,
                        "author_id": asker,
                        "kind": "try",
                        "created_at": times[0] + timedelta(hours=2),
                    }
                )
            if len(times) > 1 and rng.random() < 0.04:
                responses.append(
                    {
                        "advice_id": first_id + 1,
                        "request_id": rid,
                        "author_id": asker,
                        "kind": "discuss",
                        "created_at": times[1] + timedelta(hours=1),
                    }
                )
                for k in range(3):
                    comments.append(
                        {
                            "advice_id": first_id + 1,
                            "author_id": asker if k % 2 == 0 else advice[-1]["author_id"],
                            "body": "I see your point, but on our ward the night team is two nurses.",
                            "created_at": times[1] + timedelta(hours=2 + k),
                        }
                    )
            requests.append(
                {
                    "id": rid,
                    "community_id": community.pk,
                    "author_id": asker,
                    "title": f"{title} (ward {i % 40 + 1})",
                    "situation": situation,
                    "tried": "We asked the charge nurse and read the policy.",
                    "created_at": created,
                    "urgency": "urgent" if i % 20 == 0 else "normal",
                    "status": status,
                    "response_due_at": created + commitment,
                    "first_response_at": times[0] if times else None,
                    "last_activity_at": times[-1] if times else created,
                    "concluded_at": created + timedelta(days=20) if status in ("resolved", "closed") else None,
                    "hidden_at": now if i % 500 == 0 else None,
                    "hidden_reason": "Patient details" if i % 500 == 0 else "",
                    "hidden_by_id": facilitator.pk if i % 500 == 0 else None,
                }
            )
            for tag in rng.sample(tags, rng.choice([1, 1, 2])):
                request_tags.append({"helprequest_id": rid, "tag_id": tag.pk})
        _common.copy_rows(HelpRequest, requests)
        _common.copy_rows(Advice, advice)
        through = HelpRequest.tags.through
        first_link = _common.next_id(through)
        _common.copy_rows(through, ({"id": first_link + k, **row} for k, row in enumerate(request_tags)))
        first_response, first_comment = _common.next_id(AdviceResponse), _common.next_id(DiscussionComment)
        _common.copy_rows(AdviceResponse, ({"id": first_response + k, **row} for k, row in enumerate(responses)))
        _common.copy_rows(DiscussionComment, ({"id": first_comment + k, **row} for k, row in enumerate(comments)))
        _common.reset_sequences(HelpRequest, Advice, through, AdviceResponse, DiscussionComment)

        # Vibrancy: two closed rounds every member rated, the open one partly rated; 200,000 scores.
        ensure_dimensions(Dimension)
        dimensions = list(Dimension.objects.order_by("number"))
        FocusDimension.objects.create(community=community, dimension=dimensions[6], set_by=facilitator)
        per_round = [len(user_ids) * len(dimensions)] * 2
        per_round.append(n_scores - sum(per_round))
        if per_round[-1] < len(dimensions):  # small scales: split evenly
            per_round = [n_scores // 3] * 3
        first_score = _common.next_id(VibrancyScore)
        score_id = first_score
        for index, count in enumerate(per_round):
            latest = index == len(per_round) - 1
            opened = now - timedelta(days=2 if latest else 120 * (len(per_round) - index))
            round_ = VibrancyRound.objects.create(community=community, opened_by=facilitator, opened_at=opened)
            # One row per (member, dimension), members in order, until the round's count is reached.
            pairs = [(uid, number, d) for uid in user_ids for number, d in enumerate(dimensions)][:count]
            rows = [
                {
                    "id": score_id + k,
                    "round_id": round_.pk,
                    "dimension_id": dimension.pk,
                    "user_id": uid,
                    "now": max(0, min(10, round(rng.gauss(3 + number % 4 + index * 0.3, 1.8)))),
                    "should_be": max(0, min(10, round(rng.gauss(7.5, 1.5)))),
                    "comment": "We need more time for this." if uid % 97 == 0 else "",
                    "created_at": opened + timedelta(hours=1),
                    "updated_at": opened + timedelta(hours=1),
                }
                for k, (uid, number, dimension) in enumerate(pairs)
            ]
            score_id += len(rows)
            _common.copy_rows(VibrancyScore, rows)
            _common.reset_sequences(VibrancyScore)
            if latest:
                vibrancy.tally_rebuild(round_=round_)  # COPY bypassed the saves that keep the tally current
            else:
                vibrancy.round_close(round_=round_, actor=facilitator, now=opened + timedelta(days=14))
    seed_learning(community, user_ids, now)
    with connection.cursor() as cursor:
        # What autovacuum would have done by now: statistics, and the visibility map index-only scans need.
        cursor.execute("VACUUM ANALYZE")
    print(
        f"seeded {n_members:,} members, {n_requests:,} help requests, {len(advice):,} pieces of advice, "
        f"{len(responses):,} responses, {len(comments):,} discussion messages, "
        f"{score_id - first_score:,} slider scores in {time.perf_counter() - started:.0f}s"
    )


def seed_learning(community, user_ids: list[int], now) -> bool:
    """Published learning artefacts (one per 20 requests) with tags and a source request, once the
    learning area's model exists; skipped (and seeded on a later run) before that."""
    try:
        from practice.models.learning import KIND_FIELDS, Artefact
    except ImportError:
        return False
    from practice.models import HelpRequest

    if Artefact.objects.filter(community=community).exists():
        return False
    rng = random.Random(20)
    requests = list(HelpRequest.objects.filter(community=community).order_by("pk").values_list("pk", flat=True))
    tags = list(community.tags.values_list("pk", flat=True))
    kinds = list(KIND_FIELDS)
    first = _common.next_id(Artefact)
    rows, tag_links, sources = [], [], []
    for i in range(max(5, len(requests) // 20)):
        kind = kinds[i % len(kinds)]
        published = now - timedelta(hours=rng.randint(1, 700 * 24))
        row = {
            "id": first + i,
            "community_id": community.pk,
            "kind": kind,
            "title": f"What we learned, number {i}",
            "created_by_id": rng.choice(user_ids[:46]),
            "status": "published",
            "created_at": published,
            "updated_at": published,
            "published_at": published,
            "published_by_id": user_ids[1],
        }
        for name, _label in KIND_FIELDS[kind]:
            row[name] = "Night shift, ward 4" if name == "period" else "Ask the pharmacist **before** the round."
        rows.append(row)
        tag_links += [{"artefact_id": first + i, "tag_id": t} for t in rng.sample(tags, 2)]
        sources.append({"artefact_id": first + i, "helprequest_id": requests[(i * 20) % len(requests)]})
    _common.copy_rows(Artefact, rows)
    for through, links in ((Artefact.tags.through, tag_links), (Artefact.source_requests.through, sources)):
        start = _common.next_id(through)
        _common.copy_rows(through, ({"id": start + k, **link} for k, link in enumerate(links)))
    _common.reset_sequences(Artefact, Artefact.tags.through, Artefact.source_requests.through)
    print(f"seeded {len(rows):,} published learning artefacts")
    return True


# --- the server and the client -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    root = _common.ROOT
    env = {**os.environ, **ENV}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=root, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "childsys.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=root,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _ = get(port, "/healthz", None)
            if status in (200, 503):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer within 60 seconds")


def get(port: int, path: str, session: str | None) -> tuple[int, int]:
    """One GET on a fresh connection (gunicorn's sync workers close each one); (status, bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Cookie": f"sessionid={session}"} if session else {}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()


def session_for(user) -> str:
    """A signed-in session for ``user``, as a login would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def timed(port: int, path: str, session: str, before: Callable[[], None] | None = None) -> float:
    if before is not None:
        before()
    started = time.perf_counter()
    status, _ = get(port, path, session)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}, not 200")
    return elapsed


def throughput(
    port: int, path: str, session: str, *, threads: int, per_thread: int, before: Callable[[], None] | None = None
) -> float:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(per_thread):
                timed(port, path, session, before)
        except BaseException as exc:  # reported below, after the threads end
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise SystemExit(f"{path}: {errors[0]}")
    return threads * per_thread / (time.perf_counter() - started)


def query_counts(pages: dict[str, str], user, before: dict[str, Callable[[], None]]) -> dict[str, int]:
    """Queries per page, in-process through the whole middleware stack (a diagnosis, not a timing)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    counts = {}
    for label, path in pages.items():
        client.get(path)
        if label in before:
            before[label]()
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        counts[label] = len(queries.captured_queries)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every data size (default 1.0)")
    parser.add_argument("--runs", type=int, default=60, help="timed requests per page at concurrency 1 (default 60)")
    parser.add_argument("--per-thread", type=int, default=15, help="requests per thread at concurrency 8 (default 15)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn workers")
    parser.add_argument("--reseed", action="store_true", help="drop the benchmark database and seed it again")
    parser.add_argument("--skip", action="append", default=[], help="leave out a page (e.g. --skip learning)")
    args = parser.parse_args()

    url = _common.require_postgres("bench/pages.py", DEFAULT_URL)
    _common.ensure_database(url, recreate=args.reseed)
    _common.setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.urls import Resolver404, resolve
    from django.utils import timezone

    from communities.models import Community, Membership, Role
    from practice.models import HelpRequest

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    target = sizes(args.scale)
    if not seeded(target):
        seed(target)
    community = Community.objects.get(slug=SLUG)
    members = Membership.objects.filter(community=community).order_by("user_id")
    sponsor = members.get(role=Role.SPONSOR).user
    seed_learning(community, list(members.values_list("user_id", flat=True)), timezone.now())
    with connection.cursor() as cursor:
        # What autovacuum does on a live database: statistics, and the visibility map for index-only
        # scans (a migration may have added an index since the last run).
        cursor.execute("VACUUM ANALYZE")
    detail = (
        HelpRequest.objects.filter(community=community, hidden_at__isnull=True)
        .annotate(n=Count("advice"))
        .filter(n__gte=5)
        .order_by("-last_activity_at")
        .values_list("pk", flat=True)
        .first()
    )
    pages = {
        "home /": "/",
        "community home": f"/c/{SLUG}/",
        "request list": f"/c/{SLUG}/requests/",
        "request detail": f"/c/{SLUG}/requests/{detail}/",
        "dashboard": f"/c/{SLUG}/dashboard/",
        "learning": f"/c/{SLUG}/learning/",
    }
    try:
        resolve(pages["learning"])
    except Resolver404:
        print("learning: no such page yet, skipped")
        args.skip.append("learning")
    pages = {label: path for label, path in pages.items() if label not in args.skip}
    # The dashboard right after a change to the community's practice data: its cached figures
    # (communities/figures.py) are stale, so every one of these loads computes them again.
    cold = "dashboard, figures recomputed"
    before: dict[str, Callable[[], None]] = {}
    if "dashboard" in pages:
        from communities import figures

        pages[cold] = pages["dashboard"]
        before[cold] = lambda: figures.changed(community.pk)
    baseline = "baseline: purpose history"
    pages[baseline] = f"/c/{SLUG}/direction/purpose/history/"
    counts = query_counts(pages, sponsor, before)
    session = session_for(sponsor)

    port = free_port()
    server = start_gunicorn(port, args.workers)
    try:
        for label, path in pages.items():  # warm up every worker: connections, templates
            for _ in range(2 * args.workers):
                timed(port, path, session, before.get(label))
        latencies: dict[str, list[float]] = {label: [] for label in pages}
        for _ in range(args.runs):
            for label, path in pages.items():
                latencies[label].append(timed(port, path, session, before.get(label)))
        rates = {
            label: throughput(port, path, session, threads=8, per_thread=args.per_thread, before=before.get(label))
            for label, path in pages.items()
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    base_p95, base_rate = _common.p95(latencies[baseline]), rates[baseline]
    print(
        f"\n{target['members']:,} members, {target['requests']:,} requests, {target['advice']:,} advice, "
        f"{target['scores']:,} scores; gunicorn ×{args.workers} workers, PostgreSQL; "
        f"{args.runs} requests per page at concurrency 1, {8 * args.per_thread} at concurrency 8\n"
    )
    header = f"{'page':26} {'median ms':>9} {'p95 ms':>8} {'p95 ×base':>9} {'target':>7} {'req/s @8':>9} {'queries':>7}"
    print(header)
    print("-" * len(header))
    missed = []
    for label in pages:
        times = latencies[label]
        ratio = _common.p95(times) / base_p95
        limit = None if label == baseline else 10 if label == "dashboard" else 5
        verdict = "" if limit is None else f"≤{limit}×" + (" ✓" if ratio <= limit else " ✗")
        if limit is not None and ratio > limit:
            missed.append(label)
        print(
            f"{label:26} {statistics.median(times):9.1f} {_common.p95(times):8.1f} {ratio:9.2f} {verdict:>7} "
            f"{rates[label]:9.1f} {counts[label]:7d}"
        )
    print(
        f"\nthroughput at concurrency 8 relative to the baseline's {base_rate:.0f} req/s: "
        + ", ".join(f"{label} {rates[label] / base_rate:.2f}" for label in pages if label != baseline)
    )
    print(f"total time {time.perf_counter() - started:.0f}s")
    if missed:
        print(f"over target: {', '.join(missed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
