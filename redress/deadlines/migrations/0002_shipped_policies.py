from django.db import migrations


def load(apps, schema_editor):
    from redress.deadlines.policies import SHIPPED, SHIPPED_FROM

    policy_model = apps.get_model("deadlines", "Policy")
    for spec in SHIPPED:
        if policy_model.objects.filter(code=spec["code"]).exists():
            continue
        policy_model.objects.create(
            code=spec["code"],
            version=1,
            name=spec["name"],
            source=spec["source"],
            basis=spec["basis"],
            effective_from=SHIPPED_FROM,
            criteria={k: (str(v) if not isinstance(v, list | bool) else v) for k, v in spec["criteria"].items()},
            targets=[{k: (str(v) if hasattr(v, "label") else v) for k, v in t.items()} for t in spec["targets"]],
        )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
