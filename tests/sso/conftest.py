"""Single sign-on fixtures: an issuer's discovery document served on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests import factories


class _DiscoveryHandler(BaseHTTPRequestHandler):
    documents: dict[str, bytes] = {}

    def do_GET(self):
        body = self.documents.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def issuer_server(settings):
    """A static issuer: ``serve(path, document)`` sets what a path answers."""
    settings.SSO_ALLOW_PRIVATE_URLS = True
    handler = type("Handler", (_DiscoveryHandler,), {"documents": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"

    class Issuer:
        url = f"{base}/idp"

        @staticmethod
        def serve(path: str, document: dict | bytes) -> None:
            handler.documents[path] = (
                document if isinstance(document, bytes) else json.dumps(document).encode()
            )

    Issuer.serve(
        "/idp/.well-known/openid-configuration",
        {
            "issuer": Issuer.url,
            "authorization_endpoint": f"{base}/idp/authorize",
            "token_endpoint": f"{base}/idp/token",
            "jwks_uri": f"{base}/idp/jwks",
            "userinfo_endpoint": f"{base}/idp/userinfo",
        },
    )
    yield Issuer
    server.shutdown()
    server.server_close()


@pytest.fixture
def sso_admin(db):
    """An admin of a tenant with a verified domain, ``example-corp.test``."""
    admin = factories.AdminMembershipFactory(user__email="admin@example-corp.test")
    factories.DomainFactory(tenant=admin.tenant, name="example-corp.test", verified=True)
    return admin


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """django-allauth's own OpenID Connect provider, running for the whole session."""
    from tests.sso.idp import IdentityProvider

    provider = IdentityProvider(tmp_path_factory.mktemp("idp"))
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def saml_identity_provider(tmp_path_factory):
    """pysaml2's SAML identity provider (``tests/sso/saml_idp``), for the whole session."""
    from tests.sso.saml import SamlIdentityProvider

    provider = SamlIdentityProvider(tmp_path_factory.mktemp("saml-idp"))
    yield provider
    provider.stop()


@pytest.fixture
def saml_idp(saml_identity_provider, settings):
    """The SAML provider, well-behaved again for each test; private URLs allowed."""
    settings.SSO_ALLOW_PRIVATE_URLS = True
    saml_identity_provider.reset()
    yield saml_identity_provider
    saml_identity_provider.reset()
