"""A real OpenID provider on 127.0.0.1 for the tests: the npm package oidc-provider (a certified implementation)
under the machine's Node.js (tests/oidc/provider.mjs), and a user agent that signs in at its own pages.

Its accounts are a JSON file read at each sign-in, so a test changes a user's groups by writing the file.
"""

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from tests.mail_server import free_port

HERE = Path(__file__).resolve().parent / "oidc"
NODE = shutil.which("node")
CALLBACK = "https://testserver/login/oidc/callback"


def need_provider() -> None:
    """Fail (when the tools are required) or skip, naming what is missing."""
    missing = ("Node.js (Debian package nodejs)" if NODE is None
               else "oidc-provider (make tests/oidc/node_modules, or npm ci --prefix tests/oidc)"
               if not (HERE / "node_modules" / "oidc-provider").is_dir() else None)
    if missing:
        if os.environ.get("BESVAR_TEST_TOOLS") == "1":
            pytest.fail(f"BESVAR_TEST_TOOLS=1 but {missing} is missing")
        pytest.skip(f"{missing} is not installed; the sign-in tests run a real OpenID provider")


@dataclass
class Provider:
    root: Path
    accounts: dict[str, dict] = field(default_factory=dict)
    id_token_seconds: int = 3600
    clients: list[dict] = field(default_factory=lambda: [
        {"client_id": "besvar", "client_secret": "hemmelig-test", "redirect_uris": [CALLBACK]},
        # Another system of the municipality's, at the same provider: its tokens are not Besvar's.
        {"client_id": "andet-system", "client_secret": "andet-hemmeligt", "redirect_uris": [CALLBACK]}])

    def start(self) -> "Provider":
        need_provider()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.accounts_file = self.root / "accounts.json"
        self.write_accounts()
        self.log = open(self.root / "provider.log", "w")  # noqa: SIM115 - open while the server runs
        self.process = subprocess.Popen(
            [NODE or "node", str(HERE / "provider.mjs"), str(self.port), str(self.accounts_file), json.dumps(self.clients),
             str(self.id_token_seconds)], stdout=self.log, stderr=subprocess.STDOUT, cwd=HERE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"oidc-provider did not start: {(self.root / 'provider.log').read_text()[-2000:]}")

    def write_accounts(self) -> None:
        self.accounts_file.write_text(json.dumps(self.accounts), encoding="utf-8")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def sign_in(self, authorize_url: str, login: str) -> str:
        """Sign in at the provider's own pages as `login` (any password: its development login), consent, and
        return the URL it sends the browser back to (Besvar's callback with code and state)."""
        with httpx.Client(timeout=10) as browser:
            response = browser.get(authorize_url)
            for _ in range(12):
                location = response.headers.get("location")
                if location and location.startswith(CALLBACK):
                    return location
                if location:
                    response = browser.get(urljoin(str(response.url), location))
                    continue
                form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
                assert form, response.text[:500]
                data = {m[1]: m[2] for m in re.finditer(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"',
                                                          response.text)}
                if 'name="login"' in response.text:
                    data |= {"login": login, "password": "vilkårligt"}
                response = browser.post(urljoin(str(response.url), form[1]), data=data)
        raise AssertionError("the provider never sent the browser back to Besvar")
