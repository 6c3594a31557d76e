"""The shop's own views: a home page, closing one's account, and a DRF endpoint."""

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/home.html")


@login_required
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    """Close the account: the user row goes, and hashless deletes the Cognito user."""
    user = request.user
    logout(request)
    user.delete()
    return redirect("home")


if settings.HAS_DRF:
    from rest_framework.authentication import BasicAuthentication, SessionAuthentication
    from rest_framework.decorators import (
        api_view,
        authentication_classes,
        permission_classes,
    )
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.request import Request
    from rest_framework.response import Response

    @api_view(["GET"])
    @authentication_classes([SessionAuthentication, BasicAuthentication])
    @permission_classes([IsAuthenticated])
    def api_me(request: Request) -> Response:
        user: Any = request.user
        return Response({"username": user.get_username()})
