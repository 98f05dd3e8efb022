"""Property-based tests (hypothesis): forms either refuse input cleanly or store it intact."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.forms import SignUpForm
from accounts.models import User
from designs import services
from designs.forms import DesignForm
from designs.models import FabricDesign
from tests.factories import make_clean_image, make_design, make_user

pytestmark = pytest.mark.django_db

# Rows accumulate inside one test transaction across examples; that is fine here.
DB_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text, including control characters, NUL, right-to-left marks and very long runs.
any_text = st.text(max_size=300)
chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF))
some_text = st.one_of(any_text, chinese, st.just(""), st.just("   "))
nonblank = st.one_of(chinese.filter(str.strip), any_text.filter(str.strip))
date_text = st.one_of(
    st.dates(min_value=datetime.date(1, 1, 1)).map(str),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    any_text,
    st.just(""),
)


def choice_or_junk(choices):
    return st.one_of(st.sampled_from([c for c, _ in choices]), any_text)


junk_design = st.fixed_dictionaries(
    {
        "title": some_text,
        "description": some_text,
        "category": choice_or_junk(FabricDesign.Category.choices),
        "technique": choice_or_junk(FabricDesign.Technique.choices),
        "authors": some_text,
        "copyright_holder": some_text,
        "created_on": date_text,
        "published_on": date_text,
        "originality": choice_or_junk(FabricDesign.Originality.choices),
    }
)
# Valid choices and plausible dates, so the "stored exactly" branch runs often too.
plausible_design = st.fixed_dictionaries(
    {
        "title": nonblank,
        "description": some_text,
        "category": st.sampled_from(FabricDesign.Category.values),
        "technique": st.sampled_from(FabricDesign.Technique.values),
        "authors": nonblank,
        "copyright_holder": some_text,
        "created_on": st.dates(
            min_value=datetime.date(1890, 1, 1), max_value=datetime.date(2030, 1, 1)
        ).map(str),
        "published_on": st.one_of(
            st.just(""),
            st.dates(
                min_value=datetime.date(1890, 1, 1), max_value=datetime.date(2030, 1, 1)
            ).map(str),
        ),
        "originality": st.sampled_from(FabricDesign.Originality.values),
    }
)
design_data = st.one_of(junk_design, plausible_design)


@DB_SETTINGS
@given(data=design_data)
def test_registration_form_refuses_cleanly_or_stores_exactly(data):
    form = DesignForm(data)
    valid = form.is_valid()
    event(f"valid={valid}")
    if not valid:
        assert form.errors  # a message for the user, never an exception
        return
    cleaned = form.cleaned_data
    today = timezone.localdate()
    assert datetime.date(1900, 1, 1) <= cleaned["created_on"] <= today
    if cleaned["published_on"]:
        assert cleaned["created_on"] <= cleaned["published_on"] <= today
    assert cleaned["title"].strip() and len(cleaned["title"]) <= 200
    assert "\x00" not in "".join(str(v) for v in cleaned.values())

    fields = {k: v for k, v in cleaned.items() if k != "new_images"}
    design = services.create_design(
        owner=make_user(), images=[make_clean_image(seed=1)], **fields
    )
    design.refresh_from_db()
    assert design.title == cleaned["title"]
    assert design.authors == cleaned["authors"]
    assert design.created_on == cleaned["created_on"]
    assert design.status == FabricDesign.Status.DRAFT


junk_signup = st.fixed_dictionaries(
    {
        "username": st.one_of(any_text, st.from_regex(r"\A[a-z][a-z0-9_]{2,20}\Z")),
        "email": st.one_of(any_text, st.emails()),
        "phone": st.one_of(any_text, st.from_regex(r"\A1[3-9]\d{9}\Z")),
        "shop_name": some_text,
        "stall_no": some_text,
        "credit_code": st.one_of(st.just(""), any_text),
        "password1": st.just("a-Long-enough-pass-42"),
        "password2": st.just("a-Long-enough-pass-42"),
    }
)
plausible_signup = st.fixed_dictionaries(
    {
        "username": st.from_regex(r"\A[a-z][a-z0-9_]{2,20}\Z"),
        "email": st.from_regex(r"\A[a-z0-9]{1,10}@example\.com\Z"),
        "phone": st.from_regex(r"\A1[3-9]\d{9}\Z"),
        "shop_name": st.one_of(chinese.filter(str.strip), any_text),
        "stall_no": st.one_of(st.just("A区3-112"), any_text),
        "credit_code": st.just(""),
        "password1": st.just("a-Long-enough-pass-42"),
        "password2": st.just("a-Long-enough-pass-42"),
    }
)
signup_data = st.one_of(junk_signup, plausible_signup)


@DB_SETTINGS
@given(data=signup_data)
def test_merchant_sign_up_form_refuses_cleanly_or_stores_exactly(data):
    form = SignUpForm(data)
    valid = form.is_valid()
    event(f"valid={valid}")
    if not valid:
        assert form.errors
        return
    user = form.save()
    stored = User.objects.get(pk=user.pk)
    assert stored.username == form.cleaned_data["username"]
    assert stored.phone == form.cleaned_data["phone"]
    assert stored.check_password("a-Long-enough-pass-42")
    assert not stored.is_staff and not stored.is_superuser


# --- complaint form -----------------------------------------------------------------

number_text = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str),
    any_text,
    st.just(""),
)


def complaint_data(design_pk: int):
    return st.one_of(junk_complaint(design_pk), plausible_complaint(design_pk))


def plausible_complaint(design_pk: int):
    amount = st.one_of(st.just(""), st.integers(0, 5_000_000).map(str))
    return st.fixed_dictionaries(
        {
            "designs": st.just([str(design_pk)]),
            "respondent_name": nonblank,
            "respondent_stall": some_text,
            "found_place": nonblank,
            "found_on": st.dates(
                min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2026, 1, 1)
            ).map(str),
            "description": some_text,
            "remedy_stop_selling": st.sampled_from(["on", ""]),
            "remedy_destroy": st.sampled_from(["on", ""]),
            "destroy_quantity": amount,
            "compensation": amount,
            "licence_fee": amount,
            "contact_person": nonblank,
            "contact_phone": st.from_regex(r"\A1[3-9]\d{9}\Z"),
            "undertaking": st.just("on"),
        }
    )


def junk_complaint(design_pk: int):
    return st.fixed_dictionaries(
        {
            "designs": st.one_of(
                st.just([str(design_pk)]), st.lists(any_text, max_size=2)
            ),
            "respondent_name": some_text,
            "respondent_stall": some_text,
            "respondent_phone": some_text,
            "respondent_online_shop": some_text,
            "respondent_link": st.one_of(any_text, st.just("https://shop.example/1")),
            "found_place": some_text,
            "found_on": date_text,
            "description": some_text,
            "remedy_stop_selling": st.sampled_from(["on", ""]),
            "remedy_destroy": st.sampled_from(["on", ""]),
            "destroy_quantity": number_text,
            "compensation": number_text,
            "licence_fee": number_text,
            "contact_person": some_text,
            "contact_phone": st.one_of(any_text, st.from_regex(r"\A1[3-9]\d{9}\Z")),
            "address": some_text,
            "id_number": some_text,
            "undertaking": st.sampled_from(["on", ""]),
        }
    )


@DB_SETTINGS
@given(st.data())
def test_complaint_form_refuses_cleanly_or_stores_exactly(data):
    from cases import services as case_services
    from cases.forms import ComplaintForm

    owner = make_user()
    design = make_design(owner=owner, status=FabricDesign.Status.REGISTERED)
    form = ComplaintForm(data.draw(complaint_data(design.pk)), complainant=owner)
    valid = form.is_valid()
    event(f"valid={valid}")
    if not valid:
        assert form.errors
        return
    fields = form.service_fields()
    try:
        case = case_services.save_draft(
            complainant=owner, designs=form.cleaned_data["designs"], **fields
        )
    except case_services.CaseError as e:
        assert str(e)  # a rule the form does not check, said in words
        return
    case.refresh_from_db()
    for name in ("respondent_name", "found_on", "description", "compensation"):
        assert getattr(case, name) == fields[name]
    # A draft may be saved before a design is chosen (submit() asks for one), so the
    # junk strategy's empty list is valid: stored exactly as the form cleaned it.
    assert list(case.designs.all()) == list(form.cleaned_data["designs"])
    assert set(case.designs.all()) <= {design}


# --- working-day arithmetic ---------------------------------------------------------

any_year = st.dates(
    min_value=datetime.date(2005, 1, 1), max_value=datetime.date(2040, 12, 31)
)


@DB_SETTINGS
@given(start=any_year, days=st.integers(min_value=1, max_value=40))
def test_adding_working_days_lands_on_a_working_day_n_working_days_later(start, days):
    from cases import workdays

    deadline = workdays.add_working_days(start, days)
    calendar = workdays.WorkCalendar()
    assert deadline.date > start
    assert calendar.is_workday(deadline.date)
    assert workdays.working_days_between(start, deadline.date) == days
    assert workdays.working_days_between(deadline.date, start) == -days
    # Never sooner than the same count of calendar days.
    assert (deadline.date - start).days >= days


@DB_SETTINGS
@given(start=any_year, a=st.integers(0, 30), b=st.integers(0, 30))
def test_more_working_days_never_end_sooner(start, a, b):
    from cases import workdays

    first = workdays.add_working_days(start, min(a, b)).date
    second = workdays.add_working_days(start, max(a, b)).date
    assert first <= second
    assert (first < second) == (a != b)


@DB_SETTINGS
@given(start=any_year, days=st.integers(min_value=0, max_value=40))
def test_calendar_day_limits_end_on_the_next_working_day(start, days):
    from cases import workdays

    deadline = workdays.add_calendar_days(start, days).date
    calendar = workdays.WorkCalendar()
    nominal = start + datetime.timedelta(days=days)
    assert deadline >= nominal and calendar.is_workday(deadline)
    day = nominal
    while day < deadline:  # every day skipped over was a day off
        assert not calendar.is_workday(day)
        day += datetime.timedelta(days=1)


@DB_SETTINGS
@given(start=any_year, days=st.integers(min_value=1, max_value=40))
def test_years_without_a_calendar_are_flagged_not_fatal(start, days):
    from cases import workdays

    deadline = workdays.add_working_days(start, days)
    # Flagged exactly when a day past the published calendar (2026) was looked at.
    assert deadline.estimated == (deadline.date.year > 2026)
