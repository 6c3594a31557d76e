"""Two custom user models, to show hashless needs no change to them.

Use one of them as ``AUTH_USER_MODEL`` (the app is not in the sample's default
``INSTALLED_APPS``): ``custom_users.ShopUser`` extends ``AbstractUser``;
``custom_users.EmailCustomer`` is an ``AbstractBaseUser`` signing in by email, with a
UUID primary key and no staff flags (so every one of them is in hashless' scope).
"""

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models


class ShopUser(AbstractUser):
    loyalty_number = models.CharField(max_length=20, blank=True)


class EmailCustomerManager(BaseUserManager["EmailCustomer"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "EmailCustomer":
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class EmailCustomer(AbstractBaseUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = EmailCustomerManager()
