"""The test SAML identity provider (``tests/sso/saml_idp``) in a subprocess on 127.0.0.1.

``SamlIdentityProvider.sign_in(sso_url, username, password)`` plays the
person's browser at the provider (its sign-in form) and returns what that
browser would post back to the console: the ACS URL and its form fields
(``SAMLResponse``, ``RelayState``).
"""

import os
import re
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests

from tests.sso.idp import ROOT, free_port, start_provider, stop_provider


class SamlIdentityProvider:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.metadata_url = f"{self.base}/metadata/"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.process = start_provider(
            "tests.sso.saml_idp.serve",
            [str(self.port), str(tmp)],
            env=env,
            ping=f"{self.base}/ping/",
        )

    def stop(self) -> None:
        stop_provider(self.process)

    def metadata(self) -> str:
        return requests.get(self.metadata_url, timeout=10).text

    def setup(self, **setup) -> None:
        response = requests.post(f"{self.base}/test-setup/", json=setup, timeout=10)
        assert response.ok, response.text

    def reset(self) -> None:
        """The knobs back to a well-behaved provider (signed assertion and response)."""
        self.setup(reset=True)

    def knobs(self, **knobs) -> None:
        """``sign_assertion``, ``sign_response``, ``audience``, ``lifetime_minutes`` for
        the next answers."""
        self.setup(knobs=knobs)

    def add_service_provider(self, metadata_xml: str) -> None:
        self.setup(sps=[metadata_xml])

    def add_person(
        self,
        email: str,
        password: str = "idp-passw0rd",
        given_name: str = "",
        family_name: str = "",
    ) -> str:
        username = email.replace("@", "_at_")
        self.setup(
            users=[
                {
                    "username": username,
                    "email": email,
                    "password": password,
                    "given_name": given_name,
                    "family_name": family_name,
                }
            ]
        )
        return username

    def sign_in(
        self, sso_url: str, username: str, password: str = "idp-passw0rd"
    ) -> tuple[str, dict[str, str]]:
        """The browser's part at the provider: its form, then its answer's auto-post form."""
        browser = requests.Session()
        page = browser.get(sso_url, timeout=10)
        assert page.status_code == 200, f"the provider refused the request: {page.text[:500]}"
        fields = dict(re.findall(r'name="(SAMLRequest|RelayState)" value="([^"]*)"', page.text))
        answer = browser.post(
            f"{self.base}/sso/login/",
            data={k: unescape(v) for k, v in fields.items()}
            | {"username": username, "password": password},
            timeout=10,
        )
        assert answer.status_code == 200, f"the provider refused the sign-in: {answer.text[:500]}"
        action = re.search(r'action="([^"]+)"', answer.text)
        assert action, answer.text[:500]
        posted = dict(re.findall(r'name="(SAMLResponse|RelayState)" value="([^"]*)"', answer.text))
        return urljoin(sso_url, unescape(action.group(1))), {
            k: unescape(v) for k, v in posted.items()
        }
