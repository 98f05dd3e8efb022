"""Demo complaints in every stage, walked through the real services (seed_demo)."""

import datetime
import io

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps

from accounts.models import User
from cases import services
from cases.evidence import CleanFile
from cases.models import Case, Evidence, Referral
from designs.images import clean_image_bytes
from designs.models import FabricDesign

S = Case.Status

# Stage wanted, respondent (merchant username, or None for "unknown / invited"), note.
PLAN = [
    (S.DRAFT, "merchant2", "草稿：尚未提交"),
    (S.SUBMITTED, "merchant2", "叠石桥市场发现同款四件套"),
    (S.SUBMITTED, None, "网店销售翻版窗帘，店主不明"),
    (S.NEEDS_SUPPLEMENT, "merchant3", "缺少购物凭证"),
    (S.RESUBMITTED, "merchant3", "已补充购物小票"),
    (S.NOT_ACCEPTED, "merchant4", "所依据花型与被投诉商品明显不同"),
    (S.ACCEPTED, "merchant2", "镜像翻印"),
    (S.IN_COMPARISON, "merchant3", "改色翻版（同型不同色）"),
    (S.INFRINGING, None, "摊主未注册账号，待邀请"),
    (S.NOT_INFRINGING, "merchant4", "仅题材相近"),
    (S.INCONCLUSIVE, "merchant2", "照片模糊，无法判定"),
    (S.RESPONDENT_NOTIFIED, "merchant3", "等待被投诉人意见陈述"),
    (S.REFUSED, "merchant4", "被投诉人拒绝调解"),
    (S.IN_MEDIATION, "merchant2", "双方同意调解"),
    (S.SETTLED, "merchant3", "达成协议，履行中"),
    (S.FAILED, "merchant4", "赔偿金额分歧过大"),
    (S.REFERRED, "merchant2", "拒不调解，移交市场监管"),
    (S.WITHDRAWN, "merchant3", "双方私下和解，投诉人撤回"),
    (S.CLOSED, "merchant4", "协议履行完毕"),
]

_NAMES = [
    "merchant1",
    "merchant2",
    "merchant3",
    "merchant4",
    "intake",
    "examiner",
    "mediator",
    "director",
]

RECEIPT_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _photo_of(design: FabricDesign, variant: int) -> CleanFile:
    """A market photo of a copy: the registered image mirrored, rotated or recoloured."""
    with design.primary_image.image.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read())).convert("RGB")
    if variant % 3 == 0:
        image = ImageOps.mirror(image)
    elif variant % 3 == 1:
        image = image.rotate(90, expand=True)
    else:
        r, g, b = image.split()
        image = Image.merge("RGB", (b, r, g))  # same shapes, other colours
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    clean = clean_image_bytes(out.getvalue(), name=f"现场照片{variant}.jpg")
    return CleanFile(
        clean.content, clean.ext, clean.sha256, clean.source_sha256, clean.name
    )


def _receipt() -> CleanFile:
    import hashlib

    digest = hashlib.sha256(RECEIPT_PDF).hexdigest()
    return CleanFile(RECEIPT_PDF, "pdf", digest, digest, "购物小票.pdf")


@transaction.atomic
def seed_cases() -> int:
    """Create the demo complaints once; return how many were created."""
    if Case.objects.filter(complainant__username__in=_NAMES).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=_NAMES)}
    if len(users) < len(_NAMES):
        return 0
    designs = list(
        FabricDesign.objects.registered()
        .filter(owner__username__in=["merchant1", "merchant2", "merchant3"])
        .select_related("owner")
        .order_by("pk")
    )
    if not designs:
        return 0
    created = 0
    for index, (status, respondent, note) in enumerate(PLAN):
        design = designs[index % len(designs)]
        owner = design.owner
        if respondent == owner.username:
            respondent = "merchant1"
        _walk(design, status, users, users.get(respondent), note, index)
        created += 1
    return created


def _walk(design, status, users, respondent, note, index) -> Case:
    owner = design.owner
    intake, examiner, mediator = users["intake"], users["examiner"], users["mediator"]
    evidence = [(Evidence.Kind.PHOTO, _photo_of(design, index))]
    if status not in (S.NEEDS_SUPPLEMENT,):
        evidence.append((Evidence.Kind.RECEIPT, _receipt()))
    shop = respondent.shop_name if respondent else "无名摊位"
    stall = respondent.stall_no if respondent else f"E区{index}-0{index}"
    case = services.save_draft(
        complainant=owner,
        designs=[design],
        evidence=evidence,
        contact_person=owner.get_full_name() or owner.username,
        contact_phone=owner.phone,
        address="江苏省南通市通州区川姜镇家纺城",
        respondent_name=shop,
        respondent_stall=stall,
        found_place="南通家纺城" + ("东区市场" if index % 2 else "叠石桥国际家纺城"),
        found_on=timezone.localdate() - datetime.timedelta(days=3 + index),
        description=note,
        remedy_stop_selling=True,
        remedy_destroy=index % 2 == 0,
        destroy_quantity=200 + 10 * index if index % 2 == 0 else None,
        compensation=18000 + 500 * index,
        licence_fee=3 if index % 3 == 0 else None,
        undertaking=True,
    )
    if status == S.DRAFT:
        return case
    case = services.submit_complaint(case, by=owner)
    if status == S.SUBMITTED:
        return case
    if status in (S.NEEDS_SUPPLEMENT, S.RESUBMITTED):
        case = services.request_supplement(
            case, by=intake, reason="请补充购买被投诉商品的凭证（小票或转账记录）。"
        )
        if status == S.RESUBMITTED:
            services.add_evidence(
                case, by=owner, files=[(Evidence.Kind.RECEIPT, _receipt())]
            )
            case = services.resubmit_complaint(case, by=owner, note="已补充购物小票。")
        return case
    if status == S.NOT_ACCEPTED:
        return services.refuse_case(case, by=intake, reason=note)
    if status == S.WITHDRAWN:
        case = services.accept_case(case, by=intake)
        return services.withdraw_case(case, by=owner, note=note)
    case = services.accept_case(case, by=intake, note="材料齐全，予以受理。")
    if status == S.ACCEPTED:
        return case
    case = services.start_comparison(case, by=examiner)
    if status == S.IN_COMPARISON:
        return case
    if status in (S.NOT_INFRINGING, S.INCONCLUSIVE):
        return services.determine(case, by=examiner, outcome=status, opinion=note)
    case = services.determine(
        case,
        by=examiner,
        outcome=S.INFRINGING,
        opinion="被投诉商品花型与登记花型在构图、纹样和排列上实质性相似，"
        "仅作镜像/改色处理，构成侵权。",
    )
    if respondent is None:
        services.invite_respondent(case, by=mediator)
        return case
    case = services.link_respondent(case, by=mediator, respondent=respondent)
    if status == S.INFRINGING:
        return case
    case = services.notify_respondent(case, by=mediator, note="已送达投诉通知书。")
    if status == S.RESPONDENT_NOTIFIED:
        return case
    accepts = status != S.REFUSED
    case = services.submit_statement(
        case,
        by=respondent,
        statement="货品从外地进货，不知是仿冒，愿意协商。"
        if accepts
        else "本店花型自行设计，不同意调解。",
        accepts_mediation=accepts,
    )
    if status == S.REFUSED:
        return case
    services.record_session(
        case,
        by=mediator,
        held_at=timezone.now() - datetime.timedelta(days=1),
        place="知识产权快速维权中心调解室",
        attendees=f"{owner.display_name}、{respondent.display_name}、调解员",
        notes="双方陈述意见，调解员释明法律规定。",
    )
    if status == S.IN_MEDIATION:
        return case
    if status in (S.FAILED, S.REFERRED):
        case = services.fail_mediation(case, by=mediator, reason=note)
        if status == S.REFERRED:
            services.refer_case(
                case,
                by=mediator,
                target=Referral.Target.MARKET_REGULATION,
                recipient="南通市通州区市场监督管理局",
                reference=f"通市监移〔{timezone.localdate().year}〕{index}号",
                note=note,
            )
        return case
    due = timezone.localdate() + datetime.timedelta(days=15)
    services.save_agreement(
        case,
        by=mediator,
        facts=f"被投诉人销售的商品使用了投诉人登记花型“{design.title}”的翻版。",
        performance_method="赔偿款以银行转账方式支付至投诉人账户。",
        terms=[
            {"kind": "cease", "due_on": due},
            {"kind": "destroy", "quantity": 120, "due_on": due},
            {"kind": "pay", "amount": 20000, "due_on": due},
        ],
    )
    for who in (owner, respondent, mediator):
        services.confirm_agreement(case, by=who)
    case.refresh_from_db()
    if status == S.SETTLED:
        first = case.agreement.terms.first()
        services.record_performance(first, by=mediator, note="现场核实已下架停售。")
        return case
    for term in case.agreement.terms.all():
        services.record_performance(term, by=mediator, note="已履行。")
    return services.close_case(case, by=mediator, note="协议全部履行，结案。")
