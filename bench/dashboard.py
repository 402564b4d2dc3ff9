"""Benchmark: the facilitators' dashboard on a large community, next to a trivial signed-in page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/childsys_bench_dashboard .venv/bin/python bench/dashboard.py

Creates the database if it is missing, migrates it, and seeds (once; ``--reseed`` drops the
database and starts over) a community of 5,000 members who scored 7 dimensions in 6 rounds —
210,000 scores, written with COPY. Five rounds are closed by the real closing service (which
recomputes their histograms from the scores); the latest stays open, its histogram rebuilt from
its 35,000 scores as the saves would have kept it. Then it requests the
dashboard and ``/notifications/`` through Django's test client (the whole middleware stack,
sessions and all) and prints the median and p95 server time of each, and their ratio.
Target: dashboard p95 at most 5× the trivial page's.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/childsys_bench_dashboard"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childsys.settings")
# Production-like: DEBUG off (no query log), but plain HTTP and the test client's host.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["SECURE_COOKIES"] = "0"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("LOG_LEVEL", "WARNING")

from _common import ensure_database, p95, setup_django  # noqa: E402 - after the environment is set

MEMBERS = 5000
ROUNDS = 6
SLUG = "bench-dashboard"
# Per dimension (in number order): typical "now" and "should be" positions, and how much members disagree.
PROFILE = [(7, 8, 1.5), (5, 7, 2.0), (5, 8, 1.5), (4, 7, 2.0), (4, 6, 3.0), (3, 6, 2.0), (2, 7, 1.5)]


def clamp(value: float) -> int:
    return max(0, min(10, round(value)))


def seed() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from communities.models import (
        Community,
        Dimension,
        FocusDimension,
        Membership,
        Role,
        User,
        VibrancyRound,
        VibrancyScore,
    )
    from communities.services import vibrancy

    call_command("migrate", verbosity=0)
    existing = Community.objects.filter(slug=SLUG).first()
    if existing:
        rounds = VibrancyRound.objects.filter(community=existing).count()
        scores = VibrancyScore.objects.filter(round__community=existing).count()
        if rounds == ROUNDS and scores:
            print(f"using the seeded community: {rounds} rounds, {scores:,} scores (--reseed to start over)")
            return
        sys.exit("the benchmark database holds a partial seed: run again with --reseed")
    rng = random.Random(42)
    now = timezone.now()
    started = time.perf_counter()
    community = Community.objects.create(
        name="Bench Network", slug=SLUG, domain="A large community for the dashboard benchmark."
    )
    users = User.objects.bulk_create(
        User(email=f"m{i}@bench.example", display_name=f"Member {i}", password="!") for i in range(MEMBERS)
    )
    facilitator = users[0]
    memberships = []
    for i, user in enumerate(users):
        # Most joined long ago; a few hundred recently (newcomers for the latest rounds).
        days = rng.randint(1, 29) if i % 20 == 0 else rng.randint(200, 700)
        role = Role.FACILITATOR if i == 0 else Role.MEMBER
        memberships.append(Membership(community=community, user=user, role=role, joined_at=now - timedelta(days=days)))
    Membership.objects.bulk_create(memberships)
    dimensions = list(Dimension.objects.order_by("number"))
    FocusDimension.objects.create(community=community, dimension=dimensions[6], set_by=facilitator)
    table = VibrancyScore._meta.db_table
    for index in range(ROUNDS):
        opened = now - timedelta(days=30 * (ROUNDS - index))
        latest = index == ROUNDS - 1
        round_ = VibrancyRound.objects.create(
            community=community, opened_by=facilitator, opened_at=now - timedelta(days=2) if latest else opened
        )
        buffer = io.StringIO()
        stamp = (round_.opened_at + timedelta(hours=1)).isoformat()
        for user in users:
            for dimension, (now_mu, should_mu, sd) in zip(dimensions, PROFILE, strict=True):
                drift = index * 0.2  # things get a little better round by round
                value_now = clamp(rng.gauss(now_mu + drift, 1.5))
                value_should = clamp(rng.gauss(should_mu, sd))
                buffer.write(
                    f"{round_.pk}\t{dimension.pk}\t{user.pk}\t{value_now}\t{value_should}\t\t{stamp}\t{stamp}\n"
                )
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} (round_id, dimension_id, user_id, now, should_be, comment, created_at, updated_at) "
                "FROM STDIN",
                buffer,
            )
        if latest:
            vibrancy.tally_rebuild(round_=round_)  # COPY bypassed the saves that keep the tally current
        else:
            vibrancy.round_close(round_=round_, actor=facilitator, now=opened + timedelta(days=14))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = VibrancyScore.objects.filter(round__community=community).count()
    print(
        f"seeded {MEMBERS:,} members × {len(dimensions)} dimensions × {ROUNDS} rounds = {total:,} scores "
        f"in {time.perf_counter() - started:.1f}s"
    )


def measure(client, path: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=60, help="timed requests per page (default 60)")
    parser.add_argument("--reseed", action="store_true", help="drop the benchmark database and seed it again")
    args = parser.parse_args()

    url = os.environ["DATABASE_URL"]
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(f"bench/dashboard.py needs PostgreSQL: set DATABASE_URL (e.g. {DEFAULT_URL})")
    ensure_database(url, recreate=args.reseed)
    setup_django()
    seed()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from communities.models import Community, Membership, Role, VibrancyRound

    community = Community.objects.get(slug=SLUG)
    facilitator = Membership.objects.filter(community=community, role=Role.FACILITATOR).first().user
    oldest = VibrancyRound.objects.filter(community=community).order_by("opened_at").first()
    client = Client()
    client.force_login(facilitator)
    pages = {
        "dashboard, latest round (open)": f"/c/{SLUG}/dashboard/",
        "dashboard, a closed round": f"/c/{SLUG}/dashboard/?round={oldest.pk}",
        "trivial page /notifications/": "/notifications/",
    }
    for path in pages.values():  # warm up: connections, templates, caches
        measure(client, path, 5)
    counts = {}
    for label in list(pages)[:2]:
        with CaptureQueriesContext(connection) as queries:
            client.get(pages[label])
        counts[label] = len(queries.captured_queries)
    results = {}
    # Interleave the pages so drift on the machine affects them alike.
    for _ in range(args.runs):
        for label, path in pages.items():
            results.setdefault(label, []).extend(measure(client, path, 1))
    print(f"\n{args.runs} requests each, PostgreSQL, test client through the full middleware stack:")
    print(f"{'page':52} {'median ms':>10} {'p95 ms':>10}")
    for label, times in results.items():
        print(f"{label:52} {statistics.median(times):10.1f} {p95(times):10.1f}")
    trivial = p95(results["trivial page /notifications/"])
    for label in list(pages)[:2]:
        ratio = p95(results[label]) / trivial
        median_ratio = statistics.median(results[label]) / statistics.median(results["trivial page /notifications/"])
        verdict = "OK" if ratio <= 5 else "over target"
        print(f"{label} / trivial page: p95 {ratio:.2f}× (target ≤ 5×: {verdict}), median {median_ratio:.2f}×")
    for label, count in counts.items():
        print(f"queries per request, {label}: {count}")


if __name__ == "__main__":
    main()
