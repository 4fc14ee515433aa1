"""Daily practice: the drill bank, generated calculation drills, grading, spaced repetition
(FSRS) and progress. Import the submodules directly; nothing runs at import time."""
