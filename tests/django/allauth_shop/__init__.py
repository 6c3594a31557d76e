"""The sample shop with django-allauth: its login by email, sign-up, password change and
reset views, with the settings the README gives (allauth's own, nothing for hashless).

Runs in a process of its own (allauth must be installed before Django starts), started
by tests/django/test_allauth_shop.py with ``HASHLESS_DJANGO_TEST_PROJECT=allauth``.
"""
