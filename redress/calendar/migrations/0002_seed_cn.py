"""Seed mainland China's calendar for 2004–2026 from the chinesecalendar package; from here on the database owns
it. Only the package's dates and names are used (its `Holiday.days` counts are outdated)."""

from django.db import migrations

FIRST_YEAR, LAST_YEAR = 2004, 2026

# The names the State Council notices use.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def arrangement_year(date, english_name):
    # A New Year block or make-up day in December belongs to the next year's notice.
    if english_name == "New Year's Day" and date.month == 12:
        return date.year + 1
    return date.year


def seed(apps, schema_editor):
    from chinese_calendar import constants

    Jurisdiction = apps.get_model("calendar", "Jurisdiction")
    CalendarDay = apps.get_model("calendar", "CalendarDay")
    CalendarYear = apps.get_model("calendar", "CalendarYear")
    CalendarChange = apps.get_model("calendar", "CalendarChange")

    place, _ = Jurisdiction.objects.get_or_create(
        code="CN", defaults={"name": "中国大陆", "timezone": "Asia/Shanghai"}
    )
    days = []
    for source, kind in ((constants.holidays, "holiday"), (constants.workdays, "makeup_workday")):
        for date, english in source.items():
            if FIRST_YEAR <= date.year <= LAST_YEAR:
                days.append(
                    CalendarDay(
                        jurisdiction=place,
                        date=date,
                        kind=kind,
                        name=NAMES.get(english, english),
                        arrangement_year=arrangement_year(date, english),
                    )
                )
    CalendarDay.objects.bulk_create(days, batch_size=500)
    CalendarYear.objects.bulk_create(
        [
            CalendarYear(jurisdiction=place, year=year, source="chinesecalendar")
            for year in range(FIRST_YEAR, LAST_YEAR + 1)
        ]
    )
    CalendarChange.objects.create(
        jurisdiction=place,
        action="seeded",
        year=LAST_YEAR,
        note=f"{len(days)} days of {FIRST_YEAR}–{LAST_YEAR} from the chinesecalendar package",
    )


def unseed(apps, schema_editor):
    apps.get_model("calendar", "Jurisdiction").objects.filter(code="CN").delete()


class Migration(migrations.Migration):
    dependencies = [("calendar", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
