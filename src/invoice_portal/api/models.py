from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash of the token is stored; the token is shown once.

    A token acts with its owner's role and company scope, so revoking the owner's
    permissions or deactivating the owner takes effect on the next call.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, unique=True, help_text="Public part of the token, used to find it")
    token_hash = models.CharField(max_length=64, help_text="SHA-256 of the whole token (hex)")
    scope = models.CharField(
        max_length=5, choices=TokenScope.choices, default=TokenScope.WRITE, db_default=TokenScope.WRITE,
        help_text="A read-only token is refused on every call that writes (403), whatever its owner's role allows",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(scope__in=["read", "write"]), name="api_token_scope_valid")]

    def __str__(self) -> str:
        return f"API token {self.prefix}… ({self.name or 'unnamed'})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """The first answer given to a POST carrying an ``Idempotency-Key``, replayed for repeats.

    Claimed (inserted) in the same transaction that does the work, so a concurrent request
    with the same key waits on the unique index and then replays the stored answer instead
    of doing the work twice; a failed request rolls its claim back with its work.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 over method, path, query and canonical body")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
            models.CheckConstraint(condition=~Q(key=""), name="idempotency_key_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Idempotency-Key {self.key} of user {self.user_id}"
