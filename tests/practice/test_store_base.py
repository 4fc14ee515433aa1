"""``coach.store.base.Database``: URL handling shared by every store (lives here: tests/store is another area)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from coach.errors import CoachError
from coach.store.base import Database


def _entries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite://"])
def test_in_memory_sqlite_creates_nothing(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = Database(url)
    with db.engine.connect() as conn:
        assert conn.execute(text("select 1")).scalar() == 1
    db.dispose()
    assert _entries(tmp_path) == []


def test_uri_form_makes_the_real_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The old "split on ///" made a folder literally named "file:data" and never "data".
    monkeypatch.chdir(tmp_path)
    db = Database("sqlite:///file:data/coach.db?uri=true")
    db.create_all()
    db.dispose()
    assert (tmp_path / "data" / "coach.db").is_file()
    assert not (tmp_path / "file:data").exists()


def test_bad_url_is_a_user_error_naming_the_setting() -> None:
    with pytest.raises(CoachError, match="COACH_DATABASE_URL"):
        Database("not a url")
