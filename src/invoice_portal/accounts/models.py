from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from invoice_portal.accounts.permissions import Audience, Level


class Role(models.Model):
    """A named set of permissions. Built-in roles can be changed but not deleted."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    audience = models.CharField(max_length=10, choices=[(a.value, a.value.title()) for a in Audience])
    description = models.TextField(blank=True)
    is_builtin = models.BooleanField(default=False)

    class Meta:
        ordering = ["audience", "name"]

    def __str__(self) -> str:
        return self.name


class RoleGrant(models.Model):
    """One permission switched on for a role (absent row = switched off), at a level for buyer permissions."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants")
    permission = models.CharField(max_length=50)
    level = models.CharField(max_length=10, null=True, blank=True, choices=[(lv.value, lv.value) for lv in Level])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "permission"], name="role_grant_unique")]

    def __str__(self) -> str:
        return f"{self.role}: {self.permission}" + (f" ({self.level})" if self.level else "")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: seller staff (no company) or a user of a customer or supplier company."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    company = models.ForeignKey("companies.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log into the Django admin")
    permission_level = models.CharField(
        max_length=10, null=True, blank=True, choices=[(lv.value, lv.label) for lv in Level],
        help_text="A company user's own level for the buyer permissions of their role (not user management); empty: the role's levels.",
    )  # fmt: skip
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(permission_level__isnull=True) | models.Q(permission_level__in=[lv.value for lv in Level]),
                name="user_permission_level_valid",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_seller_staff(self) -> bool:
        return self.company_id is None


class LoginFailure(models.Model):
    """One failed sign-in, kept for the throttling window."""

    email = models.CharField(max_length=254, db_index=True)
    address = models.CharField(max_length=45, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.email} from {self.address} at {self.at:%Y-%m-%d %H:%M}"
