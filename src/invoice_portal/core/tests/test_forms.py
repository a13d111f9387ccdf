"""The project's form renderer writes stock inputs and selects itself: the markup must be Django's, byte for byte."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from invoice_portal.core.forms import DateInput, FormRenderer


class _Everything(forms.Form):
    text = forms.CharField(required=False, max_length=20, help_text="Name or id")
    required_text = forms.CharField(min_length=2)
    number = forms.IntegerField(required=False, min_value=1, max_value=99)
    decimal = forms.DecimalField(required=False, decimal_places=2)
    email = forms.EmailField(required=False)
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.IntegerField(required=False, widget=forms.HiddenInput())
    date = forms.DateField(required=False, widget=DateInput(attrs={"class": "wide", "data-x": 'a"b<c>'}))
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), ("open", "Open & due"), ("paid", "<Paid>")])
    grouped = forms.ChoiceField(required=False, choices=[("Money", [("in", "In"), ("out", "Out")]), ("none", "None")])
    many = forms.MultipleChoiceField(required=False, choices=[("a", "A"), ("b", "B")])
    maybe = forms.NullBooleanField(required=False)
    check = forms.BooleanField(required=False)
    radio = forms.ChoiceField(required=False, choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect)
    notes = forms.CharField(required=False, widget=forms.Textarea)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {
            "text": 'O\'Brien & "Sons" <b>',
            "required_text": "x",
            "number": "0",
            "decimal": "1.5",
            "email": "bad",
            "password": "p<w",
            "hidden": "7",
            "date": "2026-02-30",
            "status": "paid",
            "grouped": "out",
            "many": ["a", "b"],
            "maybe": "true",
            "check": "on",
            "radio": "y",
            "notes": "a\nb",
        },
        {"text": mark_safe("<i>safe</i>"), "date": "2026-01-05", "status": "nope", "number": "12"},
    ],
)
def test_the_renderer_writes_what_djangos_templates_write(data: dict[str, object] | None) -> None:
    ours, django = _Everything(data, initial={"date": dt.date(2026, 1, 2)}), _Everything(data, initial={"date": dt.date(2026, 1, 2)})
    ours.renderer, django.renderer = FormRenderer(), DjangoTemplates()
    for name in ours.fields:
        assert str(ours[name]) == str(django[name]), name
    assert str(ours) == str(django)


def test_the_project_uses_the_renderer() -> None:
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
