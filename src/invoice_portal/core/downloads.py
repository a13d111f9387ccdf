"""A file handed to the browser as a download: the one place that sets its headers."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def file_download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """``content`` as an attachment named ``filename``; browsers never sniff another type into it."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
