from __future__ import annotations

from typing import Any

from django import forms

from invoice_portal.events.models import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(label="URL", max_length=500, help_text="Where events are POSTed (https:// in production)")
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(choices=EventType.choices, widget=forms.CheckboxSelectMultiple, label="Events")


class EndpointEditForm(EndpointForm):
    enabled = forms.BooleanField(required=False, label="Enabled")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["url", "description", "event_types", "enabled"])


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("pending", "Pending"), ("succeeded", "Delivered"), ("failed", "Failed")], required=False
    )
