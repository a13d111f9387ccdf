"""Promises to pay and remittance advice now belong to the ``remittances`` app.

Only the migration state changes: the tables stay (``remittances.0001`` took them over by name).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0001_initial'),
        ('remittances', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='RemittanceLine'),
                migrations.DeleteModel(name='PromiseToPay'),
                migrations.DeleteModel(name='RemittanceAdvice'),
            ],
        ),
    ]
