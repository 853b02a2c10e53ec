"""Persistence: SQLAlchemy models split by aggregate, the database handle, migrations."""
from bot.storage.db import Database

__all__ = ["Database"]
