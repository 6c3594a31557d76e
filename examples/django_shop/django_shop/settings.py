"""Settings of the sample shop: a plain Django project with hashless added.

Everything hashless needs is marked ``# hashless``. The Cognito values come from the
environment here (the names ``hashless provision`` prints); put them wherever your
project keeps secrets.
"""

import os
from importlib.util import find_spec
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-sample-shop-only")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hashless.django",  # hashless
    "shop",
]
# Django REST framework is optional: its session auth rides on Django's login.
HAS_DRF = find_spec("rest_framework") is not None
if HAS_DRF:
    INSTALLED_APPS.append("rest_framework")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # hashless (optional): a Cognito outage becomes a 503 page with Retry-After.
    "hashless.django.middleware.CredentialStoreUnavailableMiddleware",
]

ROOT_URLCONF = "django_shop.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "django_shop.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_SHOP_DB", str(BASE_DIR / "db.sqlite3")),
    }
}

# hashless: for username logins, in place of ModelBackend (and keeps its permissions).
# A shop that logs in by email keeps its own backend: hashless checks passwords in
# user.check_password(), whichever backend calls it (README, "Logging in by email").
AUTHENTICATION_BACKENDS = ["hashless.django.backends.CognitoBackend"]

# hashless: first, then Django's own hashers. The first of those is the local hasher
# (staff passwords, and the hash a password has until its row is saved); all of them
# still verify the legacy hashes your users have today.
PASSWORD_HASHERS = [
    "hashless.django.hashers.CognitoPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # hashless: Cognito's own rules (8 to 256 characters, no surrounding spaces).
    {"NAME": "hashless.django.validators.CognitoPasswordValidator"},
]

# hashless: the same names as the environment variables of the hashless service.
HASHLESS = {
    "COGNITO_USER_POOL_ID": os.environ.get("COGNITO_USER_POOL_ID"),
    "COGNITO_CLIENT_ID": os.environ.get("COGNITO_CLIENT_ID"),
    "COGNITO_CLIENT_SECRET": os.environ.get("COGNITO_CLIENT_SECRET"),
    "COGNITO_REGION": os.environ.get("COGNITO_REGION"),
    "COGNITO_ENDPOINT_URL": os.environ.get("COGNITO_ENDPOINT_URL"),
    # Optional: otherwise boto3's default credential chain (profile, instance role...).
    "COGNITO_ACCESS_KEY_ID": os.environ.get("COGNITO_ACCESS_KEY_ID"),
    "COGNITO_SECRET_ACCESS_KEY": os.environ.get("COGNITO_SECRET_ACCESS_KEY"),
    # Optional, shown with their defaults:
    "SCOPE": "hashless.django.scope.customers",  # everyone but staff and superusers
    "USERNAME_PREFIX": "django-",  # Cognito username: django-<pk>
}

LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"hashless": {"handlers": ["console"], "level": "INFO"}},
}
