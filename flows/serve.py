"""Scheduled ingestion: serve the ingest flow over an inbox folder (or URL list) on a cron or interval.

The Prefect server keeps the schedule and creates the due flow runs; this process picks them up
and runs each one itself, in a thread, one at a time:

- runs fork their workers from this process's warm worker server (flows/runtime.py) instead of
  starting a `prefect.engine` subprocess that warms its own (Prefect's `serve` does that: 60-130 s
  for a run with nothing new, measured);
- a run that falls due while another is going is skipped: its scheduled flow run is deleted
  before it starts, so the runs list shows runs that ran, not a "Cancelled - concurrency limit"
  entry per tick (24 of 34 runs at `--interval 30` with Prefect's CANCEL_NEW limit);
- SIGTERM or SIGINT to this process (a service manager, or Ctrl-C) stops the worker processes at
  once, waits for the in-flight run to end (its committed batches stay), marks its flow run
  Cancelled and its `runs` row `cancelled`, pauses the schedule, ends every child process, and
  says so in one line.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect.deployments.runner import EntrypointType, RunnerDeployment

from flows.ingest import ingest
from flows.settings import IngestSettings

DEPLOYMENT_NAME = "factwire-inbox"
DEFAULT_CRON = "*/15 * * * *"
# How long a stopping serve waits for the in-flight run to end by itself once its workers are gone
# (it commits the batch it is loading and records its end), then after interrupting it: within
# the 15 s a service manager commonly allows before SIGKILL.
STOP_WAIT_SECONDS = 6.0
INTERRUPT_WAIT_SECONDS = 4.0

log = logging.getLogger("factwire.serve")


def scheduled_settings(settings: IngestSettings) -> IngestSettings:
    """Paths made absolute: scheduled runs must not depend on the working folder."""
    return settings.model_copy(update={
        "paths": [str(Path(p).resolve()) for p in settings.paths],
        "urls": str(Path(settings.urls).resolve()) if settings.urls else None,
        "db": str(Path(settings.db).resolve()),
    })


def build_deployment(
    settings: IngestSettings,
    cron: str | None = DEFAULT_CRON,
    interval_seconds: float | None = None,
    name: str = DEPLOYMENT_NAME,
) -> RunnerDeployment:
    """The ingest flow as a deployment on a schedule. No concurrency limit on the server: this
    process runs one at a time and skips what falls due meanwhile (see the module docstring)."""
    if (cron is None) == (interval_seconds is None):
        raise ValueError("give exactly one of cron or interval_seconds")
    schedule = {"cron": cron} if cron is not None else {"interval": timedelta(seconds=float(interval_seconds or 0))}
    deployment = ingest.to_deployment(
        name=name,
        parameters={"settings": scheduled_settings(settings).model_dump(mode="json")},
        description="Ingest what is new in the inbox (known documents are skipped by content hash; nothing is moved).",
        tags=["factwire"],
        # Imported by module path, so a runner finds the flow from any working folder.
        entrypoint_type=EntrypointType.MODULE_PATH,
        **schedule,  # type: ignore[arg-type]
    )
    assert isinstance(deployment, RunnerDeployment)  # sync call: to_deployment is sync-compatible
    return deployment


class ServeStopped(BaseException):  # noqa: N818  # a stop, not an error: BaseException so `except Exception` lets it through
    """Raised in the run's thread when serve is told to stop and the run does not end by itself."""


@dataclass
class Server:
    """The loop behind `factwire serve`: due runs picked up and run here, one at a time."""

    deployment: RunnerDeployment
    poll_seconds: float = 2.0
    say: Callable[[str], None] = print
    deployment_id: UUID | None = None
    stop_signal: str | None = None
    current: Any = None  # the flow run in flight
    thread: threading.Thread | None = None
    n_runs: int = 0
    n_skipped: int = 0
    n_children_ended: int = 0
    _wake: threading.Event = field(default_factory=threading.Event)

    # --- the loop ---------------------------------------------------------------------------------

    def serve(self) -> int:
        """Register the deployment, then run what falls due until SIGTERM or SIGINT."""
        from prefect.client.orchestration import get_client

        deployment_id = cast(UUID, self.deployment.apply())  # sync call: apply is sync-compatible
        self.deployment_id = deployment_id
        client = get_client(sync_client=True)
        client.resume_deployment(deployment_id)  # a schedule paused by the last stop runs again
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self.stop_signal:
                due = self._due_runs(client)
                if due:
                    *late, latest = due
                    for skipped in late:
                        self._skip(client, skipped)
                    self._run(latest)
                else:
                    self._wake.wait(self.poll_seconds)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        return self._stop(client)

    def _due_runs(self, client: Any) -> list[Any]:
        """This deployment's scheduled flow runs whose time has come, oldest first."""
        from prefect.client.schemas.filters import (
            DeploymentFilter,
            DeploymentFilterId,
            FlowRunFilter,
            FlowRunFilterNextScheduledStartTime,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType
        from prefect.client.schemas.sorting import FlowRunSort

        return list(client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[self.deployment_id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                next_scheduled_start_time=FlowRunFilterNextScheduledStartTime(before_=datetime.now(UTC)),
            ),
            sort=FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC,
            limit=200,
        ))

    def _skip(self, client: Any, flow_run: Any) -> None:
        """A due run overtaken by a later one (it fell due while a run was going): deleted unstarted."""
        client.delete_flow_run(flow_run.id)
        self.n_skipped += 1
        log.info("skipped run due at %s: a run was still going", flow_run.next_scheduled_start_time)

    def _run(self, flow_run: Any) -> None:
        """Run one due flow run in a thread of this process and wait for it (or for a stop)."""
        from prefect.client.orchestration import get_client
        from prefect.flow_engine import run_flow
        from prefect.states import Pending

        from flows import runtime

        settings = IngestSettings.model_validate(flow_run.parameters["settings"])
        accepted: Any = get_client(sync_client=True).set_flow_run_state(flow_run.id, Pending())
        if accepted.status.value != "ACCEPT":  # taken by someone else meanwhile (another serve)
            return
        flow = ingest.with_options(task_runner=runtime.task_runner_for(settings))
        self.current = flow_run

        self.thread = threading.Thread(
            target=run_flow, name=f"flow-run-{flow_run.id}",
            kwargs={"flow": flow, "flow_run": flow_run, "parameters": {"settings": settings}, "return_type": "state"},
            daemon=True)
        self.thread.start()
        while self.thread.is_alive() and not self.stop_signal:
            self.thread.join(0.2)
        if not self.stop_signal:
            self.current = None
            self.n_runs += 1

    # --- stopping ---------------------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: Any) -> None:
        """First SIGTERM/SIGINT: stop the workers at once and leave the loop; later ones are ignored."""
        if self.stop_signal:
            return
        self.stop_signal = signal.Signals(signum).name
        from tasks.runs import request_stop

        request_stop(f"factwire serve stopped by {self.stop_signal}")
        self.n_children_ended += end_children(grace=0.0)  # the batches in flight end now; the run sees its pool broken
        # The run now fails on its broken pool; the one line below says why, not a traceback.
        logging.getLogger("prefect.flow_runs").setLevel(logging.CRITICAL)
        self._wake.set()

    def _stop(self, client: Any) -> int:
        """After a stop signal: the in-flight run ended and marked cancelled, the schedule paused,
        every child process gone, one line said. Returns the exit status (0: a clean stop)."""
        in_flight = ""
        if self.current is not None and self.thread is not None:
            self.thread.join(STOP_WAIT_SECONDS)
            if self.thread.is_alive():  # still inside the flow (a long load or link): stop it there
                threading.excepthook = _quiet_about_stops
                _raise_in_thread(self.thread, ServeStopped)
                self.thread.join(INTERRUPT_WAIT_SECONDS)
            in_flight = self._end_in_flight(client, self.current)
        paused = ""
        try:
            client.pause_deployment(cast(UUID, self.deployment_id))
            paused = "schedule paused"
        except Exception as exc:  # the server may be gone too; say so rather than fail the stop
            paused = f"schedule not paused ({type(exc).__name__})"
        n_ended = self.n_children_ended + end_children(grace=2.0)
        runs = f"{self.n_runs} run{'s' * (self.n_runs != 1)} done" + (f", {self.n_skipped} skipped" if self.n_skipped else "")
        self.say(f"factwire serve: stopped by {self.stop_signal}; {in_flight or 'no run in flight'}; {paused}; "
                 f"{n_ended} child process{'es' * (n_ended != 1)} ended; {runs}.")
        return 0

    def _end_in_flight(self, client: Any, flow_run: Any) -> str:
        """The run in flight when the stop came: left as it is if it completed meanwhile, otherwise
        its flow run Cancelled and its runs row `cancelled`, whatever state the interruption left."""
        from prefect.states import Cancelled

        from warehouse.runs import cancel_run_row

        try:
            flow_run = client.read_flow_run(flow_run.id)  # its name and state now
        except Exception as exc:
            log.warning("could not read flow run %s: %s", flow_run.id, exc)
        if flow_run.state is not None and flow_run.state.is_completed():
            return f"run {flow_run.name} finished first"
        reason = (f"factwire serve stopped by {self.stop_signal} (pid {os.getpid()}); committed batches stay, "
                  "the next run picks up the rest")
        name = flow_run.name.rsplit(" · ", 1)[0] + " · cancelled" if " · " in flow_run.name else flow_run.name
        try:
            client.set_flow_run_state(flow_run.id, Cancelled(message=reason), force=True)
            client.update_flow_run(flow_run.id, name=name)
        except Exception as exc:
            log.warning("could not mark flow run %s cancelled: %s", flow_run.id, exc)
        settings = IngestSettings.model_validate(flow_run.parameters["settings"])
        try:
            cancel_run_row(settings.db, str(flow_run.id), reason)
        except Exception as exc:
            log.warning("could not mark the run row cancelled: %s", exc)
        return f"run {name}"


def _quiet_about_stops(args: threading.ExceptHookArgs) -> None:
    """A run thread ended by ServeStopped is a stop, said in one line by _stop(), not a traceback."""
    if not issubclass(args.exc_type, ServeStopped):
        threading.__excepthook__(args)


def _raise_in_thread(thread: threading.Thread, exc_type: type[BaseException]) -> None:
    """Raise `exc_type` in another thread at its next Python instruction."""
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exc_type))


def end_children(grace: float) -> int:
    """End every process this one started (the worker server and its workers): SIGTERM, then
    SIGKILL after `grace` seconds. Returns how many there were.

    multiprocessing's resource tracker is left alone: it ends by itself when this process exits
    (its pipe closes), while a killed one is started again at exit and prints a traceback per
    semaphore it never saw."""
    import psutil

    children = [c for c in psutil.Process().children(recursive=True) if not _is_resource_tracker(c)]
    for child in children:
        with suppress(psutil.NoSuchProcess):
            if grace:
                child.terminate()
            else:
                child.kill()
    _gone, alive = psutil.wait_procs(children, timeout=grace or 1.0)
    for child in alive:
        with suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(alive, timeout=2.0)
    return len(children)


def _is_resource_tracker(process: Any) -> bool:
    import psutil

    try:
        return any("resource_tracker" in part for part in process.cmdline())
    except psutil.Error:
        return False


def serve(deployment: RunnerDeployment, say: Callable[[str], None] = print) -> int:
    """Run the schedule in this process until SIGTERM or SIGINT; returns the exit status."""
    poll = float(os.environ.get("PREFECT_RUNNER_POLL_FREQUENCY", "2"))
    return Server(deployment, poll_seconds=min(poll, 5.0), say=say).serve()


__all__ = ["DEPLOYMENT_NAME", "Server", "build_deployment", "end_children", "scheduled_settings", "serve"]
