"""Real identity providers on loopback for the single sign-on tests.

``oidc_provider`` (session): the OpenID Provider project under ``tests/idp/`` (django-oauth-toolkit,
OpenID Connect on, an RS256 key made here) as a subprocess on a free port of 127.0.0.1, with its own
SQLite file under ``var/``. ``oidc_settings`` points the portal's ``SSO_OIDC_*`` provider at it.

``saml_idp`` (session): pysaml2's IdP (``tests/idp/saml_idp.py``) as a subprocess, signing with a
throwaway key and certificate made here. ``saml_settings`` points ``SSO_SAML_METADATA_URL`` at it and
hands it the portal's SP metadata.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings as django_settings

from communities import sso_config
from tests.conftest import port_open, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "child-portal"
CLIENT_SECRET = "child-portal-client-secret-for-tests"
IDP_PASSWORD = "northwind-pass"

# The provider's people: (username, email, verified by the provider?, name, groups).
IDP_USERS = [
    {
        "username": "nora",
        "email": "nora.nurse@northwind.example",
        "email_verified": True,
        "name": "Nora Nurse",
        "groups": ["patient-safety-cop"],
    },
    {
        "username": "paul",
        "email": "paul.pharmacist@northwind.example",
        "email_verified": True,
        "name": "Paul Pharmacist",
        "groups": [],
    },
    {
        "username": "una",
        "email": "una.unverified@elsewhere.example",
        "email_verified": False,
        "name": "Una Unverified",
        "groups": [],
    },
    {
        "username": "tess",
        "email": "tess@trusted.example",
        "email_verified": False,
        "name": "Tess Trusted",
        "groups": [],
    },
]
for _user in IDP_USERS:
    _user["password"] = IDP_PASSWORD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rsa_private_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class OpenIDProvider:
    issuer: str
    database: Path
    process: subprocess.Popen

    def allow_redirect_uri(self, uri: str) -> None:
        """Register one more redirect URI of the portal's client (the live server's port is known late)."""
        with sqlite3.connect(self.database) as db:
            (current,) = db.execute(
                "SELECT redirect_uris FROM oauth2_provider_application WHERE client_id = ?", (CLIENT_ID,)
            ).fetchone()
            if uri not in current.split():
                db.execute(
                    "UPDATE oauth2_provider_application SET redirect_uris = ? WHERE client_id = ?",
                    (f"{current} {uri}", CLIENT_ID),
                )


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> OpenIDProvider:
    var = Path(django_settings.VAR_DIR) / f"idp-{os.getpid()}"
    var.mkdir(parents=True, exist_ok=True)
    key_file, users_file, database = var / "rsa.pem", var / "users.json", var / "idp.sqlite3"
    key_file.write_bytes(rsa_private_key_pem())
    users_file.write_text(json.dumps(IDP_USERS))
    database.unlink(missing_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.idp.settings",
        "IDP_PORT": str(port),
        "IDP_DATABASE": str(database),
        "IDP_RSA_KEY_FILE": str(key_file),
        "IDP_USERS_FILE": str(users_file),
        "IDP_CLIENT_ID": CLIENT_ID,
        "IDP_CLIENT_SECRET": CLIENT_SECRET,
        "IDP_REDIRECT_URIS": "http://testserver/accounts/oidc/organisation/login/callback/",
    }
    log = (var / "idp.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.idp.serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    issuer = f"http://127.0.0.1:{port}/o"
    deadline = time.monotonic() + 60
    while not port_open("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            skip_or_fail(f"the test OpenID Provider did not start: {(var / 'idp.log').read_text()[-2000:]}")
        time.sleep(0.2)
    yield OpenIDProvider(issuer=issuer, database=database, process=process)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def oidc_providers(issuer: str, *, trusted: list[str] | None = None) -> dict:
    """The portal's SOCIALACCOUNT_PROVIDERS for SSO_OIDC_* set to this issuer and the test client."""
    return sso_config.providers(
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_name="Sign in with Northwind Health",
        saml_metadata_url="",
        saml_metadata_file="",
        saml_name="",
        trusted_email_domains=trusted or [],
    )


@pytest.fixture
def oidc_settings(settings, oidc_provider):
    """The portal configured with SSO_OIDC_* pointing at the test provider."""
    settings.SOCIALACCOUNT_PROVIDERS = oidc_providers(oidc_provider.issuer, trusted=["trusted.example"])
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"  # the test client and the live server speak plain http
    return settings


def sign_in_at_provider(authorize_url: str, username: str, password: str = IDP_PASSWORD) -> str:
    """Follow the provider's authorize URL as a person would: its login form, then the redirect back.

    Returns the portal callback URL (with ``code`` and ``state``) the provider sends the browser to.
    """
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=True, timeout=10)
    assert "/login/" in response.url, response.text[:500]
    token = browser.cookies.get("idp_csrftoken")
    next_url = parse_qs(urlsplit(response.url).query)["next"][0]
    response = browser.post(
        response.url,
        data={"username": username, "password": password, "csrfmiddlewaretoken": token, "next": next_url},
        headers={"Referer": response.url},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    location = urljoin(response.url, response.headers["Location"])
    # Then the authorize endpoint again, now signed in: it sends the browser back to the portal.
    response = browser.get(location, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


# --- SAML ----------------------------------------------------------------------------------------


def key_and_certificate() -> tuple[bytes, bytes]:
    """A throwaway RSA key and a self-signed certificate for it (PEM), valid for a day."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Northwind Health test IdP")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class SAMLIdentityProvider:
    base_url: str
    sp_metadata_file: Path
    process: subprocess.Popen

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/metadata"


def _start(module: str, env: dict, port: int, log_path: Path, what: str) -> subprocess.Popen:
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not port_open("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            skip_or_fail(f"{what} did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.2)
    return process


@pytest.fixture(scope="session")
def saml_idp() -> SAMLIdentityProvider:
    if not Path("/usr/bin/xmlsec1").exists():
        skip_or_fail("xmlsec1 is missing (make system-packages installs it)")
    var = Path(django_settings.VAR_DIR) / f"saml-idp-{os.getpid()}"
    var.mkdir(parents=True, exist_ok=True)
    key_pem, cert_pem = key_and_certificate()
    (var / "idp.key").write_bytes(key_pem)
    (var / "idp.crt").write_bytes(cert_pem)
    (var / "users.json").write_text(json.dumps(IDP_USERS))
    sp_metadata = var / "sp-metadata.xml"
    sp_metadata.unlink(missing_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "SAML_IDP_PORT": str(port),
        "SAML_IDP_KEY_FILE": str(var / "idp.key"),
        "SAML_IDP_CERT_FILE": str(var / "idp.crt"),
        "SAML_IDP_SP_METADATA_FILE": str(sp_metadata),
        "SAML_IDP_USERS_FILE": str(var / "users.json"),
    }
    process = _start("tests.idp.saml_idp", env, port, var / "idp.log", "the test SAML IdP")
    yield SAMLIdentityProvider(base_url=f"http://127.0.0.1:{port}", sp_metadata_file=sp_metadata, process=process)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def saml_providers(*, metadata_url: str = "", metadata_file: str = "", trusted: list[str] | None = None) -> dict:
    providers = sso_config.providers(
        oidc_issuer="",
        oidc_client_id="",
        oidc_client_secret="",
        oidc_name="",
        saml_metadata_url=metadata_url,
        saml_metadata_file=metadata_file,
        saml_name="Sign in with Northwind Health (SAML)",
        trusted_email_domains=trusted or [],
    )
    # The test client's host, "testserver", has no dot: python3-saml refuses such URLs unless told.
    providers["saml"]["APPS"][0]["settings"]["advanced"]["allow_single_label_domains"] = True
    return providers


@pytest.fixture
def saml_settings(settings, saml_idp, db):
    """The portal configured with SSO_SAML_METADATA_URL at the test IdP, which gets the portal's SP metadata."""
    from django.test import Client

    settings.SOCIALACCOUNT_PROVIDERS = saml_providers(metadata_url=saml_idp.metadata_url)
    response = Client().get("/accounts/saml/organisation/metadata/")
    assert response.status_code == 200, response.content[:500]
    saml_idp.sp_metadata_file.write_bytes(response.content)
    return settings


def fresh_totp_code(secret: str) -> str:
    """The authenticator app's current code, waiting out the last seconds of a 30-second window so the
    portal checks it in the same window (allauth accepts no neighbouring window by default)."""
    import pyotp

    totp = pyotp.TOTP(secret)
    if totp.interval - time.time() % totp.interval < 4:
        time.sleep(totp.interval - time.time() % totp.interval + 0.2)
    return totp.now()
