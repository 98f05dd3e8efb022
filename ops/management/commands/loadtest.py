"""Serve the site with gunicorn and drive its busiest pages with wrk on 127.0.0.1.

Bounded: each endpoint runs --duration seconds; gunicorn is stopped at the end, even on
errors. Seed first (docs/benchmarks.md): `seed_bulk` and `rebuild_index`.
"""

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.urls import NoReverseMatch, reverse
from PIL import Image, ImageDraw

from cases.models import Case

LUA = Path(__file__).resolve().parents[2] / "bench" / "report.lua"


class Command(BaseCommand):
    help = "Load-test public text search, the search API and a logged-in case page."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=30, help="seconds each")
        parser.add_argument("--connections", type=int, default=100)
        parser.add_argument("--threads", type=int, default=2, help="wrk threads")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
        parser.add_argument("--worker-threads", type=int, default=4)
        parser.add_argument(
            "--timeout", type=int, default=30, help="seconds before wrk gives up"
        )
        parser.add_argument("--port", type=int, default=0, help="0: any free port")

    def handle(self, *args, **o):
        if not shutil.which("wrk"):
            raise CommandError("wrk is not installed: apt-get install wrk")
        if not o["port"]:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                o["port"] = s.getsockname()[1]
        base = f"http://127.0.0.1:{o['port']}"
        case = Case.objects.exclude(status="draft").order_by("pk").first()
        if case is None:
            raise CommandError("No cases: seed first (seed_bulk).")
        cookie = f"{settings.SESSION_COOKIE_NAME}={self._session_for(case.complainant)}"
        targets = [
            ("text search page", f"{base}/search/?q=%E7%89%A1%E4%B8%B9", None),
            ("search API", f"{base}/api/v1/designs/?q=%E7%89%A1%E4%B8%B9", None),
            ("case page (logged in)", f"{base}/cases/{case.pk}/", cookie),
        ]
        try:  # image match, once the search app serves it
            targets.append(("image match API", base + reverse("api:match"), None))
        except NoReverseMatch:
            pass
        load_before = os.getloadavg()[0]
        server = self._start_gunicorn(o)
        try:
            self._wait_until_up(base, server)
            rows = []
            for label, url, cookie_header in targets:
                self._check(url, cookie_header)
                rows.append((label, self._wrk(url, cookie_header, o)))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        self._print(rows, o, load_before)

    def _session_for(self, user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    def _start_gunicorn(self, o) -> subprocess.Popen:
        env = dict(os.environ)
        env.update(
            IPCENTER_DEBUG="false",
            # The same key as this process, which signed the session cookie we send.
            IPCENTER_SECRET_KEY=settings.SECRET_KEY,
            IPCENTER_ALLOWED_HOSTS="127.0.0.1",
            IPCENTER_SSL_REDIRECT="false",
            # Measure the pages, not the limiter: one address sends all the load.
            IPCENTER_API_RATE_LIMIT="100000000",
        )
        command = [
            sys.executable, "-m", "gunicorn", "ipcenter.wsgi",
            "--bind", f"127.0.0.1:{o['port']}",
            "--workers", str(o["workers"]),
            "--worker-class", "gthread",
            "--threads", str(o["worker_threads"]),
            "--timeout", "60",
            "--log-level", "warning",
        ]  # fmt: skip
        return subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, start_new_session=True
        )

    def _wait_until_up(self, base: str, server: subprocess.Popen) -> None:
        for _ in range(60):
            if server.poll() is not None:  # e.g. the port was taken: measure nothing
                raise CommandError("gunicorn exited; see its log above")
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise CommandError("gunicorn did not start within 30 s")

    def _check(self, url: str, cookie: str | None) -> None:
        headers = {"Cookie": cookie or ""}
        body = None
        if url.endswith("/match/"):
            body, headers["Content-Type"] = _photo_upload()
        request = urllib.request.Request(url, data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200 or "/login/" in response.url:
                raise CommandError(f"{url} answered {response.status} {response.url}")

    def _wrk(self, url: str, cookie: str | None, o) -> dict:
        command = [
            "wrk", f"-t{o['threads']}", f"-c{o['connections']}", f"-d{o['duration']}s",
            "--timeout", f"{o['timeout']}s", "-s", str(LUA),
        ]  # fmt: skip
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        if url.endswith("/match/"):
            command[command.index("-s") + 1] = str(self._post_script())
        out = subprocess.run(
            command + [url],
            capture_output=True,
            text=True,
            timeout=o["duration"] + 60,
            check=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    def _post_script(self) -> Path:
        """Return a wrk script that POSTs one photo and reports like report.lua."""
        body, content_type = _photo_upload()
        folder = Path(tempfile.mkdtemp(prefix="ipcenter-load-"))
        (folder / "body").write_bytes(body)
        script = folder / "post.lua"
        script.write_text(
            f'local f = io.open("{folder / "body"}", "rb")\n'
            "wrk.body = f:read('*all')\nf:close()\n"
            'wrk.method = "POST"\n'
            f'wrk.headers["Content-Type"] = "{content_type}"\n' + LUA.read_text()
        )
        return script

    def _print(self, rows, o, load_before: float) -> None:
        self.stdout.write(
            f"{o['connections']} connections, {o['duration']} s per endpoint, wrk "
            f"timeout {o['timeout']} s, gunicorn {o['workers']} workers × "
            f"{o['worker_threads']} threads, 1-minute load average before: {load_before:.1f}\n"
        )
        self.stdout.write(
            "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |\n"
            "|---|---:|---:|---:|---:|---:|---|"
        )
        for label, r in rows:
            errors = sum(
                r[k] for k in ("connect", "read", "write", "status", "timeout")
            )
            rps = r["requests"] / (r["duration_us"] / 1e6)
            self.stdout.write(
                f"| {label} | {r['requests']} | {rps:.1f} | {r['p50_us'] / 1000:.0f} | "
                f"{r['p95_us'] / 1000:.0f} | {r['p99_us'] / 1000:.0f} | {errors} |"
            )


def _photo_upload() -> tuple[bytes, str]:
    """A phone-sized JPEG of a print, as multipart/form-data field `image`."""
    image = Image.new("RGB", (800, 800), (240, 230, 210))
    draw = ImageDraw.Draw(image)
    for x in range(0, 800, 100):
        for y in range(0, 800, 100):
            draw.ellipse((x + 10, y + 10, x + 80, y + 80), fill=(160, 30, 50))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    boundary = "ipcenterloadtest"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
        f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + out.getvalue()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"
