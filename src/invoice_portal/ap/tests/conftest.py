from invoice_portal.payables.tests.conftest import ap

__all__ = ["ap"]
