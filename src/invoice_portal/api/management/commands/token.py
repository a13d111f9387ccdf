"""``invoice-portal token create <email> [--name NAME]`` | ``token revoke <id>`` | ``token list [<email>]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from invoice_portal.accounts.models import User
from invoice_portal.api.models import ApiToken, TokenScope
from invoice_portal.api.services import api_token_create, api_token_revoke
from invoice_portal.core.errors import DomainError


class Command(BaseCommand):
    help = "Manage API tokens: create one for a user (printed once), revoke one by id, or list them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for a user and print it (it is not shown again)")
        create.add_argument("email")
        create.add_argument("--name", default="", help="What the token is for, e.g. 'ERP sync'")
        create.add_argument("--read-only", action="store_true", help="A token refused on every call that writes")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id")
        revoke.add_argument("id", type=int)
        listing = sub.add_parser("list", help="List tokens (never their secrets)")
        listing.add_argument("email", nargs="?", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                self._create(options["email"], options["name"], read_only=options["read_only"])
            elif action == "revoke":
                self._revoke(options["id"])
            else:
                self._list(options["email"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _create(self, email: str, name: str, *, read_only: bool = False) -> None:
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No user with email {email}.")
        row, token = api_token_create(actor="cli", user=user, name=name, scope=TokenScope.READ if read_only else TokenScope.WRITE)
        self.stderr.write(f"Token {row.pk} for {user.email} (prefix {row.prefix}). Store it now: it is not shown again.")
        self.stdout.write(token)

    def _revoke(self, token_id: int) -> None:
        row = ApiToken.objects.filter(pk=token_id).first()
        if row is None:
            raise CommandError(f"No token {token_id}.")
        already = row.revoked_at is not None
        row = api_token_revoke(actor="cli", token=row)
        self.stdout.write(f"Token {row.pk} ({row.prefix}) {'was already revoked' if already else 'revoked'}.")

    def _list(self, email: str) -> None:
        rows = ApiToken.objects.select_related("user").order_by("pk")
        if email:
            rows = rows.filter(user__email=email.strip().lower())
        for row in rows:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            self.stdout.write(f"{row.pk}\t{row.user.email}\t{row.prefix}\t{row.name or '-'}\t{row.scope}\t{state}\tlast used {used}")
