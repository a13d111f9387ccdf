"""Writes of the outbound webhooks: endpoints (``endpoints``) and their deliveries (``deliveries``)."""
