from __future__ import annotations

from django import forms

from invoice_portal.api.models import TokenScope


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'ERP sync'")
    scope = forms.ChoiceField(
        choices=TokenScope.choices, initial=TokenScope.READ, widget=forms.RadioSelect,
        help_text="A read-only token is refused on every call that changes something.",
    )  # fmt: skip
