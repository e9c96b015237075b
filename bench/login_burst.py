"""100 simultaneous logins against the embedded mode as `make run` serves it
(gunicorn gthread on SQLite) — issue 11, item 2.

Used by tests/security/test_login_burst.py (which asserts no 5xx, never a time)
and runnable alone to record the figures:

    .venv/bin/python -m bench.login_burst [-n 100] [--workers 2 --threads 4]

It writes bench/results/<date>-login-burst-sqlite.json. Each person comes from
their own address (X-Forwarded-For, the server trusting one proxy hop), fetches
the form (CSRF token), then all post at once; one in five types a wrong password.
Production limits and hashes: Argon2id with the production parameters (the steady
state), or `--hash scrypt` for Werkzeug's scrypt hashes of accounts made before
the move to Argon2id (each login then checks scrypt and re-hashes with Argon2id).

`python -m bench.login_burst --hash-cost` prints the CPU cost of one check of each
algorithm in isolation instead.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "une phrase de passe solide"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def accounts(n: int) -> list[str]:
    return [f"agent{k:03d}@burst.example" for k in range(n)]


def production_hash(algorithm: str = "argon2id") -> str:
    """A hash of PASSWORD as production makes it (the served app's configuration,
    not the tests' tiny Argon2 parameters), or Werkzeug's scrypt of older accounts."""
    import tempfile

    from werkzeug.security import generate_password_hash

    from change_portal.accounts import passwords
    from change_portal.config import load_config

    if algorithm == "scrypt":
        return generate_password_hash(PASSWORD, method="scrypt")
    # A throw-away instance path: load_config may keep a generated secret key there.
    config = load_config(Path(tempfile.mkdtemp(prefix="cp-burst-")))
    return passwords.hash_password(PASSWORD, config=config)


def hash_cost(repeat: int = 10) -> dict:
    """CPU seconds of one check: Werkzeug scrypt (N=2^15, the former default) vs
    Argon2id with the production parameters."""
    from werkzeug.security import check_password_hash

    from change_portal.accounts import passwords

    costs = {}
    for algorithm in ("scrypt", "argon2id"):
        hash_ = production_hash(algorithm)
        check = check_password_hash if algorithm == "scrypt" else passwords.verify
        start = time.process_time()
        for _ in range(repeat):
            assert check(hash_, PASSWORD)
        costs[algorithm] = round((time.process_time() - start) / repeat, 4)
    return costs


def prepare(n: int, algorithm: str = "argon2id"):
    """A fresh SQLite database with n agents sharing one hash (hashing it n times
    would only slow the set-up). Returns the LiveServer whose env to use."""
    from sqlalchemy import update

    from change_portal.accounts.models import Account
    from change_portal.extensions import db
    from tests import factories
    from tests.live import LiveServer

    live = LiveServer("burst", redis_url=None, demo=False,
                      database_url=_sqlite_url())
    live.stop()  # only its database and environment are used
    with live.app.app_context():
        org = factories.create_organisation(slug="burst", name="Commune de Burst")
        for email in accounts(n):
            factories.create_user(org, ["agent"], email=email)
        db.session.execute(update(Account).where(Account.email.in_(accounts(n))).values(
            password_hash=production_hash(algorithm)))
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()
    return live


def _sqlite_url() -> str:
    import tempfile

    return f"sqlite:///{tempfile.mkdtemp(prefix='cp-burst-')}/burst.sqlite3"


@contextmanager
def served(live, *, workers: int = 2, threads: int = 4):
    """`flask serve` (what `make run` starts) on the prepared database."""
    from tests.live import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGIN_LIMIT_", "REDIS"))}
    env.update(live.env, PROXY_FIX_HOPS="1", SESSION_COOKIE_SECURE="0", PYTHONPATH=str(ROOT))
    env.pop("REDIS_URL", None)
    log = open(Path(live.env["INSTANCE_PATH"]) / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "change_portal", "serve",
         "--port", str(port), "--workers", str(workers), "--threads", str(threads)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited: {proc.returncode}") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def burst(url: str, n: int = 100, wrong_every: int = 5) -> dict:
    """n people fetch the login form, then post it all at once (wrong password for
    one in `wrong_every`); returns the statuses and the latency of the posts (s)."""
    barrier = threading.Barrier(n)
    emails = accounts(n)

    def one(k: int):
        address = f"198.51.{k // 250}.{k % 250 + 1}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                             _NoRedirect)
        page = opener.open(urllib.request.Request(
            f"{url}/connexion", headers={"X-Forwarded-For": address}), timeout=120).read()
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        password = "mauvais mot de passe" if k % wrong_every == 0 else PASSWORD
        data = urllib.parse.urlencode(
            {"email": emails[k], "password": password, "csrf_token": token}).encode()
        req = urllib.request.Request(f"{url}/connexion", data=data,
                                     headers={"X-Forwarded-For": address})
        barrier.wait()
        start = time.perf_counter()
        try:
            status = opener.open(req, timeout=120).status
        except urllib.error.HTTPError as err:
            status = err.code
        return status, time.perf_counter() - start

    threads_results: list = [None] * n

    def run(k: int):
        threads_results[k] = one(k)

    workers = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    times = sorted(t for _s, t in threads_results)
    return {
        "n": n,
        "statuses": dict(Counter(s for s, _t in threads_results)),
        "p50": round(statistics.median(times), 3),
        "p99": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3),
        "max": round(times[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--hash", choices=("argon2id", "scrypt"), default="argon2id",
                        help="the stored hashes (scrypt: accounts older than Argon2id)")
    parser.add_argument("--hash-cost", action="store_true",
                        help="only measure one check of each algorithm (CPU seconds)")
    args = parser.parse_args()
    if args.hash_cost:
        print(json.dumps({"cpu_seconds_per_check": hash_cost(),
                          "load": os.getloadavg()[0]}))
        return
    live = prepare(args.n, args.hash)
    with served(live, workers=args.workers, threads=args.threads) as url:
        result = burst(url, args.n)
    result.update(server=f"gunicorn gthread {args.workers}x{args.threads}", database="sqlite",
                  hash=args.hash, cpus=os.cpu_count(), load=os.getloadavg()[0])
    suffix = "" if args.hash == "argon2id" else f"-{args.hash}"
    out = ROOT / "bench" / "results" / f"{date.today()}-login-burst-sqlite{suffix}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
