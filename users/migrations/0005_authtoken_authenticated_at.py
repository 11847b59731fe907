from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def from_creation(apps, schema_editor):
    # A session made before the column proved its owner at its creation, no later.
    apps.get_model("users", "AuthToken").objects.update(authenticated_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("users", "0004_cache_table")]

    operations = [
        migrations.AddField(
            model_name="authtoken",
            name="authenticated_at",
            field=models.DateTimeField(default=timezone.now),
        ),
        migrations.RunPython(from_creation, migrations.RunPython.noop),
    ]
