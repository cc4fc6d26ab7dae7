"""Prefect flows: each file is one flow that reads like the pipeline's table of contents."""
