"""``hashless``: one module per command, registered here."""

from __future__ import annotations

import click

from hashless import __version__
from hashless.cli.database import migrate
from hashless.cli.provision import provision
from hashless.cli.serve import serve

__all__ = ["main"]


@click.group()
@click.version_option(__version__, prog_name="hashless")
def main() -> None:
    """Keep customers' passwords in AWS Cognito, out of the store's database."""


main.add_command(serve)
main.add_command(migrate)
main.add_command(provision)
