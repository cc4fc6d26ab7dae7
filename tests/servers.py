"""Real processes for operations tests: a Prefect server, and `factwire` subprocesses that talk to it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


REPO_ROOT = Path(__file__).resolve().parent.parent


def base_env(home: Path, api_url: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for a child process: telemetry off, its own PREFECT_HOME, the given API (or none)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "GX_ANALYTICS_ENABLED": "false",
        "TQDM_DISABLE": "1", "PREFECT_HOME": str(home),
    })
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update(extra)
    return env


def stop(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """End a child started with start_new_session=True, and everything it started."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers in its group (a runner's flow subprocess)
    proc.wait(10)


def wait_until(predicate, timeout: float, interval: float = 0.5, what="condition"):
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` seconds.
    `what` names what was awaited: a string, or a function that describes it when the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what() if callable(what) else what}")


@contextmanager
def prefect_server(home: Path, timeout: float = 150.0) -> Iterator[str]:
    """`prefect server start` on a free 127.0.0.1 port; yields its API URL once /api/health answers."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = base_env(home, PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2", PREFECT_SERVER_UI_API_URL=api)
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def healthy() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"prefect server exited: {(home / 'server.log').read_text(errors='replace')[-2000:]}")
            try:
                return httpx.get(f"{api}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, timeout, what="prefect server /api/health")
        yield api
    finally:
        stop(proc)
        log.close()


def factwire(args: list[str], env: dict[str, str], cwd: Path | None = None, pause_in_load: tuple[float, Path] | None = None,
             **popen) -> subprocess.Popen:
    """Start `factwire ...` in its own process group (so a test can kill it and its children);
    with `pause_in_load` (seconds, marker file), each batch transaction is held open (tests/pause_in_load.py)."""
    command = [str(BIN / "factwire")]
    if pause_in_load:
        command = [str(BIN / "python"), "-m", "tests.pause_in_load", str(pause_in_load[0]), str(pause_in_load[1])]
    return subprocess.Popen([*command, *args], env=env, cwd=cwd or REPO_ROOT, start_new_session=True, **popen)


def _write_half_a_message(kind: type) -> Any:
    """The worker's queue of this kind, after writing the start of a message there (a length, then
    10 of its 1000 bytes), as a worker killed mid-send leaves it."""
    import gc
    import os
    import struct

    queue = next(o for o in gc.get_objects() if type(o) is kind)
    os.write(queue._writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)
    return queue


def send_half_a_result_and_die() -> None:
    """In a pool worker: write the start of a result message on the results pipe, then end the
    process at once, as a worker the OOM killer picks while it sends its batch back."""
    import multiprocessing.queues
    import os

    _write_half_a_message(multiprocessing.queues.SimpleQueue)
    os._exit(9)


def send_half_a_result(marker: str) -> None:
    """In a pool worker: write the start of a result message on the pipe results go back on, as
    a worker killed mid-send leaves it, then wait."""
    import multiprocessing.queues
    import time
    from pathlib import Path

    _write_half_a_message(multiprocessing.queues.SimpleQueue)
    Path(marker).write_text("sent", encoding="utf-8")
    time.sleep(120)


def hold_the_log_queue(marker: str) -> None:
    """In a pool worker: take the lock of the queue the workers send their logs and events on
    and write half a message there, as a worker killed mid-send leaves it, then wait."""
    import multiprocessing.queues
    import time
    from pathlib import Path

    queue = _write_half_a_message(multiprocessing.queues.Queue)
    queue._wlock.acquire()
    Path(marker).write_text("held", encoding="utf-8")
    time.sleep(120)

