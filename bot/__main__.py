"""`python -m bot` is the `qingshou` command."""

from bot.cli import main

main()
