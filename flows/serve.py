"""Scheduled ingestion: serve the ingest flow over an inbox folder (or URL list) on a cron or interval."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment

from flows.ingest import ingest
from flows.settings import IngestSettings

DEPLOYMENT_NAME = "factwire-inbox"
DEFAULT_CRON = "*/15 * * * *"


def scheduled_settings(settings: IngestSettings) -> IngestSettings:
    """Paths made absolute: scheduled runs start in a subprocess whose working folder may differ."""
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
    """The ingest flow as a deployment on a schedule; one run at a time (a late run is skipped, not queued)."""
    if (cron is None) == (interval_seconds is None):
        raise ValueError("give exactly one of cron or interval_seconds")
    schedule = {"cron": cron} if cron is not None else {"interval": timedelta(seconds=float(interval_seconds or 0))}
    deployment = ingest.to_deployment(
        name=name,
        parameters={"settings": scheduled_settings(settings).model_dump(mode="json")},
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        description="Ingest what is new in the inbox (known documents are skipped by content hash; nothing is moved).",
        tags=["factwire"],
        # Imported by module path, so the runner finds the flow from any working folder.
        entrypoint_type=EntrypointType.MODULE_PATH,
        **schedule,  # type: ignore[arg-type]
    )
    assert isinstance(deployment, RunnerDeployment)  # sync call: to_deployment is sync-compatible
    return deployment


def serve(deployment: RunnerDeployment) -> None:
    """Run the schedule in this process until interrupted (Ctrl-C pauses the schedule)."""
    from prefect import serve as prefect_serve

    prefect_serve(deployment)
