from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from invoice_portal.audit.models import AuditEvent


def audit_events_for(obj: models.Model) -> QuerySet[AuditEvent]:
    """The object's audit history; a model moved between apps lists its old labels in ``audit_former_labels``
    (the log is append-only, so events recorded under the old label keep it)."""
    labels = [obj._meta.label_lower, *getattr(obj, "audit_former_labels", ())]
    return AuditEvent.objects.filter(object_type__in=labels, object_id=str(obj.pk)).select_related("actor")
