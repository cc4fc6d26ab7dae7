"""Imported by the worker server (flows.workers) before it forks: stages imported and warmed once."""

from flows.ingest import warm_worker

warm_worker()
