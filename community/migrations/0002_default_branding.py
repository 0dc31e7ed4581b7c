from django.db import migrations


def create_default_branding(apps, schema_editor):
    SiteBranding = apps.get_model("community", "SiteBranding")
    SiteBranding.objects.get_or_create(
        pk=1,
        defaults={
            "community_name": "Hearth Community",
            "tagline": "Where our customers help each other",
            "welcome_text": "Welcome! Ask questions, share what you know, and meet people "
            "who use the same products you do.",
            "welcome_html": "<p>Welcome! Ask questions, share what you know, and meet people "
            "who use the same products you do.</p>\n",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [migrations.RunPython(create_default_branding, migrations.RunPython.noop)]
