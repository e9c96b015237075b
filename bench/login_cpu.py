"""CPU of one login POST besides the password hash, in-process (issue 11, item 2).

    .venv/bin/python -m bench.login_cpu [-n 100] [--profile]

Same database as bench.login_burst (agents with production Argon2id hashes), the app
configured with the production Argon2 parameters (so that no login re-hashes), one
POST /connexion at a time through the test client, each from its own address, one in
five with a wrong password. Prints the median CPU time (time.process_time) of a
successful and of a failed POST, in total and without the hash check: unlike the
burst's wall-clock times, these barely depend on the machine's load. `--profile`
adds a cProfile listing of the POSTs.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import time

from bench import login_burst


def measure(n: int = 100, profile: bool = False) -> dict:
    from change_portal.accounts import login, passwords

    live = login_burst.prepare(n)
    app = live.app
    app.config.update(PASSWORD_ARGON2_TIME_COST=2, PASSWORD_ARGON2_MEMORY_KIB=19 * 1024,
                      PASSWORD_ARGON2_PARALLELISM=1)
    hash_cpu: list[float] = []

    def timed_check(hash_, password):
        start = time.process_time()
        try:
            return passwords.verify(hash_, password)
        finally:
            hash_cpu.append(time.process_time() - start)

    defaults = login.attempt.__kwdefaults__
    saved, defaults["check"] = defaults["check"], timed_check
    prof = cProfile.Profile() if profile else None
    samples: dict[str, list[tuple[float, float]]] = {"success": [], "failure": []}
    emails = login_burst.accounts(n)
    try:
        for k in range(n):
            client = app.test_client()
            env = {"REMOTE_ADDR": f"198.51.{k // 250}.{k % 250 + 1}"}
            page = client.get("/connexion", environ_base=env).data
            token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            wrong = k % 5 == 0
            data = {"email": emails[k], "csrf_token": token.decode(),
                    "password": "mauvais mot de passe" if wrong else login_burst.PASSWORD}
            before = len(hash_cpu)
            warm = k >= 5  # the first requests fill caches
            if prof and warm:
                prof.enable()
            start = time.process_time()
            resp = client.post("/connexion", data=data, environ_base=env)
            spent = time.process_time() - start
            if prof and warm:
                prof.disable()
            assert resp.status_code == (200 if wrong else 302), resp.status_code
            if warm:
                samples["failure" if wrong else "success"].append(
                    (spent, spent - sum(hash_cpu[before:])))
    finally:
        defaults["check"] = saved
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
    return {kind: {"cpu_ms": round(1000 * statistics.median(t for t, _h in rows), 1),
                   "cpu_ms_besides_hash": round(1000 * statistics.median(h for _t, h in rows), 1)}
            for kind, rows in samples.items()} | {"load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure(args.n, args.profile)))


if __name__ == "__main__":
    main()
