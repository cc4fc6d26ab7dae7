"""Offline scripts: run by hand to rebuild data kept in the repo, never by a run."""
