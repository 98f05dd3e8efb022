"""Hand-written factories: make_* functions with sensible defaults, override by keyword."""

import datetime
import io
import itertools
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts import roles
from accounts.models import User
from designs import services as design_services
from designs.images import CleanImage, clean_image_bytes
from designs.models import FabricDesign

_seq = itertools.count(1)


def make_user(*, role: str | None = None, **fields) -> User:
    n = next(_seq)
    fields.setdefault("username", f"user{n}")
    fields.setdefault("shop_name", f"测试家纺{n}号店")
    fields.setdefault("phone", f"138{n:08d}")
    fields.setdefault("stall_no", f"A区1-{n}")
    fields.setdefault("email", f"user{n}@example.com")
    password = fields.pop("password", "pw-for-tests")
    user = User.objects.create_user(password=password, **fields)
    if role:
        from django.contrib.auth.models import Group

        roles.ensure_roles()
        user.groups.add(Group.objects.get(name=role))
    return user


def make_staff(role: str = roles.INTAKE, **fields) -> User:
    return make_user(role=role, **fields)


def pattern_png(seed: int = 0, size: int = 96, fmt: str = "PNG") -> bytes:
    """Draw a small deterministic tiled pattern: distinct seeds give distinct designs."""
    rng = random.Random(seed)
    tile = Image.new("RGB", (32, 32), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(tile)
    for _ in range(4):
        x, y, r = rng.randrange(32), rng.randrange(32), rng.randrange(4, 12)
        draw.ellipse(
            (x - r, y - r, x + r, y + r),
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    image = Image.new("RGB", (size, size))
    for x in range(0, size, 32):
        for y in range(0, size, 32):
            image.paste(tile, (x, y))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def make_upload(
    name: str = "pattern.png",
    seed: int = 0,
    data: bytes | None = None,
    content_type: str = "image/png",
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data if data is not None else pattern_png(seed), content_type=content_type
    )


def make_clean_image(seed: int = 0, name: str = "pattern.png") -> CleanImage:
    return clean_image_bytes(pattern_png(seed), name=name)


def make_design(
    *,
    owner: User | None = None,
    status: str = FabricDesign.Status.DRAFT,
    seed: int | None = None,
    **fields,
) -> FabricDesign:
    owner = owner or make_user()
    n = next(_seq)
    fields.setdefault("title", f"牡丹花型 {n}")
    fields.setdefault("category", FabricDesign.Category.BEDDING_SET)
    fields.setdefault("technique", FabricDesign.Technique.PRINT)
    fields.setdefault("authors", "张三")
    fields.setdefault("created_on", datetime.date(2025, 3, 1))
    design = design_services.create_design(
        owner=owner,
        images=[make_clean_image(seed if seed is not None else n)],
        **fields,
    )
    if status == FabricDesign.Status.DRAFT:
        return design
    design = design_services.submit_design(design, by=owner)
    if status == FabricDesign.Status.SUBMITTED:
        return design
    reviewer = make_staff(roles.INTAKE)
    if status == FabricDesign.Status.REGISTERED:
        return design_services.register_design(design, by=reviewer)
    if status == FabricDesign.Status.RETURNED:
        return design_services.return_design(design, by=reviewer, reason="补充作品说明")
    if status == FabricDesign.Status.REJECTED:
        return design_services.reject_design(design, by=reviewer, reason="非原创")
    if status == FabricDesign.Status.WITHDRAWN:
        return design_services.withdraw_design(design, by=owner)
    if status == FabricDesign.Status.REVOKED:
        design = design_services.register_design(design, by=reviewer)
        admin = make_staff(roles.ADMINISTRATOR)
        return design_services.revoke_design(design, by=admin, reason="经查为抄袭")
    raise ValueError(status)


# --- cases -----------------------------------------------------------------------------


def closely_compared_row(design: FabricDesign, score: float = 0.71) -> dict:
    """A match report's row for a relied-on design confirmed by a close comparison."""
    return {
        "design_id": design.pk,
        "registration_no": design.registration_no,
        "title": design.title,
        "score": score,
        "is_match": True,
        "alteration": "photographed",
        "compared_closely": True,
    }


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_evidence(seed: int = 0, kind: str = "photo", name: str = "photo.png"):
    from cases.evidence import CleanFile

    if kind == "photo" or name.endswith((".png", ".jpg")):
        image = make_clean_image(seed, name=name)
        clean = CleanFile(
            image.content, image.ext, image.sha256, image.source_sha256, name
        )
    else:
        import hashlib

        digest = hashlib.sha256(PDF_BYTES).hexdigest()
        clean = CleanFile(PDF_BYTES, "pdf", digest, digest, name)
    return (kind, clean)


def make_draft_case(
    *, complainant: User | None = None, design: FabricDesign | None = None, **fields
):
    from cases import services as case_services

    complainant = complainant or (design.owner if design else make_user())
    design = design or make_design(
        owner=complainant, status=FabricDesign.Status.REGISTERED
    )
    fields.setdefault("found_place", "南通家纺城 A区")
    fields.setdefault("found_on", datetime.date(2025, 9, 20))
    fields.setdefault("respondent_name", "仿冒家纺店")
    fields.setdefault("respondent_stall", "B区2-18")
    fields.setdefault("remedy_stop_selling", True)
    fields.setdefault("compensation", 20000)
    fields.setdefault("undertaking", True)
    evidence = fields.pop("evidence", None)
    if evidence is None:
        evidence = [make_evidence(seed=design.pk)]
    return case_services.save_draft(
        complainant=complainant, designs=[design], evidence=evidence, **fields
    )


# The path a case takes to reach each stage, as (service, role) steps.
def make_case(*, status: str = "submitted", respondent: User | None = None, **fields):
    """Make a case and walk it through the real services to `status`."""
    from cases import services as cs
    from cases.models import Case

    S = Case.Status
    case = make_draft_case(**fields)
    if status == S.DRAFT:
        return case
    complainant = case.complainant
    case = cs.submit_complaint(case, by=complainant)
    if status == S.SUBMITTED:
        return case
    intake = make_staff(roles.INTAKE)
    if status in (S.NEEDS_SUPPLEMENT, S.RESUBMITTED):
        case = cs.request_supplement(case, by=intake, reason="请补充购物凭证")
        if status == S.RESUBMITTED:
            case = cs.resubmit_complaint(case, by=complainant)
        return case
    if status == S.NOT_ACCEPTED:
        return cs.refuse_case(case, by=intake, reason="不属于本中心受理范围")
    if status == S.WITHDRAWN:
        return cs.withdraw_case(case, by=complainant, note="已和解")
    case = cs.accept_case(case, by=intake)
    if status == S.ACCEPTED:
        return case
    examiner = make_staff(roles.EXAMINER)
    case = cs.start_comparison(case, by=examiner)
    if status == S.IN_COMPARISON:
        return case
    if status in (S.NOT_INFRINGING, S.INCONCLUSIVE):
        return cs.determine(case, by=examiner, outcome=status, opinion="比对意见")
    case = cs.determine(
        case, by=examiner, outcome=S.INFRINGING, opinion="构成实质性相似"
    )
    if status == S.INFRINGING:
        return case
    mediator = make_staff(roles.MEDIATOR)
    respondent = respondent or make_user(shop_name="仿冒家纺店", stall_no="B区2-18")
    case = cs.link_respondent(case, by=mediator, respondent=respondent)
    case = cs.notify_respondent(case, by=mediator)
    if status == S.RESPONDENT_NOTIFIED:
        return case
    accepts = status not in (S.REFUSED,)
    case = cs.submit_statement(
        case, by=respondent, statement="愿意调解", accepts_mediation=accepts
    )
    if status in (S.IN_MEDIATION, S.REFUSED):
        return case
    if status in (S.FAILED, S.REFERRED):
        case = cs.fail_mediation(case, by=mediator, reason="双方赔偿金额分歧过大")
        if status == S.REFERRED:
            cs.refer_case(
                case,
                by=mediator,
                target="court",
                recipient="通州区人民法院",
                note="调解不成",
            )
            case.refresh_from_db()
        return case
    due = datetime.date.today() + datetime.timedelta(days=30)
    cs.save_agreement(
        case,
        by=mediator,
        facts="被投诉人销售与登记花型实质性相似的四件套。",
        terms=[
            {"kind": "cease", "due_on": due},
            {"kind": "pay", "amount": 20000, "due_on": due},
        ],
    )
    cs.confirm_agreement(case, by=complainant)
    cs.confirm_agreement(case, by=respondent)
    cs.confirm_agreement(case, by=mediator)
    case.refresh_from_db()
    if status == S.SETTLED:
        return case
    for term in case.agreement.terms.all():
        cs.record_performance(term, by=mediator, note="已履行")
    case = cs.close_case(case, by=mediator, note="协议履行完毕")
    if status == S.CLOSED:
        return case
    raise ValueError(status)
