"""``python -m massgen``: the ``massgen`` command."""

from .cli import main

main(prog_name="massgen")
