"""Django's JSON serializer for backups: full-precision times, few natural keys.

- DjangoJSONEncoder cuts datetimes to milliseconds (the ECMAScript format), so a
  dumpdata/loaddata round trip would change every timestamp; here they keep microseconds.
- `--natural-foreign` would write every foreign key to a user as ["username"], fetching
  each user with one query per row (100,000 designs: 100,000 queries). Only content types
  and permissions need natural keys, because migrate numbers them differently in each
  database; every other row keeps its id, so plain ids are exact and free.

Registered as the "fulljson" format in OpsConfig.ready().
"""

import datetime

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder

# Rows that migrate creates, with ids that differ between databases.
NATURAL_KEY_MODELS = {"contenttypes.contenttype", "auth.permission"}


class FullPrecisionEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime):
            value = o.isoformat()
            return value[:-6] + "Z" if value.endswith("+00:00") else value
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def _by_id(field) -> bool:
    return field.remote_field.model._meta.label_lower not in NATURAL_KEY_MODELS


class Serializer(django_json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = FullPrecisionEncoder

    def handle_fk_field(self, obj, field):
        if self.use_natural_foreign_keys and _by_id(field):
            self._current[field.name] = self._value_from_field(obj, field)
        else:
            super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        natural = self.use_natural_foreign_keys
        self.use_natural_foreign_keys = natural and not _by_id(field)
        try:
            super().handle_m2m_field(obj, field)
        finally:
            self.use_natural_foreign_keys = natural


Deserializer = django_json.Deserializer
