"""Django's JSON serializer, but datetimes and times keep their microseconds.

DjangoJSONEncoder cuts them to milliseconds (the ECMAScript format), so a dumpdata and
loaddata round trip changes every timestamp: a backup must give back what it took.
Registered as the "fulljson" format in OpsConfig.ready().
"""

import datetime

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder


class FullPrecisionEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime):
            value = o.isoformat()
            return value[:-6] + "Z" if value.endswith("+00:00") else value
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = FullPrecisionEncoder


Deserializer = django_json.Deserializer
