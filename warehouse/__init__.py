"""The DuckDB warehouse: ordered migrations, select-only views, and connections."""
