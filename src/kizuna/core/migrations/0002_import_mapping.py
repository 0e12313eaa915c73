import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportMapping",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("kind", models.CharField(max_length=50, verbose_name="kind")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("source", models.CharField(blank=True, max_length=50, verbose_name="source")),
                ("columns", models.JSONField(default=dict, verbose_name="columns")),
                ("created_by", models.ForeignKey(
                    null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                    to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "import mapping",
                "verbose_name_plural": "import mappings",
                "ordering": ["kind", "name"],
                "constraints": [models.UniqueConstraint(fields=("kind", "name"),
                                                        name="import_mapping_unique_name")],
            },
        ),
    ]
