"""After sign-in a person with more than one application picks one; with one, they go straight to it."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from invoice_portal.urls import urlpatterns as portal_urls

pytestmark = pytest.mark.django_db


def _ap_home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("AP")


# The portal as it will be once the AP application is installed (its own URL namespace "ap").
urlpatterns = [*portal_urls, path("ap/", include(([path("", _ap_home, name="home")], "ap")))]


def test_one_application_opens_directly(client: Client, personas: Any) -> None:
    client.force_login(personas.alice)
    assert client.get("/")["Location"] == "/portal/invoices/"
    client.force_login(personas.sales)
    assert client.get("/")["Location"] == "/seller/"


def test_several_applications_offer_a_choice(client: Client, personas: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    client.force_login(personas.admin)  # Admin: the seller app and accounts payable
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-app="seller"' in html
    assert 'data-app="ap"' in html
    client.force_login(personas.sales)  # Sales has no AP permission
    assert client.get("/")["Location"] == "/seller/"
    client.force_login(personas.charlie)  # a company user never sees staff applications
    assert client.get("/")["Location"] == "/portal/invoices/"
