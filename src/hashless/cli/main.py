"""``hashless``: one module per command, registered here."""

from __future__ import annotations

import click

from hashless import __version__
from hashless.cli.database import migrate
from hashless.cli.doctor import doctor
from hashless.cli.harden import harden
from hashless.cli.import_ import import_
from hashless.cli.policy import policy
from hashless.cli.provision import provision
from hashless.cli.reconcile import reconcile
from hashless.cli.serve import serve
from hashless.cli.status import status

__all__ = ["main"]


@click.group()
@click.version_option(__version__, prog_name="hashless")
def main() -> None:
    """Keep customers' passwords in AWS Cognito, out of the store's database."""


main.add_command(serve)
main.add_command(migrate)
main.add_command(provision)
main.add_command(doctor)
main.add_command(policy)
main.add_command(status)
main.add_command(reconcile)
main.add_command(import_)
main.add_command(harden)
