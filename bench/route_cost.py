"""Bench: server CPU per request for each route of the load mix, this tree beside an earlier commit.

    .venv/bin/python bench/route_cost.py [--against REF] [--requests 100] [--rounds 5] [--postgres URL]

Both versions run as `besvar serve` (one worker each, the earlier one from a git worktree of REF,
default HEAD~1) on databases prepared alike; one client sends each route's requests one after
another, alternating between the two servers round by round, and reads the CPU time each server
used from /proc. The best round per route is printed: on a shared machine whose speed drifts by
tens of percent over minutes, CPU per request side by side is steadier than requests/s from two
runs made at different times. Prints figures; asserts nothing.
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import MIX, QUERIES, QUESTIONS, cpu_seconds, prepare  # noqa: E402
from bench.timing import postgres_schema  # noqa: E402
from tests import server  # noqa: E402


class Target:
    """One server version, its database, a keep-alive connection and its letters' versions."""

    def __init__(self, name: str, url: str, pythonpath: str | None):
        self.name = name
        random.seed(5)  # both databases get the same questions
        tokens, self.drafts, self.versions = prepare(url, 33)
        env_before = os.environ.get("PYTHONPATH")
        if pythonpath:
            os.environ["PYTHONPATH"] = pythonpath  # the worktree's app/ comes before the installed one
        try:
            self.server = server.start(url, workers=1)
        finally:
            if env_before is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = env_before
        address = urllib.parse.urlparse(self.server.url)
        self.conn = http.client.HTTPConnection(address.hostname, address.port)
        self.headers = {"Authorization": f"Bearer {tokens['drafter']}", "Content-Type": "application/json"}
        self.rng = random.Random(1)

    def _send(self, method: str, path: str, body: dict | None = None) -> bytes:
        self.conn.request(method, path, body=json.dumps(body) if body else None, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{self.name}: {method} {path} answered {response.status}: {data[:200]!r}")
        return data

    def request(self, route: str) -> None:
        """One request of the route, as bench/load.py sends it."""
        rng = self.rng
        if route == "healthz":
            self._send("GET", "/healthz")
        elif route == "inbox":
            self._send("GET", "/api/v1/inquiries?limit=50")
        elif route == "library search":
            self._send("GET", "/api/v1/paragraphs?" + urllib.parse.urlencode({"q": rng.choice(QUERIES), "limit": 20}))
        elif route == "suggestions":
            self._send("GET", "/api/v1/suggestions?" + urllib.parse.urlencode({"q": rng.choice(QUESTIONS)}))
        elif route == "letter view":
            self._send("GET", f"/api/v1/letters/{rng.choice(self.drafts)[0]}")
        else:
            letter_id, question_id = rng.choice(self.drafts)
            body = {"version": self.versions[letter_id],
                    "answers": [{"question_id": question_id, "blocks": [{"text": f"Udkast {rng.random():.6f}"}]}]}
            self.versions[letter_id] = json.loads(self._send("PUT", f"/api/v1/letters/{letter_id}", body))["version"]

    def cpu_ms(self, route: str, n: int) -> float:
        """Server CPU per request over n requests of the route, in ms."""
        before = cpu_seconds(self.server.process.pid)
        for _ in range(n):
            self.request(route)
        after = cpu_seconds(self.server.process.pid)
        return 1000 * sum(after[p] - before.get(p, 0.0) for p in after) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", default="HEAD~1", help="the earlier commit to compare with")
    parser.add_argument("--requests", type=int, default=100, help="requests per route and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", help="run on throwaway PostgreSQL schemas instead of SQLite files")
    args = parser.parse_args()
    routes = ["healthz", *(route for route, _ in MIX)]
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        earlier = tmp / "earlier"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(earlier), args.against], cwd=ROOT, check=True)
        stack.callback(subprocess.run, ["git", "worktree", "remove", "--force", str(earlier)], cwd=ROOT, check=False)

        def database(name: str) -> str:
            if args.postgres:
                return stack.enter_context(postgres_schema(args.postgres))
            return f"sqlite:///{tmp / name}.db"

        targets = [Target(args.against, database("earlier"), str(earlier)), Target("this tree", database("this"), None)]
        for target in targets:
            stack.callback(target.server.stop)
            for route in routes * 20:  # warm: caches, pools, the analyzer
                target.request(route)
        best = {t.name: {} for t in targets}
        for _ in range(args.rounds):
            for route in routes:
                for target in targets:
                    ms = target.cpu_ms(route, args.requests)
                    best[target.name][route] = min(best[target.name].get(route, float("inf")), ms)
    database_name = "PostgreSQL" if args.postgres else "SQLite (WAL, file)"
    print(f"{database_name}: server CPU per request, ms (best of {args.rounds} rounds of {args.requests}; one worker each)")
    print(f"  {'route':16s} {args.against:>12s} {'this tree':>12s}")
    for route in routes:
        print(f"  {route:16s} {best[args.against][route]:12.2f} {best['this tree'][route]:12.2f}")
    weights = dict(MIX)
    mix = {name: sum(b[route] * weights[route] / 100 for route in weights) for name, b in best.items()}
    print(f"  {'the load mix':16s} {mix[args.against]:12.2f} {mix['this tree']:12.2f}   "
          f"(2 cores' worth: {2000 / mix[args.against]:.0f} vs {2000 / mix['this tree']:.0f} requests/s)")


if __name__ == "__main__":
    main()
