"""The default lead stages of THE MODEL (kizuna.pipeline.defaults)."""

from django.db import migrations

from kizuna.pipeline.defaults import DEFAULT_STAGES


def create_stages(apps, schema_editor):
    LeadStage = apps.get_model("pipeline", "LeadStage")
    for code, name_ja, name_en, kind, position, division, criterion in DEFAULT_STAGES:
        LeadStage.objects.get_or_create(code=code, defaults={
            "name_ja": name_ja, "name_en": name_en, "kind": kind, "position": position,
            "division": division, "entry_criterion": criterion})


def remove_stages(apps, schema_editor):
    LeadStage = apps.get_model("pipeline", "LeadStage")
    LeadStage.objects.filter(code__in=[row[0] for row in DEFAULT_STAGES], leads=None).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("pipeline", "0002_leads"),
    ]

    operations = [
        migrations.RunPython(create_stages, remove_stages),
    ]
