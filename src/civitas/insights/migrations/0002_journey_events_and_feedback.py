# Joins the two first migrations of insights, written side by side: journey events and
# their counts, and feedback with the channels' figures. Neither touches the other's tables.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("insights", "0001_feedback_and_channels"),
    ]

    operations = []
