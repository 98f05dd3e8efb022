from django.template import Context, Template
from django.utils import translation

from designs import alterations


def test_alteration_codes_are_shown_in_the_active_language():
    with translation.override("zh-hans"):
        assert alterations.label("mirrored, recoloured") == "镜像、换色"
        assert alterations.label("rotated") == "旋转"
    with translation.override("en"):
        assert alterations.label("mirrored, recoloured") == "mirrored, recoloured"


def test_unknown_or_empty_alterations_pass_through():
    with translation.override("zh-hans"):
        assert alterations.label("cropped, sheared") == "裁切、sheared"
        assert alterations.label("") == ""
        assert alterations.label(None) == ""


def test_alteration_label_filter_in_a_template():
    template = Template("{% load design_tags %}{{ value|alteration_label }}")
    with translation.override("zh-hans"):
        html = template.render(Context({"value": "rescaled, cropped"}))
    assert html == "缩放、裁切"
