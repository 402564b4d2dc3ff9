"""Production can collect its static files: every file the CSS and JS refer to is there."""

from __future__ import annotations

import json

from tests.childsys.test_settings import STRONG_KEY, run_manage


def test_it_collects_the_static_files_with_production_settings(tmp_path):
    # The manifest storage fails on any missing reference (a source map, a font) — a deploy that
    # only breaks on the production host. DEBUG=0 selects it, as in production.
    root = tmp_path / "static"
    result = run_manage(
        tmp_path,
        "collectstatic",
        "--noinput",
        "-v",
        "0",
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="portal.example.org",
        STATIC_ROOT=str(root),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    for asset in ("vendor/bootstrap/bootstrap.min.css", "vendor/chartjs/chart.umd.min.js", "css/child.css"):
        assert asset in manifest
        assert (root / manifest[asset]).exists()
