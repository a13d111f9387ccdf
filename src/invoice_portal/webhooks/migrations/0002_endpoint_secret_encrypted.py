"""Outbound webhook signing secrets encrypted at rest, like the store credentials (``core/encryption.py``).

The clear ``secret`` column is replaced by ``secret_encrypted``: each existing row is encrypted on the
way, then the clear column is dropped. Backwards, the secrets are decrypted into the old column.
"""

from typing import Any

from django.db import migrations, models

from invoice_portal.core.encryption import secret_decrypt, secret_encrypt


def encrypt_secrets(apps: Any, schema_editor: Any) -> None:
    endpoint_model = apps.get_model("webhooks", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.only("pk", "secret"):
        endpoint_model.objects.filter(pk=endpoint.pk).update(secret_encrypted=secret_encrypt(endpoint.secret))


def decrypt_secrets(apps: Any, schema_editor: Any) -> None:
    endpoint_model = apps.get_model("webhooks", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.only("pk", "secret_encrypted"):
        endpoint_model.objects.filter(pk=endpoint.pk).update(secret=secret_decrypt(endpoint.secret_encrypted))


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="secret_encrypted",
            field=models.TextField(
                default="", help_text="Standard Webhooks signing secret (whsec_…), encrypted (core/encryption.py)"
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.CharField(max_length=100, blank=True, help_text="Standard Webhooks signing secret (whsec_…)"),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.RemoveField(model_name="webhookendpoint", name="secret"),
    ]
