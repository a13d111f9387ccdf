"""Promises to pay and remittance advice move here from the ``portal`` app, data and all.

The tables stay as they are (``db_table`` keeps the ``portal_`` names): this migration only adds the
models to this app's state, and ``portal.0002`` takes them out of the portal's. The content types
follow (the rows are renamed, so permissions and admin history keep pointing at the same models).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ("remittanceadvice", "remittanceline", "promisetopay")


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if not ContentType.objects.using(db).filter(app_label="remittances", model=model).exists():
            ContentType.objects.using(db).filter(app_label="portal", model=model).update(app_label="remittances")


def content_types_go_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if not ContentType.objects.using(db).filter(app_label="portal", model=model).exists():
            ContentType.objects.using(db).filter(app_label="remittances", model=model).update(app_label="portal")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('companies', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('invoices', '0003_three_decimal_tax_rates'),
        ('payments', '0002_checkout'),
        ('portal', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='RemittanceAdvice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.DecimalField(decimal_places=4, max_digits=18)),
                        ('currency', models.CharField(max_length=3)),
                        ('method', models.CharField(choices=[('wire', 'Wire transfer'), ('check', 'Check'), ('cash', 'Cash'), ('other', 'Other')], max_length=8)),
                        ('reference', models.CharField(blank=True, help_text='Check number, wire reference or cash memo', max_length=200)),
                        ('paid_on', models.DateField()),
                        ('note', models.TextField(blank=True)),
                        ('status', models.CharField(choices=[('submitted', 'Submitted'), ('confirmed', 'Confirmed'), ('rejected', 'Rejected')], default='submitted', max_length=10)),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('review_comment', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='remittances', to='companies.company')),
                        ('payment', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='remittance', to='payments.payment')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('submitted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'portal_remittanceadvice',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='RemittanceLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.DecimalField(decimal_places=4, max_digits=18)),
                        ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='remittance_lines', to='invoices.invoice')),
                        ('remittance', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='remittances.remittanceadvice')),
                    ],
                    options={
                        'db_table': 'portal_remittanceline',
                        'ordering': ['remittance', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='PromiseToPay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(help_text='The day the buyer promises to have paid by')),
                        ('amount', models.DecimalField(decimal_places=4, max_digits=18)),
                        ('currency', models.CharField(max_length=3)),
                        ('note', models.CharField(blank=True, max_length=500)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='promises_to_pay', to='invoices.invoice')),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'portal_promisetopay',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['invoice', '-created_at'], name='promise_invoice_created')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='promise_amount_positive')],
                    },
                ),
                migrations.AddIndex(
                    model_name='remittanceadvice',
                    index=models.Index(fields=['company', '-created_at'], name='remittance_company_created'),
                ),
                migrations.AddIndex(
                    model_name='remittanceadvice',
                    index=models.Index(fields=['status'], name='portal_remi_status_f94ab7_idx'),
                ),
                migrations.AddConstraint(
                    model_name='remittanceadvice',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='remittance_amount_positive'),
                ),
                migrations.AddConstraint(
                    model_name='remittanceadvice',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['submitted', 'confirmed', 'rejected'])), name='remittance_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='remittanceadvice',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('payment__isnull', False), ('status', 'confirmed')), models.Q(models.Q(('status', 'confirmed'), _negated=True), ('payment__isnull', True)), _connector='OR'), name='remittance_payment_iff_confirmed'),
                ),
                migrations.AddConstraint(
                    model_name='remittanceline',
                    constraint=models.UniqueConstraint(fields=('remittance', 'invoice'), name='remittance_line_unique_invoice'),
                ),
                migrations.AddConstraint(
                    model_name='remittanceline',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='remittance_line_amount_positive'),
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
