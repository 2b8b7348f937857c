"""Group complaints linked pair by pair (escalation_caselink, reason "group") become group members: each
connected set of linked cases is one group, named by its earliest case. The pairwise rows are removed."""

from django.db import migrations


def group_heads(pairs) -> dict[int, int]:
    """Each case of the linked pairs → the earliest case of its connected set (union-find)."""
    parent: dict[int, int] = {}

    def root(pk: int) -> int:
        parent.setdefault(pk, pk)
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for case_id, other_id in pairs:
        a, b = root(case_id), root(other_id)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the smaller id stays the root: the group's earliest case
    return {pk: root(pk) for pk in list(parent)}


def forward(apps, schema_editor):
    CaseLink = apps.get_model("escalation", "CaseLink")
    GroupMember = apps.get_model("escalation", "GroupMember")
    pairs = CaseLink.objects.filter(reason="group").values_list("case_id", "other_id")
    heads = group_heads(pairs.iterator(chunk_size=10_000))
    members = [GroupMember(case_id=pk, first_id=first) for pk, first in heads.items()]
    GroupMember.objects.bulk_create(members, batch_size=10_000, ignore_conflicts=True)
    CaseLink.objects.filter(reason="group").delete()


class Migration(migrations.Migration):
    dependencies = [("escalation", "0004_group_member")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
