"""The default customer-success stages (kizuna.pipeline.defaults)."""

from django.db import migrations

from kizuna.pipeline.defaults import DEFAULT_SUCCESS_STAGES


def create_defaults(apps, schema_editor):
    SuccessStage = apps.get_model("pipeline", "SuccessStage")
    for code, name_ja, name_en, kind, position in DEFAULT_SUCCESS_STAGES:
        SuccessStage.objects.get_or_create(code=code, defaults={
            "name_ja": name_ja, "name_en": name_en, "kind": kind, "position": position})


def remove_defaults(apps, schema_editor):
    SuccessStage = apps.get_model("pipeline", "SuccessStage")
    SuccessStage.objects.filter(code__in=[row[0] for row in DEFAULT_SUCCESS_STAGES],
                                contracts=None).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("pipeline", "0007_contracts"),
    ]

    operations = [
        migrations.RunPython(create_defaults, remove_defaults),
    ]
