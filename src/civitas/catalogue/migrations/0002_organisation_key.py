"""A service version belongs to an organisation record, named in the definition by slug.

Until now `organisation` held the organisation's name as free text. Each existing name is
matched to an organisation of that name, or one is registered with a slug made from it.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify


def link_organisations(apps, schema_editor):
    Organisation = apps.get_model("identity", "Organisation")
    ServiceVersion = apps.get_model("catalogue", "ServiceVersion")
    for version in ServiceVersion.objects.all():
        name = version.organisation
        organisation = Organisation.objects.filter(name=name).first()
        if organisation is None:
            organisation = Organisation.objects.filter(slug=slugify(name)[:50]).first()
        if organisation is None:
            organisation = Organisation.objects.create(slug=slugify(name)[:50], name=name)
        version.organisation_ref = organisation
        version.definition = {**version.definition, "organisation": organisation.slug}
        version.save(update_fields=["organisation_ref", "definition"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("identity", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="serviceversion", name="service_version_unique"),
        migrations.RemoveConstraint(
            model_name="serviceversion", name="one_live_version_per_service"
        ),
        migrations.AddField(
            model_name="serviceversion",
            name="organisation_ref",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="identity.organisation",
            ),
        ),
        migrations.RunPython(link_organisations, migrations.RunPython.noop),
        migrations.RemoveField(model_name="serviceversion", name="organisation"),
        migrations.RenameField(
            model_name="serviceversion", old_name="organisation_ref", new_name="organisation"
        ),
        migrations.AlterField(
            model_name="serviceversion",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="identity.organisation",
            ),
        ),
        migrations.AddConstraint(
            model_name="serviceversion",
            constraint=models.UniqueConstraint(
                fields=("organisation", "slug", "version"), name="service_version_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="serviceversion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "live")),
                fields=("organisation", "slug"),
                name="one_live_version_per_service",
            ),
        ),
    ]
