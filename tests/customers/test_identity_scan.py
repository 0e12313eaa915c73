"""Finding duplicates in the database and reviewing them: import -> scan -> review -> merge."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from kizuna.core import jobs
from kizuna.core.imports import import_file
from kizuna.core.models import Role
from kizuna.customers.identity import SCAN_JOB, scan_duplicates
from kizuna.customers.models import Customer, DuplicateGroup, Merge, NotDuplicate
from kizuna.identity.synthetic import synthetic_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin_user):  # type: ignore[no-untyped-def]
    """300 synthetic people (about 10% duplicates with Japanese variations), imported through
    the importer like a real customer list; returns the true entity of each external id."""
    data = synthetic_people(300, seed=3)
    columns = ["id", "family_name", "given_name", "family_name_kana", "given_name_kana",
               "birth_year", "email", "phone", "postal_code"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["会員番号", "姓", "名", "セイ", "メイ", "生年", "メール", "電話", "郵便番号"])
    for i in range(len(data)):
        writer.writerow(["" if data.records[c][i] is None else data.records[c][i]
                         for c in columns])
    result, _ = import_file(actor=admin_user, kind="customers", data=out.getvalue().encode(),
                            source="ec", valid_rows_only=True)
    assert result.imported >= 290, result.errors[:5]
    return {rid: int(e) for rid, e in zip(data.records["id"], data.entity, strict=True)}


def test_scan_finds_the_duplicates_and_explains_them(admin_user, people) -> None:  # type: ignore[no-untyped-def]
    groups = scan_duplicates(actor=admin_user, kind="customers")
    assert len(groups) >= 20  # measured 25 for seed 3 (about 30 duplicates were made)
    external = dict(Customer.objects.values_list("pk", "external_id"))
    pure = sum(1 for g in groups if len({people[external[i]] for i in g.record_ids}) == 1)
    assert pure / len(groups) >= 0.9  # measured 1.0 for seed 3
    pair = groups[0].pairs[0]
    assert {c["field"] for c in pair["contributions"]} >= {"family_name", "given_name"}
    assert pair["probability"] >= 0.8
    # A second scan replaces the open groups; dismissed pairs are not proposed again.
    from kizuna.customers.identity import dismiss_group

    dismiss_group(actor=admin_user, group=groups[0])
    again = scan_duplicates(actor=admin_user, kind="customers")
    assert set(groups[0].record_ids) not in [set(g.record_ids) for g in again]
    assert NotDuplicate.objects.exists()
    assert DuplicateGroup.objects.filter(status="open").count() == len(again)


def test_cli_scan_json_merge_and_undo(admin_user, people, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("identity", "scan", "--json")
    out = json.loads(capsys.readouterr().out)
    group = out["groups"][0]
    assert {"id", "score", "decision", "records", "pairs"} <= set(group)
    assert {"id", "external_id", "source"} <= set(group["records"][0])
    survivor, *duplicates = [r["id"] for r in group["records"]]
    call_command("identity", "merge", str(survivor), *map(str, duplicates))
    merge = Merge.objects.get()
    assert set(Customer.objects.filter(merged_into=survivor).values_list("pk", flat=True)) == \
        set(duplicates)
    call_command("identity", "undo", str(merge.pk))
    assert not Customer.objects.exclude(merged_into=None).exists()


def test_review_page_merges_with_chosen_values_and_undo(admin_user, people) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_user)
    response = client.post("/identity/scan/", {"kind": "customers"})
    from kizuna.core.models import Job

    job = Job.objects.get(kind=SCAN_JOB)
    assert response.status_code == 302
    jobs.run_job.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    queue = client.get("/identity/?kind=customers")
    assert queue.status_code == 200
    group = DuplicateGroup.objects.filter(status="open").first()
    page = client.get(f"/identity/groups/{group.pk}/")
    assert page.status_code == 200
    assert 'data-testid="explanation"' in page.content.decode()
    first, second = group.record_ids[:2]
    response = client.post(f"/identity/groups/{group.pk}/", {
        "action": "merge", "survivor": str(first), "field-email": str(second)})
    assert response.status_code == 302, response.content.decode()[:2000]
    survivor = Customer.objects.get(pk=first)
    assert survivor.email == Customer.objects.get(pk=second).email
    group.refresh_from_db()
    assert group.status == "merged"
    merge = group.merge
    assert client.post(f"/identity/merges/{merge.pk}/undo/").status_code == 302
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert client.get("/identity/?kind=customers").status_code == 200


def test_members_only_see_groups_of_records_they_can_edit(make_user, admin_user, people) -> None:  # type: ignore[no-untyped-def]
    scan_duplicates(actor=admin_user, kind="customers")
    member = make_user(Role.MEMBER)
    client = Client()
    client.force_login(member)
    page = client.get("/identity/?kind=customers")
    assert page.status_code == 200 and not page.context["rows"]  # all owned by the admin
    group = DuplicateGroup.objects.filter(status="open").first()
    assert client.get(f"/identity/groups/{group.pk}/").status_code == 404
    viewer = make_user(Role.VIEWER)
    client.force_login(viewer)
    assert client.get("/identity/").status_code == 403


def test_cli_auto_merge_merges_the_certain_groups_only(admin_user, people, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("identity", "scan", "--json", "--auto-merge")
    out = json.loads(capsys.readouterr().out)
    assert out["merged"], "seed 3 has groups above the auto-merge threshold"
    assert Merge.objects.count() == len(out["merged"])
    assert all(g["decision"] == "review" for g in out["groups"])  # the rest wait for a person
    external = dict(Customer.objects.values_list("pk", "external_id"))
    for m in out["merged"]:
        assert len({people[external[i]] for i in [m["survivor"], *m["merged"]]}) == 1


def test_queue_pages_keep_the_record_type(admin_user) -> None:  # type: ignore[no-untyped-def]
    """Page 2 of the contacts queue is still the contacts queue (it used to fall back to
    customers)."""
    DuplicateGroup.objects.bulk_create(
        [DuplicateGroup(kind="contacts", record_ids=[], score=0.99 - i / 1000, decision="review")
         for i in range(51)]
        + [DuplicateGroup(kind="customers", record_ids=[], score=0.5, decision="review")])
    client = Client()
    client.force_login(admin_user)
    first = client.get("/identity/?kind=contacts")
    html = first.content.decode()
    assert 'href="?kind=contacts&amp;page=2" rel="next"' in html
    second = client.get("/identity/?kind=contacts&page=2")
    assert second.context["kind"] == "contacts"
    assert [row["group"].kind for row in second.context["rows"]] == ["contacts"]
    assert 'href="?kind=contacts&amp;page=1" rel="prev"' in second.content.decode()
