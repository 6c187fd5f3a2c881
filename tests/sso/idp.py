"""The test identity provider (``tests/sso/idp_project``) in a subprocess on 127.0.0.1.

``IdentityProvider.sign_in(authorize_url, username, password)`` plays the
person's browser at the provider (its own sign-in form, with CSRF) and
returns the URL it redirects back to the console with (code and state).
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_provider(module: str, args: list[str], *, env: dict, ping: str) -> subprocess.Popen:
    """``python -m module *args`` on 127.0.0.1, once its ``ping`` URL answers (60 s at most)."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(ping, timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"the test identity provider {module} exited: {output}")
    process.kill()
    raise RuntimeError(f"the test identity provider {module} did not start in 60 s")


def stop_provider(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


class IdentityProvider:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "IDP_DATABASE": str(tmp / "idp.sqlite3"), "PYTHONPATH": str(ROOT)}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.pop("DATABASE_URL", None)
        self.process = start_provider(
            "tests.sso.idp_project.serve", [str(self.port)], env=env, ping=f"{self.issuer}/ping/"
        )

    def stop(self) -> None:
        stop_provider(self.process)

    def setup(self, *, users=(), clients=()) -> None:
        response = requests.post(
            f"{self.issuer}/test-setup/",
            json={"users": list(users), "clients": list(clients)},
            timeout=10,
        )
        response.raise_for_status()

    def add_person(
        self, email: str, password: str = "idp-passw0rd", name: str = "", verified: bool = True
    ) -> str:
        username = email.replace("@", "_at_")
        person = {"username": username, "email": email, "password": password, "name": name}
        self.setup(users=[{**person, "verified": verified}])
        return username

    def add_client(self, client_id: str, secret: str, redirect_uri: str) -> None:
        self.setup(clients=[{"id": client_id, "secret": secret, "redirect_uris": [redirect_uri]}])

    def sign_in(self, authorize_url: str, username: str, password: str = "idp-passw0rd") -> str:
        """The browser's part at the provider; returns the console URL it sends back to."""
        browser = requests.Session()
        url = authorize_url
        for _ in range(10):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (301, 302, 303):
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(self.issuer):
                    return url
                continue
            if "/accounts/login/" in url and response.status_code == 200:
                response = browser.post(
                    url,
                    data={
                        "login": username,
                        "password": password,
                        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                    },
                    headers={"Referer": url},
                    allow_redirects=False,
                    timeout=10,
                )
                if response.status_code != 302:
                    raise AssertionError(
                        f"the provider refused the sign-in: {response.status_code}"
                    )
                url = urljoin(url, response.headers["Location"])
                continue
            raise AssertionError(
                f"unexpected answer from the provider at {url}: {response.status_code}"
            )
        raise AssertionError("too many redirects at the provider")
