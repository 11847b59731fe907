"""`make run`'s worker: threads of the runserver process (JOBS_IN_PROCESS), so
that the one command is the whole set-up: a registration's mail reaches the
console without a second process."""

import json
import re
import subprocess
import sys
import time
import urllib.request

from tests.documents import REGISTER, STRONG_PASSWORD
from tests.servers import ROOT, free_port, manage, server_env


def test_runserver_with_jobs_in_process_sends_the_mail_itself(tmp_path):
    env = {**server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}"), "DEBUG": "1", "JOBS_IN_PROCESS": "1"}
    port = free_port()
    with open(tmp_path / "run.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            body = json.dumps(
                {"query": REGISTER, "variables": {"email": "zed@example.com", "password": STRONG_PASSWORD}}
            )
            deadline = time.monotonic() + 30
            while True:
                try:
                    request = urllib.request.Request(
                        f"http://127.0.0.1:{port}/graphql/", body.encode(), {"Content-Type": "application/json"}
                    )
                    with urllib.request.urlopen(request, timeout=10) as answer:
                        assert json.load(answer)["data"]["register"]["success"]
                    break
                except OSError:
                    assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
                    time.sleep(0.2)
            while not re.search(r"/verify-email/\S+", (tmp_path / "run.log").read_text(errors="replace")):
                assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
                time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=10)
    text = (tmp_path / "run.log").read_text(errors="replace")
    assert "Accessing the database during app initialization" not in text
    script = "from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.count())"
    assert manage(env, "shell", "-c", script).split()[-1] == "0"  # done, and its row gone
