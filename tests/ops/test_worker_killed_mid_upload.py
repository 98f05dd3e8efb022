"""Kill a gunicorn worker in the middle of an upload: no row, and the scan removes the file.

A real gunicorn serves a file-backed SQLite database. A gunicorn config hook (test code
only) makes the worker pause right after the image file is on disk and before the row is
committed; the test SIGKILLs it there, the worst moment, when no cleanup code can run.
"""

import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.factories import pattern_png

HOOK = """
import os, time

def post_worker_init(worker):
    from designs import services
    original = services.track_written

    def track_then_pause(name):
        original(name)
        with open(os.environ["PAUSE_FLAG"], "w") as flag:
            flag.write(str(os.getpid()))
        time.sleep(60)

    services.track_written = track_then_pause
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork and signals")
@pytest.mark.skipif(
    os.environ.get("IPCENTER_TEST_POSTGRES") == "true",
    reason="runs its own SQLite server; once per CI run (in the SQLite pass) is enough",
)
def test_worker_killed_between_file_and_commit_leaves_no_row_and_scan_cleans(
    tmp_path,
):
    db = tmp_path / "db.sqlite3"
    media = tmp_path / "media"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("IPCENTER_", "DJANGO"))
    }
    env.update(
        IPCENTER_DATABASE_URL=f"sqlite:///{db}",
        IPCENTER_DATA_DIR=str(tmp_path),
        IPCENTER_MEDIA_DIR=str(media),
        IPCENTER_SEARCH_BACKEND="whoosh",
        IPCENTER_DEBUG="true",
        PAUSE_FLAG=str(tmp_path / "paused"),
    )
    assert _manage(env, "migrate", "-v0").returncode == 0
    made = _manage(
        env,
        "shell",
        "-c",
        "from accounts.models import User; from django.contrib.sessions.backends.db "
        "import SessionStore; u = User.objects.create_user('kill', password='x'); "
        "s = SessionStore(); s['_auth_user_id'] = str(u.pk); "
        "s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend'; "
        "s['_auth_user_hash'] = u.get_session_auth_hash(); s.create(); "
        "print(s.session_key)",
    )
    session_key = made.stdout.strip().splitlines()[-1]
    (tmp_path / "hook.py").write_text(HOOK)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ipcenter.wsgi",
            "-c",
            str(tmp_path / "hook.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "120",
        ],  # fmt: skip
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/designs/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        csrf = secrets.token_hex(16)
        body, content_type = _multipart(
            {
                "csrfmiddlewaretoken": csrf,
                "title": "断电测试",
                "category": "bedding_set",
                "technique": "print",
                "authors": "张三",
                "created_on": "2025-01-02",
                "originality": "original",
            },
            {"new_images": ("kill.png", pattern_png(99))},
        )
        request = urllib.request.Request(
            base + "/designs/new/",
            data=body,
            headers={
                "Content-Type": content_type,
                "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
            },
        )
        outcome = {}

        def upload():
            try:
                urllib.request.urlopen(request, timeout=60)
            except (urllib.error.URLError, ConnectionError, OSError) as e:
                outcome["error"] = e

        sender = threading.Thread(target=upload)
        sender.start()
        flag = tmp_path / "paused"
        for _ in range(200):
            if flag.exists() and flag.read_text():
                break
            time.sleep(0.05)
        worker_pid = int(flag.read_text())
        written = [p for p in media.rglob("*") if p.is_file()]
        assert len(written) == 1  # the file is on disk, the row not yet committed
        os.kill(worker_pid, signal.SIGKILL)
        sender.join(timeout=30)
        assert "error" in outcome  # the client saw the connection die

        with sqlite3.connect(db) as conn:
            for table in ("designs_fabricdesign", "designs_designimage"):
                assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)

        scan = _manage(env, "scan_orphans")
        assert scan.returncode == 1
        assert "1 orphan file(s), 0 missing file(s)" in scan.stdout
        cleaned = _manage(
            env, "scan_orphans", "--delete-orphans", "--min-age-minutes=0"
        )
        assert "deleted 1 orphan file(s)" in cleaned.stdout
        assert _manage(env, "scan_orphans").returncode == 0
        assert not [p for p in media.rglob("*") if p.is_file()]
        # gunicorn replaced the dead worker: the site is still up.
        flag.unlink()
        with urllib.request.urlopen(base + "/designs/", timeout=30) as response:
            assert response.status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
