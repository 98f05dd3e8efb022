import io

import pytest
from django.core.management import call_command

from accounts import roles
from designs.models import DesignEvent, FabricDesign
from tests.factories import make_staff, make_user, pattern_png

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_designs_with_csv_is_idempotent_and_reports_bad_rows(tmp_path, settings):
    owner = make_user(username="archive")
    actor = make_staff(roles.ADMINISTRATOR, username="boss")
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "mudan.png").write_bytes(pattern_png(1))
    (folder / "lotus.png").write_bytes(pattern_png(2))
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "baddate.png").write_bytes(pattern_png(3))
    (folder / "readme.txt").write_text("ignored")
    sheet = tmp_path / "designs.csv"
    sheet.write_text(
        "file,title,description,category,technique,author,created_on,published_on\n"
        "mudan.png,牡丹四件套,大朵牡丹,bedding_set,print,陈丽华,2024-03-01,2024-04-01\n"
        "lotus.png,,,窗帘,提花,,2024-05-01,\n"
        "baddate.png,坏日期,,fabric,print,,2024-13-45,\n"
        "missing.png,不存在,,fabric,print,,2024-01-01,\n",
        encoding="utf-8",
    )
    out, err = run(
        "import_designs",
        str(folder),
        "--csv",
        str(sheet),
        "--owner",
        "archive",
        "--actor",
        "boss",
        "--no-progress",
    )
    assert "imported 2, skipped 0 already imported, failed 3" in out
    assert "broken.jpg" in err and "baddate.png" in err and "missing.png" in err
    mudan = FabricDesign.objects.get(title="牡丹四件套")
    assert mudan.status == FabricDesign.Status.REGISTERED
    assert mudan.registration_no.startswith("NTHT-")
    assert (mudan.owner, mudan.authors, str(mudan.created_on)) == (
        owner,
        "陈丽华",
        "2024-03-01",
    )
    lotus = FabricDesign.objects.get(title="lotus")  # no title in the CSV: file stem
    assert (lotus.category, lotus.technique) == ("curtain", "jacquard")
    assert DesignEvent.objects.filter(to_status="registered", actor=actor).count() == 2
    files_before = sorted(p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())

    out, _ = run(
        "import_designs",
        str(folder),
        "--owner",
        "archive",
        "--actor",
        "boss",
        "--no-progress",
    )
    assert (
        "imported 1, skipped 2 already imported" in out
    )  # baddate.png now imports by stem
    assert FabricDesign.objects.count() == 3
    assert (
        len([p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()])
        == len(files_before) + 1
    )


def test_seed_demo_is_idempotent_and_covers_every_status():
    run("seed_demo")
    counts = {
        s: FabricDesign.objects.filter(status=s).count()
        for s in FabricDesign.Status.values
    }
    assert counts["registered"] >= 30
    assert all(counts[s] >= 1 for s in FabricDesign.Status.values), counts
    total = FabricDesign.objects.count()
    run("seed_demo")
    assert FabricDesign.objects.count() == total
    from accounts.models import User

    director = User.objects.get(username="director")
    assert director.check_password("ipcenter-demo")
    assert director.has_perm("designs.revoke_design")
    assert User.objects.get(username="merchant1").stall_no
