"""A shop as many real ones are: customers log in by email, through the project's own
``ModelBackend`` subclass, and have random usernames they never see.

The tests run it with ``ROOT_URLCONF = "tests.django.email_shop.urls"`` and the
README's settings for such projects: the project's backend, and ``ModelBackend`` beside
it for the admin's username login.
"""
