"""``python -m coach.cli``: same as the ``coach`` console script."""

from coach.cli import main

main()
