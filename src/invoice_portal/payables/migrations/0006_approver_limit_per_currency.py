"""An approver's limit applies in its own currency: one limit per (user, currency).

Existing limits were meant in the operator's currency: they take the portal's default currency.
"""

from django.conf import settings
from django.db import migrations, models


def default_currency(apps, schema_editor):
    PortalSettings = apps.get_model("core", "PortalSettings")
    row = PortalSettings.objects.filter(pk=1).first()
    currency = row.default_currency if row is not None else "USD"
    apps.get_model("payables", "ApproverLimit").objects.update(currency=currency)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_portalsettings_payment_instruction"),
        ("payables", "0005_transaction_runs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(model_name="approverlimit", name="currency", field=models.CharField(max_length=3, null=True)),
        migrations.RunPython(default_currency, migrations.RunPython.noop),
        migrations.AlterField(model_name="approverlimit", name="currency", field=models.CharField(max_length=3)),
        migrations.AlterField(
            model_name="approverlimit",
            name="user",
            field=models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="approver_limits", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterModelOptions(name="approverlimit", options={"ordering": ["currency", "limit", "user_id"]}),
        migrations.AddConstraint(
            model_name="approverlimit",
            constraint=models.UniqueConstraint(fields=("user", "currency"), name="approver_limit_one_per_currency"),
        ),
        migrations.AlterField(
            model_name="payablessettings",
            name="auto_accept_limit",
            field=models.DecimalField(
                blank=True, decimal_places=4, max_digits=18, null=True,
                help_text="A matched invoice above this gross total (in the default currency) goes to delegated approval; empty = never. "
                "When set, an invoice in another currency always goes to an approver.",
            ),
        ),
    ]
