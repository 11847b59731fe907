"""Tokens record the password they were issued under; tokens issued before this
migration are bound to their user's password as it is now, so no one is logged out."""

import hashlib

from django.db import migrations, models


def bind_existing_tokens(apps, schema_editor):
    AuthToken = apps.get_model("users", "AuthToken")
    for token in AuthToken.objects.select_related("user").iterator():
        digest = hashlib.sha256((token.user.password or "").encode()).hexdigest()
        AuthToken.objects.filter(pk=token.pk).update(password_digest=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_email_address_field"),
    ]

    operations = [
        migrations.AddField(
            model_name="authtoken",
            name="password_digest",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(bind_existing_tokens, migrations.RunPython.noop),
    ]
