"""Create an API token for a user: ``manage.py create_api_token USERNAME "NAME"``."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalade.core.actions import do_create_api_token
from escalade.core.principal import principal_for


class Command(BaseCommand):
    help = "Create a bearer token acting as USERNAME, for an integration; prints it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'PBX bridge'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        if principal_for(user) is None:
            raise CommandError(f"{user} has no role in Escalade; a token would be refused.")
        name = options["name"].strip()
        if not name:
            raise CommandError("Give the token a name.")
        _token, raw = do_create_api_token(actor=None, user=user, name=name)
        self.stdout.write(raw)
