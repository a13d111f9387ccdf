from invoice_portal.api.tests.conftest import anonymous, as_, tokens  # noqa: F401 - the API personas' clients
