"""hashless for Django: Cognito-held passwords and lazy migration through ``contrib.auth``.

Settings, and nothing else::

    INSTALLED_APPS = [..., "hashless.django"]
    AUTHENTICATION_BACKENDS = ["hashless.django.backends.CognitoBackend"]  # or your own
    PASSWORD_HASHERS = [
        "hashless.django.hashers.CognitoPasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # the local hasher
        ...,
    ]
    HASHLESS = {"COGNITO_USER_POOL_ID": "...", "COGNITO_CLIENT_ID": "...", ...}

See the README's Django section. This package imports Django; the core never imports it.
"""
