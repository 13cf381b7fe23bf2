"""Each case belongs to the organisation whose service it was submitted to."""

import django.db.models.deletion
from django.db import migrations, models


def link_organisations(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    ServiceVersion = apps.get_model("catalogue", "ServiceVersion")
    owners = {
        (slug, version): organisation_id
        for slug, version, organisation_id in ServiceVersion.objects.values_list(
            "slug", "version", "organisation_id"
        )
    }
    for case in Case.objects.only("id", "service_slug", "service_version"):
        organisation_id = owners.get((case.service_slug, case.service_version))
        if organisation_id is None:
            raise RuntimeError(
                f"case {case.pk}: no published service {case.service_slug} "
                f"version {case.service_version} to take its organisation from"
            )
        Case.objects.filter(pk=case.pk).update(organisation_id=organisation_id)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_case_fee_decision"),
        ("catalogue", "0002_organisation_key"),
        ("identity", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="case_queue"),
        migrations.RemoveIndex(model_name="case", name="case_recent"),
        migrations.AddField(
            model_name="case",
            name="organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="identity.organisation",
            ),
        ),
        migrations.RunPython(link_organisations, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="identity.organisation",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["organisation", "status", "-submitted_at", "-id"], name="case_queue"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["organisation", "-submitted_at", "-id"], name="case_recent"),
        ),
    ]
