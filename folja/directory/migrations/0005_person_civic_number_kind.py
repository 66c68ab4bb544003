from django.db import migrations, models


def set_kinds(apps, schema_editor):
    """Every stored number was a personnummer or samordningsnummer (twelve digits): day + 60 is the latter."""
    Person = apps.get_model("directory", "Person")
    numbered = Person.objects.exclude(civic_number=None)
    numbered.filter(civic_number__regex=r"^[0-9]{6}[6-9]").update(civic_number_kind="samordningsnummer")
    numbered.filter(civic_number_kind="").update(civic_number_kind="personnummer")


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0004_person_sis_digest'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='person',
            name='person_civic_number_twelve_digits',
        ),
        migrations.AddField(
            model_name='person',
            name='civic_number_kind',
            field=models.CharField(blank=True, choices=[('personnummer', 'Personnummer'), ('samordningsnummer', 'Samordningsnummer'), ('temporary', 'Tillfälligt nummer eller reservnummer')], default='', max_length=20, verbose_name='typ av personnummer'),
        ),
        migrations.RunPython(set_kinds, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name='person',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('civic_number__isnull', True), ('civic_number_kind', '')), models.Q(('civic_number__isnull', False), ('civic_number__regex', '^[0-9]{12}$'), ('civic_number_kind__in', ['personnummer', 'samordningsnummer'])), models.Q(('civic_number__isnull', False), ('civic_number__regex', '^[0-9]{8}[0-9A-Z]{4}$'), ('civic_number_kind', 'temporary')), _connector='OR'), name='person_civic_number_form'),
        ),
    ]
