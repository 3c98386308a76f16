"""Analysis pools end with the process that started them (a killed import leaves no orphans)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Eight quick tasks, then the parent kills itself: one worker may still be starting up.
PARENT = """
import os, signal
from articles.workers import process_pool
pool = process_pool(2)
pids = {f.result() for f in [pool.submit(os.getpid) for _ in range(8)]}
pids |= {p.pid for p in pool._processes.values()}
print(*sorted(pids), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose; read its state where /proc exists.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_pool_workers_exit_when_their_parent_is_killed(tmp_path):
    # Output to a file, not a pipe: an orphan holding the pipe would hang the test, not fail it.
    out = tmp_path / "out.txt"
    with out.open("w") as stdout:
        code = subprocess.run(
            [sys.executable, "-c", PARENT], cwd=ROOT, stdout=stdout, stderr=subprocess.STDOUT
        ).returncode
    assert code == -signal.SIGKILL, out.read_text()
    workers = [int(pid) for pid in out.read_text().split()]
    assert len(workers) == 2, out.read_text()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if alive(pid)]


def test_a_pool_analyses_with_the_pipeline_and_the_parent_never_loads_it():
    """The parent of an import only writes: the text modules (their patterns take ~0.35 s of
    CPU to compile) load in the workers alone."""
    script = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
django.setup()
from articles import importing, workers
pool = workers.process_pool(1)
raw = "A title\\n\\nThe minister said: \\u201cWe will go on with it.\\u201d\\n".encode()
parts = pool.submit(workers.article_parts, raw).result()
pool.shutdown()
print(parts.title, len(parts.quotes), "articles.text.quotes" in sys.modules)
"""
    env = dict(os.environ, SECRET_KEY="test-only", HTTPS="false")
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["A", "title", "1", "False"]
