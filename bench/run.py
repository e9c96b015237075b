"""The benchmark run: pages under load, query counts, heavy jobs, two instances.

    python -m bench.run --scale full|small [--dialect postgresql|sqlite]

Needs data from `python -m bench.generate` first (see bench/README.md). Starts
gunicorn (2 sync workers) for the portal and for the minimal Flask app, logs in
through the real login form, loads each page with wrk from 127.0.0.1, counts SQL
queries and Markdown renders per page (bench.querycount, small and full
databases of the same dialect when both exist), measures the heavy jobs
(bench.jobs, one process each), reads the web workers' memory, checks two
instances sharing PostgreSQL and Redis, then writes bench/results/<date>-<scale>.json
and .md and refreshes the table in bench/README.md. It never asserts times: it
reports them against the targets of the issue.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.generate import KNOWN_USERS, PASSWORD, manifest_path
from bench.pages import WORK, csrf_token, load_manifest, pages

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - local benchmark only
REDIS_URL = "redis://127.0.0.1:6379/14"
QUEUE = "change_portal_bench"
PG = "postgresql://postgres@127.0.0.1:5432/"
URLS = {
    ("postgresql", "full"): PG + "change_portal_bench",
    ("postgresql", "small"): PG + "change_portal_bench_small",
    ("sqlite", "full"): f"sqlite:///{WORK / 'full.sqlite3'}",
    ("sqlite", "small"): f"sqlite:///{WORK / 'small.sqlite3'}",
}
PORT_MINIMAL, PORT_A, PORT_B, PORT_SMALL = 8710, 8711, 8712, 8713

# Issue 15's targets (issue 8's were 10 %, 15 queries, a 2-minute digest, a 10-s PDF).
# The search target of issue 15 is its database time (p50 < 15 ms, bench/search_db.py);
# the page's p50 under wrk is reported against issue 8's 50 ms.
TARGETS = {
    "ratio_min": 0.05, "ratio_stretch": 0.10, "p99_ms": 100.0, "full_vs_small": 0.8,
    "max_queries": 8, "search_p50_ms": 50.0, "digest_s": 60.0, "pdf_s": 5.0,
    "reindex_s": 90.0, "reindex_mb": 300,
}


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", flush=True)


# --- servers ---------------------------------------------------------------------

class Server:
    """A gunicorn master started in its own process group (stopped by its id)."""

    def __init__(self, name: str, port: int, app: str, env: dict, workers: int = 2) -> None:
        self.name, self.port = name, port
        WORK.joinpath("logs").mkdir(parents=True, exist_ok=True)
        self.logfile = open(WORK / "logs" / f"{name}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-w", str(workers), "--worker-class", "sync",
             "-b", f"127.0.0.1:{port}", app],
            cwd=ROOT, env=env, stdout=self.logfile, stderr=subprocess.STDOUT,
            start_new_session=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self, path: str = "/", timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.logfile.name}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as resp:  # noqa: S310
                    if resp.status < 500:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not start")

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.logfile.close()


def memory_kb(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(line.split()[1])
    return out


# --- HTTP client with the real login form ------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path: str, data: dict | None = None, base: str | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request((base or self.base) + path, data=body)  # noqa: S310
        try:
            with self.opener.open(req, timeout=30) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    def login(self, email: str, password: str, base: str | None = None) -> int:
        status, _h, html = self.request("/connexion", base=base)
        token = csrf_token(html.decode())
        status, _h, _b = self.request("/connexion", {"email": email, "password": password,
                                                     "csrf_token": token, "next": ""}, base=base)
        return status

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


# --- wrk ----------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text.strip())
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * UNITS[m.group(2)]


def wrk(url: str, cookie: str | None, seconds: int, threads: int, connections: int) -> dict:
    # A long timeout: a slow page's requests must count in the latency, not vanish.
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
           "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: _ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:(.*)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": round(rps, 1), "p50_ms": round(lat["50"], 2), "p90_ms": round(lat["90"], 2),
            "p99_ms": round(lat["99"], 2), "requests": int(total.group(1)) if total else None,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1).strip() if errors else ""}


# --- subprocess passes ----------------------------------------------------------------

def run_json(args: list[str], env: dict, timeout: int = 1800) -> dict:
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def versions() -> dict:
    def pkg(name: str) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    out = {"python": platform.python_version(),
           **{n: pkg(n) for n in ("flask", "sqlalchemy", "gunicorn", "psycopg", "rq", "redis")}}
    for name, cmd in (("postgresql", ["psql", "--version"]), ("redis_server",
                                                              ["redis-server", "--version"]),
                      ("wrk", ["wrk", "--version"])):
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            out[name] = (res.stdout or res.stderr).strip().splitlines()[0][:80]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            out[name] = "?"
    import sqlite3

    out["sqlite"] = sqlite3.sqlite_version
    return out


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_kb": int(mem),
            "load_average_start": list(os.getloadavg()), "platform": platform.platform()}


# --- the run --------------------------------------------------------------------------

def base_env(url: str, redis: str | None, instance: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "DATABASE_URL", "FLASK_DEBUG", "MAIL_SERVER")}
    env.update(DATABASE_URL=url, SECRET_KEY=SECRET, SESSION_COOKIE_SECURE="0",
               INSTANCE_PATH=str(WORK / instance), RQ_QUEUE=QUEUE, PYTHONPATH=str(ROOT),
               OUTBOX_DIR=str(WORK / "outbox"))
    if redis:
        env["REDIS_URL"] = redis
    return env


def query_counts(dialect: str, scale: str, env: dict) -> dict:
    out = {}
    for sc in ("small", "full"):
        url = URLS[(dialect, sc)]
        mpath = manifest_path(url)
        if sc != scale and not mpath.exists():
            continue
        log(f"query counts on {sc} ({url})")
        out[sc] = run_json(["bench.querycount", "--database-url", url, "--manifest",
                            str(mpath)], env)["pages"]
    return out


def _logged_in(portal: Server, manifest: dict) -> tuple[dict, dict]:
    cookies, browsers = {}, {}
    for spec in pages(manifest):
        if spec.role not in cookies:
            b = Browser(portal.base)
            status = b.login(KNOWN_USERS[spec.role], PASSWORD)
            if status != 302:
                raise RuntimeError(f"login as {spec.role} on {portal.name}: {status}")
            cookies[spec.role] = b.cookie_header()
            browsers[spec.role] = b
        status, _headers, _body = browsers[spec.role].request(spec.path)
        if status != 200:
            raise RuntimeError(f"{spec.path} as {spec.role} on {portal.name}: HTTP {status}")
    return cookies, browsers


def load_pass(portals: dict[str, tuple[Server, dict]], minimal: Server, args) -> dict:
    """wrk on the minimal page, then on each page of each portal (interleaved, so that
    a drift of the machine touches every portal alike), then the minimal page again."""
    sessions = {label: _logged_in(server, manifest)
                for label, (server, manifest) in portals.items()}
    results: dict = {label: {} for label in portals}
    log("wrk: minimal page")
    results["minimal_before"] = wrk(minimal.base + "/", None, args.duration, args.threads,
                                    args.connections)
    names = [spec.name for spec in pages(next(iter(portals.values()))[1])]
    for name in names:
        for label, (server, manifest) in portals.items():
            spec = next(p for p in pages(manifest) if p.name == name)
            cookies, browsers = sessions[label]
            for _ in range(4):
                browsers[spec.role].request(spec.path)
            log(f"wrk: {label} {spec.name} {spec.path}")
            row = wrk(server.base + spec.path, cookies[spec.role], args.duration,
                      args.threads, args.connections)
            results[label][spec.name] = {**row, "path": spec.path, "role": spec.role}
    log("wrk: minimal page again")
    results["minimal_after"] = wrk(minimal.base + "/", None, args.duration, args.threads,
                                   args.connections)
    return results


def heavy_jobs(url: str, mpath: Path, env: dict) -> dict:
    out = {}
    for job in ("library_sync", "digest", "council_pdf", "reindex"):
        log(f"heavy job: {job}")
        out[job] = run_json(["bench.jobs", job, "--database-url", url, "--manifest", str(mpath)],
                            env, timeout=3600)
    return out


def _spread(a: Server, b: Server, cookie: str, path: str, seconds: int) -> dict:
    """The same session loading A and B at once (one wrk on each, half the connections)."""
    procs = {}
    for name, server in (("A", a), ("B", b)):
        procs[name] = subprocess.Popen(
            ["wrk", "-t1", "-c4", f"-d{seconds}s", "--timeout", "30s", "--latency", "-H",
             f"Cookie: {cookie}", server.base + path], stdout=subprocess.PIPE, text=True)
    out = {}
    for name, proc in procs.items():
        text = proc.communicate()[0]
        rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
        p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
        out[name] = {"rps": float(rps.group(1)) if rps else None,
                     "non_2xx": int(non2xx.group(1)) if non2xx else 0,
                     "p99_ms": _ms(p99.group(1)) if p99 else None}
    out["total_rps"] = round(sum(v["rps"] or 0 for v in out.values()), 1)
    out["path"] = path
    out["ok"] = all(v["non_2xx"] == 0 and v["rps"] for k, v in out.items() if k in ("A", "B"))
    return out


def two_instances(url: str, manifest: dict, env_a: dict, env_b: dict, a: Server,
                  seconds: int) -> dict:
    """Sessions, login throttling and jobs shared by two instances."""
    b = Server("portal-b", PORT_B, "change_portal:create_app()", env_b)
    out: dict = {}
    try:
        b.wait("/healthz")
        # 1. a session opened on A works on B
        browser = Browser(a.base)
        status = browser.login(KNOWN_USERS["elected"], PASSWORD)
        s_a, _h, _b = browser.request("/accueil")
        s_b, h_b, _b = browser.request("/accueil", base=b.base)
        out["session_shared"] = {"login_on_a": status, "home_on_a": s_a, "home_on_b": s_b,
                                 "ok": status == 302 and s_a == 200 and s_b == 200}
        # 1b. the load spread over both, with that one session
        out["load_spread"] = _spread(a, b, browser.cookie_header(), "/accueil", seconds)
        # 2. a job enqueued by A (council report requested on A) is run by a worker
        #    started beside B (same settings as B)
        s_get, _h, html = browser.request("/feuille-de-route/rapports")
        token = csrf_token(html.decode())
        s_post, _h, _b = browser.request("/feuille-de-route/rapports",
                                         {"kind": "pdf", "csrf_token": token})
        job_row = _latest_report(url, manifest["organisation_id"])
        started = time.perf_counter()
        worker = subprocess.run([str(VENV_BIN / "flask"), "--app", "change_portal", "worker",
                                 "--burst"], cwd=ROOT, env=env_b, capture_output=True, text=True,
                                timeout=300)
        after = _latest_report(url, manifest["organisation_id"])
        out["job_across_instances"] = {
            "post_on_a": s_post, "job_id": job_row[0] if job_row else None,
            "status_before_worker": job_row[1] if job_row else None,
            "status_after_worker_beside_b": after[1] if after else None,
            "worker_exit": worker.returncode,
            "worker_seconds": round(time.perf_counter() - started, 2),
            "ok": bool(job_row and job_row[1] == "queued" and after and after[0] == job_row[0]
                       and after[1] == "done"),
        }
        # 3. login throttling counts across both (failures alternate A, B, A…)
        statuses = []
        email = f"inconnu-{int(time.time())}@bench.invalid"
        for i in range(8):
            base = a.base if i % 2 == 0 else b.base
            br = Browser(base)
            statuses.append((("A", "B")[i % 2], br.login(email, "mauvais-mot-de-passe")))
        first_429 = next((i for i, (_n, s) in enumerate(statuses) if s == 429), None)
        out["throttling_shared"] = {
            "attempts": statuses, "first_429_at_attempt": None if first_429 is None
            else first_429 + 1, "limit_per_account_address":
            env_a.get("LOGIN_LIMIT_ACCOUNT_IP", "6/900,20/3600"),
            "ok": first_429 == 6,  # 3 failures on each instance, the 7th refused
        }
    finally:
        b.stop()
    out["ok"] = all(v.get("ok") for v in out.values() if isinstance(v, dict))
    return out


def _latest_report(url: str, organisation_id: int):
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, status FROM roadmap_report_job WHERE "
                                "organisation_id = :o ORDER BY id DESC LIMIT 1"),
                           {"o": organisation_id}).first()
    engine.dispose()
    return tuple(row) if row else None


def flush_redis() -> None:
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()  # db 14 belongs to the benchmark


# --- evaluation and output --------------------------------------------------------------

def evaluate(result: dict, previous_small: dict | None) -> dict:
    t = TARGETS
    load = result.get("load") or {}
    counts = result.get("query_counts") or {}
    minimal = None
    if load:
        minimal = (load["minimal_before"]["rps"] + load["minimal_after"]["rps"]) / 2
    rows = {}
    for spec_name in [p for p in (counts.get(result["scale"]) or {})]:
        row: dict = {}
        page_load = load.get(spec_name)
        if page_load and minimal:
            ratio = page_load["rps"] / minimal
            row.update(rps=page_load["rps"], ratio=round(ratio, 3), p50_ms=page_load["p50_ms"],
                       p99_ms=page_load["p99_ms"], non_2xx=page_load["non_2xx"],
                       ratio_ok=ratio >= t["ratio_min"], stretch_ok=ratio >= t["ratio_stretch"],
                       p99_ok=page_load["p99_ms"] < t["p99_ms"])
        q = {sc: counts[sc][spec_name]["queries"] for sc in counts if spec_name in counts[sc]}
        renders = max(counts[sc][spec_name]["markdown_converts"]
                      + counts[sc][spec_name]["markdown_renders"] for sc in counts)
        row.update(queries=q, queries_equal=len(set(q.values())) == 1 and len(q) >= 2
                   if len(q) >= 2 else None,
                   queries_ok=max(q.values()) <= t["max_queries"], renders=renders,
                   renders_ok=renders == 0)
        same_run = (result.get("load_small") or {}).get(spec_name)
        if same_run and page_load:
            small_rps = same_run["rps"]
            row["rps_small"] = small_rps
            row["full_vs_small"] = round(page_load["rps"] / small_rps, 2)
            row["full_vs_small_ok"] = page_load["rps"] >= t["full_vs_small"] * small_rps
            row["full_vs_small_source"] = "same run"
        elif previous_small and result["scale"] == "full" and page_load:
            small_rps = previous_small.get("load", {}).get(spec_name, {}).get("rps")
            if small_rps:
                row["rps_small"] = small_rps
                row["full_vs_small"] = round(page_load["rps"] / small_rps, 2)
                row["full_vs_small_ok"] = page_load["rps"] >= t["full_vs_small"] * small_rps
        rows[spec_name] = row
    verdict = {"pages": rows, "minimal_rps": round(minimal, 1) if minimal else None}
    if "search" in rows and "p50_ms" in rows["search"]:
        verdict["search_p50_ok"] = rows["search"]["p50_ms"] < t["search_p50_ms"]
    jobs = result.get("jobs") or {}
    if "digest" in jobs:
        verdict["digest_ok"] = jobs["digest"]["seconds"] < t["digest_s"]
    if "council_pdf" in jobs:
        verdict["pdf_ok"] = jobs["council_pdf"]["seconds"] < t["pdf_s"]
    if "reindex" in jobs:
        verdict["reindex_ok"] = (jobs["reindex"]["seconds"] < t["reindex_s"]
                                 and jobs["reindex"]["peak_rss_kb"] < t["reindex_mb"] * 1024)
    return verdict


def yes(v) -> str:
    return "—" if v is None else ("oui" if v else "**non**")


def markdown_report(result: dict) -> str:
    v = result["verdict"]
    m = result["machine"]
    lines = [
        f"# Benchmark {result['date']} — scale {result['scale']}, {result['dialect']}",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_kb'] // 1024} MB; load average at "
        f"start {', '.join(f'{x:.1f}' for x in m['load_average_start'])}. "
        f"Versions: " + ", ".join(f"{k} {val}" for k, val in result["versions"].items()) + ".",
        "",
        f"gunicorn -w 2 --worker-class sync; wrk -t{result['wrk']['threads']} "
        f"-c{result['wrk']['connections']} -d{result['wrk']['seconds']}s from 127.0.0.1; "
        f"{'Redis ' + REDIS_URL if result['redis'] else 'no Redis (embedded mode)'}. "
        f"Minimal Flask page: {v['minimal_rps']} req/s (mean of before/after: "
        f"{result['load']['minimal_before']['rps'] if result.get('load') else '—'} / "
        f"{result['load']['minimal_after']['rps'] if result.get('load') else '—'}).",
        "",
        f"| Page | req/s | % of minimal (≥ {TARGETS['ratio_min']:.0%}) | p50 ms | p99 ms "
        f"(< {TARGETS['p99_ms']:.0f}) | queries small / full (≤ {TARGETS['max_queries']}, "
        f"equal) | Markdown renders on GET | full ÷ small req/s (≥ {TARGETS['full_vs_small']}) |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for name, row in v["pages"].items():
        q = row["queries"]
        qtext = " / ".join(str(q.get(sc, "—")) for sc in ("small", "full"))
        flag_q = "" if row["queries_ok"] and row["queries_equal"] is not False else " ✗"
        ratio = f"{row['ratio'] * 100:.1f} %" + ("" if row.get("ratio_ok") else " ✗") \
            if "ratio" in row else "—"
        p99 = f"{row['p99_ms']}" + ("" if row.get("p99_ok") else " ✗") if "p99_ms" in row else "—"
        fvs = (f"{row['full_vs_small']}" + ("" if row["full_vs_small_ok"] else " ✗")
               + f" (small: {row['rps_small']} req/s)" if "full_vs_small" in row else "—")
        lines.append(f"| {name} | {row.get('rps', '—')} | {ratio} | {row.get('p50_ms', '—')} "
                     f"| {p99} | {qtext}{flag_q} | {row['renders']} | {fvs} |")
    lines += ["", "✗ = target missed.", ""]
    jobs = result.get("jobs") or {}
    if jobs:
        lines += ["| Heavy job | seconds | peak RSS (MB) | RSS before (MB) | detail |",
                  "| --- | ---: | ---: | ---: | --- |"]
        for name, j in jobs.items():
            detail = {k: val for k, val in j.items()
                      if k not in ("job", "seconds", "peak_rss_kb", "rss_before_kb")}
            detail_text = json.dumps(detail, ensure_ascii=False)
            lines.append(f"| {name} | {j['seconds']} | {j['peak_rss_kb'] // 1024} | "
                         f"{j['rss_before_kb'] // 1024} | {detail_text} |")
        lines.append("")
    if result.get("worker_memory"):
        mem = ", ".join(f"pid {pid}: RSS {w['VmRSS'] // 1024} MB (peak {w['VmHWM'] // 1024} MB)"
                        for pid, w in result["worker_memory"].items())
        lines += [f"Web workers after the run: {mem}.", ""]
    checks = [
        (f"Search page p50 under wrk < {TARGETS['search_p50_ms']:.0f} ms",
         v.get("search_p50_ok")),
        (f"Digest for every user < {TARGETS['digest_s']:.0f} s (one process)",
         v.get("digest_ok")),
        (f"Council PDF < {TARGETS['pdf_s']:.0f} s", v.get("pdf_ok")),
        (f"Search reindex < {TARGETS['reindex_s']:.0f} s and < {TARGETS['reindex_mb']} MB",
         v.get("reindex_ok")),
        ("No Markdown rendering on any GET", all(r["renders_ok"] for r in v["pages"].values())),
        (f"Queries ≤ {TARGETS['max_queries']} on every page",
         all(r["queries_ok"] for r in v["pages"].values())),
        ("Queries equal at small and full scale",
         None if any(r["queries_equal"] is None for r in v["pages"].values())
         else all(r["queries_equal"] for r in v["pages"].values())),
    ]
    two = result.get("two_instances")
    if two:
        checks += [
            ("Two instances: a session opened on A works on B", two["session_shared"]["ok"]),
            (f"Two instances: load spread over both with that session (home: "
             f"{two['load_spread']['A']['rps']} + {two['load_spread']['B']['rps']} = "
             f"{two['load_spread']['total_rps']} req/s, no error)", two["load_spread"]["ok"]),
            ("Two instances: login throttling counts across both (7th failure refused)",
             two["throttling_shared"]["ok"]),
            ("Two instances: a job enqueued by A runs on a worker beside B",
             two["job_across_instances"]["ok"]),
        ]
    lines += ["| Check | passed |", "| --- | --- |"]
    lines += [f"| {name} | {yes(ok)} |" for name, ok in checks]
    lines.append("")
    return "\n".join(lines)


def update_readme(md: str) -> None:
    readme = BENCH / "README.md"
    if not readme.exists():
        return
    text = readme.read_text()
    start, end = "<!-- latest-results -->", "<!-- /latest-results -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _old, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{md}\n{end}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="change_portal benchmark run")
    parser.add_argument("--scale", choices=("full", "small"), default="small")
    parser.add_argument("--dialect", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-jobs", action="store_true")
    parser.add_argument("--skip-two-instances", action="store_true")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--tag", default="", help="suffix of the results' file names")
    parser.add_argument("--port-base", type=int, default=8710,
                        help="first of the 4 local ports used (minimal, A, B, small)")
    args = parser.parse_args(argv)
    global PORT_MINIMAL, PORT_A, PORT_B, PORT_SMALL
    PORT_MINIMAL, PORT_A, PORT_B, PORT_SMALL = (args.port_base + i for i in range(4))
    if shutil.which("wrk") is None and not args.skip_load:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    url = URLS[(args.dialect, args.scale)]
    mpath = manifest_path(url)
    if not mpath.exists():
        raise SystemExit(f"no data: run python -m bench.generate --scale {args.scale} "
                         f"--database-url {url}")
    manifest = load_manifest(mpath)
    redis = REDIS_URL if args.dialect == "postgresql" else None
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    result: dict = {
        "date": date, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale, "dialect": args.dialect, "database_url": url, "redis": redis,
        "machine": machine(), "versions": versions(), "targets": TARGETS,
        "data": {"counts": manifest.get("counts"), "generation_seconds":
                 manifest.get("total_seconds"), "generation_steps": manifest.get("timings")},
        "wrk": {"threads": args.threads, "connections": args.connections,
                "seconds": args.duration},
    }
    if redis:
        flush_redis()
    env_a = base_env(url, redis, "instance-a")
    env_b = base_env(url, redis, "instance-b")
    result["query_counts"] = query_counts(args.dialect, args.scale, base_env(url, None, "ic"))
    servers: list[Server] = []
    try:
        if not args.skip_load:
            minimal = Server("minimal", PORT_MINIMAL, "bench.minimal:create_app()", env_a)
            portal = Server("portal-a", PORT_A, "change_portal:create_app()", env_a)
            servers += [minimal, portal]
            portals = {"main": (portal, manifest)}
            small_url = URLS[(args.dialect, "small")]
            if args.scale == "full" and manifest_path(small_url).exists():
                # The small scale in the same run: the full ÷ small ratio then
                # compares pages measured under the same conditions.
                small = Server("portal-small", PORT_SMALL, "change_portal:create_app()",
                               base_env(small_url, redis, "instance-small"))
                servers.append(small)
                small.wait("/healthz")
                portals["small"] = (small, load_manifest(manifest_path(small_url)))
            minimal.wait("/")
            portal.wait("/healthz")
            loads = load_pass(portals, minimal, args)
            result["load"] = {**loads["main"], "minimal_before": loads["minimal_before"],
                              "minimal_after": loads["minimal_after"]}
            if "small" in loads:
                result["load_small"] = loads["small"]
            result["worker_memory"] = {pid: memory_kb(pid) for pid in portal.worker_pids()}
        if not args.skip_jobs:
            result["jobs"] = heavy_jobs(url, mpath, base_env(url, None, "instance-jobs"))
        if redis and not args.skip_two_instances and not args.skip_load:
            log("two instances")
            result["two_instances"] = two_instances(url, manifest, env_a, env_b, servers[1],
                                                    args.duration)
    finally:
        for server in servers:
            server.stop()
        if redis:
            flush_redis()
    result["machine"]["load_average_end"] = list(os.getloadavg())
    previous_small = None
    if args.scale == "full":
        suffix = "-small.json" if args.dialect == "postgresql" else "-small-sqlite.json"
        smalls = sorted(RESULTS.glob(f"*{suffix}"))
        if smalls:
            previous_small = json.loads(smalls[-1].read_text())
            result["compared_with_small"] = smalls[-1].name
    result["verdict"] = evaluate(result, previous_small)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"{date}-{args.scale}" + ("" if args.dialect == "postgresql" else "-sqlite")
    name += f"-{args.tag}" if args.tag else ""
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    md = markdown_report(result)
    (RESULTS / f"{name}.md").write_text(md)
    if not args.no_readme:
        update_readme(md)
    print(md)
    log(f"written bench/results/{name}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
