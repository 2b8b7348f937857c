import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from redress.organisation.importing import import_files
from redress.organisation.models import Staff, Unit, WorkGroup, WorkGroupMember
from redress.organisation.services import create_staff

pytestmark = pytest.mark.django_db

# Children come before their parents on purpose: the file may list units in any order.
UNITS_CSV = """code,name,kind,parent_code,function,head_name,head_phone,enquiry_name,enquiry_phone
WH0101,武汉江汉支行营业部,outlet,WH01,,周敏,139-0712-3456,吴磊,027-85761234
WH01,武汉江汉支行,sub_branch,WH,,,,,
WH-PB,武汉分行个人金融部,department,WH,personal_banking,,,,
WH,武汉分行,branch,HB,,,,,
HB,湖北省分行,province,HO,,,,,
HO,总行,head_office,,,,,,
HO-SUP,总行监察室,department,HO,supervision_office,,,,
"""
STAFF_CSV = """username,name,unit_code,roles,phone,email,work_group,work_group_position
zhoumin,周敏,WH0101,outlet_head; work_group,13907123456,zhoumin@example.com,WH,deputy
liuyang,刘洋,WH0101,outlet_staff,,,,
chenjing,陈静,WH-PB,"handler,work_group",+86 138 0712 0000,,WH,
jianchashi,监察室王主任,HO-SUP,supervision_office,,,,
"""


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def csv_files(tmp_path):
    return [write(tmp_path, "units.csv", UNITS_CSV), write(tmp_path, "staff.csv", STAFF_CSV)]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_csv_import_builds_the_tree_in_any_order_with_staff_roles_and_work_groups(csv_files):
    result = import_files(csv_files)
    assert result.ok, result.errors
    assert (result.units_created, result.staff_created) == (7, 4)

    outlet = Unit.objects.get(code="WH0101")
    assert [u.code for u in outlet.ancestors()] == ["HO", "HB", "WH", "WH01"]
    assert outlet.level == "outlet" and outlet.province_code == "HB"
    assert (outlet.head_phone, outlet.enquiry_phone) == ("13907123456", "02785761234")
    assert Unit.objects.get(code="WH-PB").level == "branch"

    head = Staff.objects.get(username="zhoumin")
    assert head.roles == {"outlet_head", "work_group"}
    assert not head.has_usable_password()
    assert Staff.objects.get(username="chenjing").phone == "13807120000"
    group = WorkGroup.objects.get(unit__code="WH")
    positions = dict(group.memberships.values_list("staff__username", "position"))
    assert positions == {"zhoumin": "deputy", "chenjing": "member"}


def test_xlsx_import_reads_the_units_and_staff_sheets(tmp_path):
    book = Workbook()
    units = book.active
    units.title = "units"
    units.append(["code", "name", "kind", "parent_code", "function", "enquiry_phone"])
    units.append(["HO", "总行", "head_office", None, None, None])
    units.append(["YC", "宜昌分行", "branch", "HO", None, None])
    # A phone typed into Excel as a number arrives as a float.
    units.append(["YC01", "宜昌西陵支行营业部", "outlet", "YC", None, 13972012345.0])
    staff = book.create_sheet("staff")
    staff.append(["username", "name", "unit_code", "roles", "phone"])
    staff.append(["xiaoli", "李晓", "YC01", "outlet_staff", 13972054321])
    book.create_sheet("notes").append(["ignored"])
    path = tmp_path / "org.xlsx"
    book.save(path)

    result = import_files([path])

    assert result.ok, result.errors
    assert (result.units_created, result.staff_created) == (3, 1)
    assert Unit.objects.get(code="YC01").enquiry_phone == "13972012345"
    assert Staff.objects.get(username="xiaoli").phone == "13972054321"


def test_a_bad_row_changes_nothing_and_every_error_names_its_row(tmp_path):
    bad_units = UNITS_CSV.replace("WH01,武汉江汉支行,sub_branch,WH", "WH01,武汉江汉支行,sub_branch,XX")
    bad_units += "HB,重复的省行,province,HO,,,,,\nWH02,汉口支行,sub_branch,WH,,,,吴,12345\n"
    bad_staff = STAFF_CSV + "wanger,王二,WH0101,teller,,,,\n"
    files = [write(tmp_path, "units.csv", bad_units), write(tmp_path, "staff.csv", bad_staff)]

    result = import_files(files)

    assert not result.ok
    assert "units row 3: parent_code XX is not a known unit." in result.errors
    assert any(e.startswith("units row 9: code HB appears again (first in row 6)") for e in result.errors)
    assert any(e.startswith("units row 10: enquiry_phone 12345") for e in result.errors)
    assert any(e.startswith("staff row 6: unknown role(s) teller") for e in result.errors)
    assert Unit.objects.count() == 0 and Staff.objects.count() == 0


def test_rules_of_the_tree_are_checked(tmp_path):
    text = (
        "code,name,kind,parent_code,function\n"
        "HO,总行,head_office,,\n"
        "D,部门,department,HO,\n"
        "D2,科室,department,D,other\n"
        "O,网点,outlet,HO,\n"
        "B,分行,branch,O,\n"
        "S,怪,shop,HO,\n"
        "P,省行,province,HO,it\n"
    )
    result = import_files([write(tmp_path, "units.csv", text)])
    assert "units row 3: a department needs a function." in result.errors
    assert any(e.startswith("units row 4: parent_code D is a department") for e in result.errors)
    assert "units row 6: a branch cannot sit under O, a outlet." in result.errors
    assert any(e.startswith("units row 7: kind shop is not one of") for e in result.errors)
    assert "units row 8: only a department has a function." in result.errors
    assert Unit.objects.count() == 0


def test_re_running_the_same_file_adds_nothing_and_an_edit_updates(csv_files, tmp_path):
    assert import_files(csv_files).ok
    counts = (
        Unit.objects.count(),
        Staff.objects.count(),
        WorkGroup.objects.count(),
        WorkGroupMember.objects.count(),
    )

    again = import_files(csv_files)
    assert again.ok
    assert (again.units_created, again.units_updated, again.units_unchanged) == (0, 0, 7)
    assert (again.staff_created, again.staff_updated, again.staff_unchanged) == (0, 0, 4)
    assert counts == (
        Unit.objects.count(),
        Staff.objects.count(),
        WorkGroup.objects.count(),
        WorkGroupMember.objects.count(),
    )

    edited = STAFF_CSV.replace(
        "liuyang,刘洋,WH0101,outlet_staff,,", "liuyang,刘洋洋,WH0101,outlet_staff;lobby_manager,13800001111,"
    )
    units = UNITS_CSV.replace("吴磊,027-85761234", "孙丽,027-85760000")
    result = import_files([write(tmp_path, "units2.csv", units), write(tmp_path, "staff2.csv", edited)])
    assert result.ok
    assert (result.units_updated, result.staff_updated) == (1, 1)
    liu = Staff.objects.get(username="liuyang")
    assert (liu.name, liu.phone, liu.roles) == ("刘洋洋", "13800001111", {"outlet_staff", "lobby_manager"})
    assert Unit.objects.get(code="WH0101").enquiry_name == "孙丽"
    assert Unit.objects.count() == counts[0]


def test_import_does_not_move_units_or_take_over_demo_users(csv_files, tmp_path):
    assert import_files(csv_files).ok
    create_staff(username="teller", name="演示", unit=None, roles=["outlet_staff"], is_demo=True)
    moved = UNITS_CSV.replace("WH01,武汉江汉支行,sub_branch,WH", "WH01,武汉江汉支行,sub_branch,HB")
    staff = STAFF_CSV + "teller,柜员,WH0101,outlet_staff,,,,\n"
    result = import_files([write(tmp_path, "u.csv", moved), write(tmp_path, "s.csv", staff)])
    assert "units row 3: unit WH01 exists under WH; import does not move units." in result.errors
    assert "staff row 6: username teller is a demo user; choose another username." in result.errors
    assert Unit.objects.get(code="WH01").parent.code == "WH"


def test_gbk_csv_from_chinese_excel_is_read(tmp_path):
    path = write(
        tmp_path, "units.csv", "code,name,kind,parent_code\nHO,总行,head_office,\n", encoding="gb18030"
    )
    assert import_files([path]).ok
    assert Unit.objects.get(code="HO").name == "总行"


def test_unknown_columns_are_refused(tmp_path):
    path = write(tmp_path, "units.csv", "code,name,kind,parnet_code\nHO,总行,head_office,\n")
    result = import_files([path])
    assert any("unknown column(s) parnet_code" in e for e in result.errors)
    assert Unit.objects.count() == 0


def test_command_reports_rows_and_refuses_then_imports(csv_files, tmp_path, capsys):
    bad = write(tmp_path, "bad.csv", UNITS_CSV.replace("province,HO", "province,NOPE"))
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_org", str(bad))
    assert "units row 6: parent_code NOPE is not a known unit." in capsys.readouterr().err

    call_command("import_org", *map(str, csv_files), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert Unit.objects.count() == 0

    call_command("import_org", *map(str, csv_files))
    assert "units: 7 created" in capsys.readouterr().out
    assert Staff.objects.count() == 4
