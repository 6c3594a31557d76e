"""Login by email and a sign-up that logs the new customer in by email."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import authenticate, get_user_model, login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import engines

from django import forms

_FORM = engines["django"].from_string(
    '<form method="post">{% csrf_token %}{{ form.as_p }}<button>Go</button></form>'
)


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="Email")


class EmailLoginView(LoginView):
    form_class = EmailAuthenticationForm


class SignupForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, password = form.cleaned_data["email"], form.cleaned_data["password"]
        get_user_model()._default_manager.create_user(  # type: ignore[attr-defined]
            username=uuid.uuid4().hex[:30], email=email, password=password
        )
        user: Any = authenticate(request, username=email, password=password)
        login(request, user)
        return redirect("home")
    return HttpResponse(_FORM.render({"form": form}, request))
