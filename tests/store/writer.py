"""Child process for the store durability tests: writes chat turns and reports each commit.

Usage: ``python -m tests.store.writer DB_URL MODE SESSIONS TURNS``
- MODE ``loop``: for each turn, store user then assistant turn; print ``committed <session> <seq>`` after
  each commit (stdout flushed), forever if TURNS is 0 (the parent kills it).
- MODE ``midturn``: store one user turn, print ``pending <session> <turn_id>``, then sleep as if the model
  were thinking (the parent kills it there).
"""

from __future__ import annotations

import sys
import time

from coach.store.base import Database
from coach.store.chat import ChatStore


def main(argv: list[str]) -> int:
    url, mode, sessions, turns = argv[0], argv[1], int(argv[2]), int(argv[3])
    db = Database(url)
    db.create_all()
    store = ChatStore(db)
    ids = [store.create_session(title=f"writer {i}") for i in range(sessions)]
    if mode == "midturn":
        turn_id = store.add_user_turn(ids[0], "What should I ask first?")
        print(f"pending {ids[0]} {turn_id}", flush=True)
        time.sleep(60)
        return 0
    n = 0
    while turns == 0 or n < turns:
        n += 1
        for sid in ids:
            store.add_user_turn(sid, f"user {n}")
            print(f"committed {sid} user {n}", flush=True)
            store.add_assistant_turn(sid, f"assistant {n}", {"n": n, "backend": "offline"})
            print(f"committed {sid} assistant {n}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
