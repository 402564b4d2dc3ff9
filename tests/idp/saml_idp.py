"""A SAML 2.0 identity provider for the single sign-on tests: pysaml2's ``Server`` behind a small WSGI app.

python -m tests.idp.saml_idp  (environment: SAML_IDP_PORT, SAML_IDP_KEY_FILE, SAML_IDP_CERT_FILE,
SAML_IDP_SP_METADATA_FILE, SAML_IDP_USERS_FILE)

GET  /metadata                       the IdP's metadata (what SSO_SAML_METADATA_URL / _FILE point at)
GET  /sso/redirect?SAMLRequest=...   the login form for an AuthnRequest (HTTP-Redirect binding)
POST /sso/login                      checks the password, answers with a signed assertion (HTTP-POST binding
                                     form to the portal's ACS); ``sign=0`` leaves it unsigned, for the tests
The SP metadata file is read on every request, so a test can hand the IdP the portal's metadata late.
"""

from __future__ import annotations

import html
import json
import os
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

PORT = int(os.environ.get("SAML_IDP_PORT", "0"))
BASE = f"http://127.0.0.1:{PORT}"


def config(*, with_sp: bool = True) -> IdPConfig:
    settings = {
        "entityid": f"{BASE}/metadata",
        "service": {
            "idp": {
                "name": "Northwind Health SAML",
                "endpoints": {"single_sign_on_service": [(f"{BASE}/sso/redirect", BINDING_HTTP_REDIRECT)]},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "want_authn_requests_signed": False,
                "policy": {"default": {"lifetime": {"minutes": 15}, "name_form": NAME_FORMAT_URI}},
            }
        },
        "key_file": os.environ["SAML_IDP_KEY_FILE"],
        "cert_file": os.environ["SAML_IDP_CERT_FILE"],
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"local": [os.environ["SAML_IDP_SP_METADATA_FILE"]]} if with_sp else {},
    }
    result = IdPConfig()
    result.load(settings)
    return result


def users() -> dict[str, dict]:
    with open(os.environ["SAML_IDP_USERS_FILE"]) as handle:
        return {user["username"]: user for user in json.load(handle)}


def page(title: str, body: str, status: str = "200 OK") -> tuple[str, list, bytes]:
    content = f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head>"
    content += f"<body><main><h1>{title}</h1>{body}</main></body></html>"
    return status, [("Content-Type", "text/html; charset=utf-8")], content.encode()


def login_form(saml_request: str, relay_state: str, error: str = "") -> tuple[str, list, bytes]:
    alert = f"<p role='alert'>{error}</p>" if error else ""
    return page(
        "Northwind Health SAML sign-in",
        f"""{alert}<form method="post" action="/sso/login">
        <input type="hidden" name="SAMLRequest" value="{html.escape(saml_request)}">
        <input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
        <label for="username">Username</label> <input id="username" name="username">
        <label for="password">Password</label> <input id="password" name="password" type="password">
        <button type="submit">Sign in to Northwind</button></form>""",
    )


def answer(form: dict[str, str]) -> tuple[str, list, bytes]:
    person = users().get(form.get("username", ""))
    if person is None or person["password"] != form.get("password"):
        return login_form(form["SAMLRequest"], form.get("RelayState", ""), "Wrong username or password.")
    server = Server(config=config())
    request = server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT).message
    response_args = server.response_args(request, [BINDING_HTTP_POST])
    identity = {
        "mail": [person["email"]],
        "displayName": [person.get("name", "")],
        "givenName": [person.get("given_name", "")],
        "sn": [person.get("family_name", "")],
        "isMemberOf": person.get("groups", []),
    }
    identity = {key: value for key, value in identity.items() if value and any(value)}
    response = server.create_authn_response(
        identity,
        userid=person["username"],
        name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"northwind-{person['username']}"),
        authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
        sign_assertion=form.get("sign", "1") != "0",
        sign_response=False,
        sign_alg=SIG_RSA_SHA256,  # the portal refuses SHA-1 signatures
        digest_alg=DIGEST_SHA256,
        **response_args,
    )
    http_args = server.apply_binding(
        BINDING_HTTP_POST, str(response), response_args["destination"], form.get("RelayState", ""), response=True
    )
    return "200 OK", [("Content-Type", "text/html; charset=utf-8")], http_args["data"].encode()


def app(environ, start_response):
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    if path == "/metadata":
        status, headers, body = "200 OK", [("Content-Type", "application/samlmetadata+xml")], b""
        body = create_metadata_string(None, config(with_sp=False), 4, None, None, None, None, None).decode()
        body = body.encode()
    elif path == "/sso/redirect" and method == "GET":
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        status, headers, body = login_form(query.get("SAMLRequest", ""), query.get("RelayState", ""))
    elif path == "/sso/login" and method == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        status, headers, body = answer(form)
    else:
        status, headers, body = page("Not found", "", "404 Not Found")
    start_response(status, headers)
    return [body]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    make_server("127.0.0.1", PORT, app, handler_class=QuietHandler).serve_forever()
