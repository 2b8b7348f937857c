import pytest

from redress.routing.rules import default_route

pytestmark = pytest.mark.django_db


def test_service_attitude_goes_to_the_unit_complained_about(bank):
    case = bank.register(category="service_attitude")
    assert default_route(case).unit == bank.outlet_a1_1


def test_product_complaint_goes_to_the_owning_business_line(bank):
    case = bank.register(category="service_product", product="个人理财产品")
    assert default_route(case).unit == bank.dept_a_pb


def test_financial_crime_goes_to_the_supervision_office(bank):
    case = bank.register(kind="whistleblow", category="financial_crime")
    assert default_route(case).unit == bank.office_dept


def test_anonymous_report_goes_to_the_supervision_office(bank):
    case = bank.register(
        kind="whistleblow",
        category="anonymous",
        complainant_name="",
        complainant_phone="",
        complainant_id_number="",
        complainant_anonymous=True,
    )
    assert default_route(case).unit == bank.office_dept
