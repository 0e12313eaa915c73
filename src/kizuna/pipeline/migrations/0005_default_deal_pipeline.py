"""The default deal pipeline and lost reasons (kizuna.pipeline.defaults)."""

from django.db import migrations

from kizuna.pipeline.defaults import DEFAULT_DEAL_STAGES, DEFAULT_LOST_REASONS, DEFAULT_PIPELINE


def create_defaults(apps, schema_editor):
    DealPipeline = apps.get_model("pipeline", "DealPipeline")
    DealStage = apps.get_model("pipeline", "DealStage")
    LostReason = apps.get_model("pipeline", "LostReason")
    code, name_ja, name_en = DEFAULT_PIPELINE
    pipeline, _created = DealPipeline.objects.get_or_create(
        code=code, defaults={"name_ja": name_ja, "name_en": name_en, "position": 10})
    for code, name_ja, name_en, kind, position, probability in DEFAULT_DEAL_STAGES:
        DealStage.objects.get_or_create(pipeline=pipeline, code=code, defaults={
            "name_ja": name_ja, "name_en": name_en, "kind": kind, "position": position,
            "probability": probability})
    for code, name_ja, name_en, position in DEFAULT_LOST_REASONS:
        LostReason.objects.get_or_create(code=code, defaults={
            "name_ja": name_ja, "name_en": name_en, "position": position})


def remove_defaults(apps, schema_editor):
    DealPipeline = apps.get_model("pipeline", "DealPipeline")
    LostReason = apps.get_model("pipeline", "LostReason")
    DealPipeline.objects.filter(code=DEFAULT_PIPELINE[0], deals=None).delete()
    LostReason.objects.filter(code__in=[row[0] for row in DEFAULT_LOST_REASONS],
                              deals=None).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("pipeline", "0004_deals"),
    ]

    operations = [
        migrations.RunPython(create_defaults, remove_defaults),
    ]
