
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sis', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='syncrun',
            name='error_code',
            field=models.CharField(blank=True, max_length=32, verbose_name='felkod'),
        ),
        migrations.AddField(
            model_name='syncrun',
            name='records',
            field=models.JSONField(blank=True, default=dict, verbose_name='poster att rätta i SIS'),
        ),
    ]
