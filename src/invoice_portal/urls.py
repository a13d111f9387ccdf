from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from invoice_portal.accounts import oidc
from invoice_portal.accounts import views as accounts_views
from invoice_portal.api import views as api_views
from invoice_portal.core import health
from invoice_portal.core import views as core_views
from invoice_portal.home import home

handler400 = core_views.bad_request

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("login/", accounts_views.LoginView.as_view(), name="login"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("oidc/authenticate/", oidc.authenticate, name="oidc_authentication_init"),
    path("oidc/callback/", oidc.callback, name="oidc_authentication_callback"),
    path("account/tokens/", api_views.tokens, name="account_tokens"),
    path("account/tokens/<int:token_id>/revoke/", api_views.token_revoke, name="account_token_revoke"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("invoice_portal.api.urls")),
    path("seller/settings/webhooks/", include("invoice_portal.webhooks.urls")),
    path("seller/", include("invoice_portal.seller.urls")),
    path("integrations/webhook-inbox/", include("invoice_portal.webhooks.inbox")),
    path("integrations/", include("invoice_portal.integrations.urls")),
    path("portal/", include("invoice_portal.portal.urls")),
    path("ap/", include("invoice_portal.ap.urls")),
    path("supplier/", include("invoice_portal.supplier.urls")),
]
