"""E-invoices: UBL 2.1 export (Peppol BIS Billing 3.0) and a checker of the EN 16931 business rules."""
