"""A SAML 2.0 identity provider for the tests: pysaml2's ``saml2.server.Server`` in a
small WSGI app on 127.0.0.1 (``python -m tests.sso.saml_idp.serve PORT WORKDIR``).

Its signing key and certificate are made at start-up (``cryptography``) and
it signs with Debian's ``xmlsec1``, so every response the console checks is
really signed. It only answers service providers whose metadata the test
gave it (``/test-setup/``, the console's own metadata URL), at the
assertion consumer service named there.

- ``GET /metadata/``: its metadata (entity ID, sign-in URL, certificate).
- ``GET /sso/redirect/?SAMLRequest=…&RelayState=…``: its sign-in form.
- ``POST /sso/login/``: the person's username and password; answers with a
  form that posts the signed ``SAMLResponse`` to the service provider.
- ``POST /test-setup/`` (JSON): ``users``, ``sps`` (metadata XML) and
  ``knobs`` for the refusal tests: ``sign_assertion``, ``sign_response``,
  ``audience`` (another audience than the service provider's),
  ``lifetime_minutes`` (negative: an assertion that has already expired),
  ``deny`` (a signed "request denied" answer instead of an assertion). ``reset``
  puts the knobs back.
"""

import datetime
import html
import json
import sys
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.assertion import Policy
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.samlp import STATUS_REQUEST_DENIED
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

DEFAULT_KNOBS = {
    "sign_assertion": True,
    "sign_response": True,
    "audience": None,
    "lifetime_minutes": 5,
    "deny": False,
}


def _key_and_certificate(workdir: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test identity provider")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = workdir / "idp.key", workdir / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class IdentityProviderApp:
    def __init__(self, base: str, workdir: Path) -> None:
        key_file, cert_file = _key_and_certificate(workdir)
        self.base = base
        self.config = IdPConfig().load(
            {
                "entityid": f"{base}/metadata/",
                "service": {
                    "idp": {
                        "name": "Test identity provider",
                        "endpoints": {
                            "single_sign_on_service": [
                                (f"{base}/sso/redirect/", BINDING_HTTP_REDIRECT),
                            ],
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "want_authn_requests_signed": False,
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                    }
                },
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "metadata": {},
            }
        )
        self.server = Server(config=self.config)
        self.metadata = create_metadata_string(None, config=self.config).decode()
        self.users: dict[str, dict] = {}
        self.knobs = dict(DEFAULT_KNOBS)
        self.lock = threading.Lock()

    # -- WSGI -------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        try:
            if path == "/ping/":
                return self._answer(start_response, "200 OK", "ok", "text/plain")
            if path == "/metadata/":
                return self._answer(
                    start_response, "200 OK", self.metadata, "application/samlmetadata+xml"
                )
            if path == "/sso/redirect/" and method == "GET":
                return self._sign_in_form(start_response, parse_qs(environ["QUERY_STRING"]))
            if path == "/sso/login/" and method == "POST":
                return self._signed_in(start_response, self._form(environ))
            if path == "/test-setup/" and method == "POST":
                return self._setup(start_response, json.loads(self._body(environ) or b"{}"))
        except Exception as error:  # the test reads the reason
            return self._answer(
                start_response, "400 Bad Request", f"{type(error).__name__}: {error}", "text/plain"
            )
        return self._answer(start_response, "404 Not Found", "not found", "text/plain")

    @staticmethod
    def _body(environ) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return environ["wsgi.input"].read(length) if length else b""

    def _form(self, environ) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self._body(environ).decode()).items()}

    @staticmethod
    def _answer(start_response, status: str, body: str, content_type: str = "text/html"):
        data = body.encode()
        start_response(
            status,
            [
                ("Content-Type", f"{content_type}; charset=utf-8"),
                ("Content-Length", str(len(data))),
            ],
        )
        return [data]

    # -- The identity provider's pages -------------------------------------------------------------

    def _sign_in_form(self, start_response, query):
        saml_request = query["SAMLRequest"][0]
        relay_state = query.get("RelayState", [""])[0]
        # Parsed here too, so a request the provider cannot read fails at its door.
        self.server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
        page = f"""<!doctype html><html lang="en"><head><title>Test identity provider</title></head>
<body><h1>Test identity provider</h1>
<form method="post" action="/sso/login/">
<input type="hidden" name="SAMLRequest" value="{html.escape(saml_request)}">
<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password"></label>
<button type="submit">Sign in</button>
</form></body></html>"""
        return self._answer(start_response, "200 OK", page)

    def _signed_in(self, start_response, form):
        user = self.users.get(form.get("username", ""))
        if user is None or user["password"] != form.get("password"):
            return self._answer(start_response, "403 Forbidden", "wrong username or password")
        request = self.server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT)
        arguments = self.server.response_args(request.message, [BINDING_HTTP_POST])
        with self.lock:
            knobs = dict(self.knobs)
        if knobs["deny"]:  # the provider says no (e.g. the person is not assigned the app)
            denied = self.server.create_error_response(
                arguments["in_response_to"],
                arguments["destination"],
                (STATUS_REQUEST_DENIED, "not assigned to this application"),
                sign=True,
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,
            )
            return self._post_back(start_response, str(denied), arguments, form)
        identity = {"mail": [user["email"]]}
        if user.get("given_name"):
            identity["givenName"] = [user["given_name"]]
        if user.get("family_name"):
            identity["sn"] = [user["family_name"]]
        response = self.server.create_authn_response(
            identity,
            in_response_to=arguments["in_response_to"],
            destination=arguments["destination"],
            sp_entity_id=knobs["audience"] or arguments["sp_entity_id"],
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user["email"]),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_assertion=knobs["sign_assertion"],
            sign_response=knobs["sign_response"],
            release_policy=Policy(
                {
                    "default": {
                        "lifetime": {"minutes": knobs["lifetime_minutes"]},
                        "attribute_restrictions": None,
                        "name_form": NAME_FORMAT_URI,
                    }
                },
                mds=self.server.metadata,
            ),
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return self._post_back(start_response, str(response), arguments, form)

    def _post_back(self, start_response, response: str, arguments, form):
        """The page whose form posts the answer to the service provider's ACS."""
        post = self.server.apply_binding(
            BINDING_HTTP_POST,
            response,
            arguments["destination"],
            form.get("RelayState", ""),
            response=True,
        )
        return self._answer(start_response, "200 OK", post["data"])

    def _setup(self, start_response, setup):
        with self.lock:
            for user in setup.get("users", []):
                self.users[user["username"]] = user
            for metadata in setup.get("sps", []):
                self.server.metadata.load("inline", metadata)
            if setup.get("reset"):
                self.knobs = dict(DEFAULT_KNOBS)
            self.knobs.update(setup.get("knobs", {}))
        return self._answer(start_response, "200 OK", "ok", "text/plain")


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    port, workdir = int(sys.argv[1]), Path(sys.argv[2])
    app = IdentityProviderApp(f"http://127.0.0.1:{port}", workdir)
    server = make_server("127.0.0.1", port, app, server_class=_Server, handler_class=_QuietHandler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
