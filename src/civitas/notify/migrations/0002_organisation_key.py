"""Each message belongs to an organisation: the one that owns the case it is about."""

import django.db.models.deletion
from django.db import migrations, models


def link_organisations(apps, schema_editor):
    Message = apps.get_model("notify", "Message")
    Case = apps.get_model("cases", "Case")
    Organisation = apps.get_model("identity", "Organisation")
    owners = dict(Case.objects.values_list("reference", "organisation_id"))
    for message in Message.objects.only("id", "about"):
        organisation_id = owners.get(message.about)
        if organisation_id is None:
            # Not about a case we know: held apart rather than shown to any organisation.
            organisation_id = Organisation.objects.get_or_create(
                slug="unassigned", defaults={"name": "Unassigned messages"}
            )[0].pk
        Message.objects.filter(pk=message.pk).update(organisation_id=organisation_id)


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0001_initial"),
        ("cases", "0003_organisation_key"),
        ("identity", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="message", name="message_recent"),
        migrations.AddField(
            model_name="message",
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
            model_name="message",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="identity.organisation",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(fields=["organisation", "-created_at", "-id"], name="message_recent"),
        ),
    ]
