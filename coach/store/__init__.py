"""Persistence: the one package that touches the database.

``base.Database`` owns the engine (SQLite in WAL mode by default, any SQLAlchemy URL works);
``chat``, ``roleplay`` and ``practice`` hold the tables and repository functions of each use.
"""
