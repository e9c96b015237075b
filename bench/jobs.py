"""One heavy job, measured in its own process: seconds and peak memory.

    python -m bench.jobs JOB --database-url URL --manifest PATH

JOB is one of:
- library_sync: import the whole shipped starter library (courses.importer.sync),
  then roll back so the measure is the same every time (modules created);
- digest: the daily forum digest for every person who has unread notifications
  (forums.notify.send_digests, batch after batch), emails written to a temporary
  outbox. Each message's key is committed as it is sent (that is what makes a retried
  batch skip the people mailed), so the previous run's digests are undone first
  (their sent_mail keys, emailed_at, last_digest_at), outside the timing;
- council_pdf: the council report of the large collectivité
  (officials.jobs.build_report on a new ReportJob), rolled back;
- reindex: the full search reindex (forums.search.reindex_all), committed (the
  result is the same index).

Prints one JSON line: seconds, peak RSS (ru_maxrss) and RSS before the job.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.pages import WORK, load_manifest

JOBS = ("library_sync", "digest", "council_pdf", "reindex")


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("job", choices=JOBS)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--manifest", required=True, type=Path)
    args = parser.parse_args(argv)
    outbox = tempfile.mkdtemp(prefix="cp-bench-outbox-")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["OUTBOX_DIR"] = outbox
    os.environ.pop("MAIL_SERVER", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("INSTANCE_PATH", str(WORK / "instance-jobs"))
    manifest = load_manifest(args.manifest)

    from change_portal import create_app
    from change_portal.extensions import db

    app = create_app()
    out: dict = {"job": args.job}
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        before = rss_kb()
        started = time.perf_counter()
        if args.job == "library_sync":
            from courses import importer

            report = importer.sync(None, None)
            out["detail"] = report.summary()
            db.session.rollback()
        elif args.job == "digest":
            from forums import notify

            for sql in ("DELETE FROM sent_mail WHERE key LIKE 'forum-digest-%'",
                        "UPDATE forum_notification SET emailed_at = NULL "
                        "WHERE emailed_at IS NOT NULL",
                        "UPDATE forum_notification_preference SET last_digest_at = NULL "
                        "WHERE last_digest_at IS NOT NULL"):
                db.session.execute(db.text(sql))
            db.session.commit()
            started = time.perf_counter()
            cpu = time.process_time()
            out["digests_sent"] = notify.send_digests()
            out["cpu_seconds"] = round(time.process_time() - cpu, 2)
            db.session.flush()
            db.session.rollback()
            out["emails_written"] = len(os.listdir(outbox))
        elif args.job == "council_pdf":
            from change_portal.officials import jobs as roadmap_jobs
            from change_portal.roadmap.models import ReportJob

            job = ReportJob(organisation_id=manifest["organisation_id"], kind="pdf",
                            requested_by_id=manifest["users"]["elected"])
            db.session.add(job)
            db.session.flush()
            roadmap_jobs.build_report(job.id)
            db.session.flush()
            out["status"] = job.status
            out["pdf_bytes"] = len(job.content or b"")
            db.session.rollback()
        elif args.job == "reindex":
            from forums import search

            out["posts_indexed"] = search.reindex_all()
            db.session.commit()
        out["seconds"] = round(time.perf_counter() - started, 2)
    out["rss_before_kb"] = before
    out["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    shutil.rmtree(outbox, ignore_errors=True)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
