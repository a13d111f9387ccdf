"""``/account/tokens/``: a user creates, lists and revokes their own API tokens; an integrations Admin sees and
revokes everyone's. A new token is shown once, on the page that created it, and never stored in clear."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from invoice_portal.accounts.models import User
from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.api.forms import TokenCreateForm
from invoice_portal.api.selectors import api_tokens_listed_for
from invoice_portal.api.services import api_token_create, api_token_revoke
from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import attach_error

ADMIN_PERMISSION = "integrations.manage"


def _manages_all(request: HttpRequest) -> bool:
    return request.user.company_id is None and user_has_perm(request.user, ADMIN_PERMISSION)  # type: ignore[union-attr]


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            user = request.user
            assert isinstance(user, User)
            row, secret = api_token_create(actor=user, user=user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"])
        except DomainError as exc:
            attach_error(form, exc)
        else:
            created = (row, secret)
            form = TokenCreateForm()
    everyone = _manages_all(request)
    rows = api_tokens_listed_for(request.user, everyone=everyone)[:500]
    context = {"form": form, "created": created, "tokens": rows, "everyone": everyone}
    response = render(request, "api/tokens.html", context, status=422 if form.errors else 200)
    response["Cache-Control"] = "no-store"  # the page may hold a token shown once
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    row = api_tokens_listed_for(request.user, everyone=_manages_all(request)).filter(pk=token_id).first()
    if row is None:
        raise Http404("No such token of yours.")
    api_token_revoke(actor=request.user, token=row)
    messages.success(request, f"Token {row.prefix}… revoked; calls made with it are refused from now on.")
    return redirect("account_tokens")
