"""Lab: what find_similar's database fetch adds to a query (the part bench_match leaves out).

Run against a scratch database (never the real one), e.g.
  IPCENTER_DATA_DIR=/tmp/e2e IPCENTER_DATABASE_URL=sqlite:////tmp/e2e/db.sqlite3 python docs/lab/e2e/fetch.py
  IPCENTER_DATA_DIR=/tmp/e2e IPCENTER_DATABASE_URL=postgres://postgres@127.0.0.1:5432/e2e python docs/lab/e2e/fetch.py
It registers N designs through the services (env N, default 200), gives every fingerprint
row the features of a bench_match sample print (45 prints of 45 sizes, ~110 KB a row as a
real registry's), then times find_similar's visible() and features_for_keys() queries for
45 and for 75 random keys (the verified, and the verified + item 16's detail-only).
"""
import os, sys, time, random
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings")
import django; django.setup()
import numpy as np
from django.core.management import call_command
from designs.models import FabricDesign
from search import fingerprint as fp, match_suite as suite
from search.models import ImageFingerprint
from tests.factories import make_design, make_user

N = int(os.environ.get("N", "200"))
call_command("migrate", verbosity=0)
rows = ImageFingerprint.objects.filter(algorithm=fp.ALGORITHM_VERSION, design__status=FabricDesign.Status.REGISTERED)
if rows.count() < N:
    owner = make_user()
    t0 = time.time()
    for i in range(N - rows.count()):
        make_design(owner=owner, status=FabricDesign.Status.REGISTERED, seed=1000 + i)
    print("registered", N, "in", round(time.time() - t0), "s", file=sys.stderr)
samples = [fp.compute(fp.load_image(suite.jpeg_bytes(suite.synthetic_pattern(2 + s, 400 + 8 * s)))) for s in range(45)]
pks = list(rows.values_list("pk", flat=True))
for n, pk in enumerate(pks):
    ImageFingerprint.objects.filter(pk=pk).update(features=samples[n % 45].features)
print("rows", len(pks), "features bytes mean", int(np.mean([len(s.features) for s in samples])))

def fetch(keys):
    allowed = set(rows.filter(pk__in=keys).values_list("pk", flat=True))
    found = {}
    for row in rows.filter(pk__in=[k for k in keys if k in allowed]).select_related("design", "image"):
        found[row.pk] = row
    return {pk: fp.Fingerprint(vector=bytes(r.vector), features=bytes(r.features), width=r.width, height=r.height) for pk, r in found.items()}

rng = random.Random(0)
for k in (45, 75):
    fetch(rng.sample(pks, k))
    ts = []
    for _ in range(30):
        keys = rng.sample(pks, k)
        t = time.perf_counter(); got = fetch(keys); ts.append((time.perf_counter() - t) * 1000)
        assert len(got) == k
    print(f"{os.environ.get('IPCENTER_DATABASE_URL', 'sqlite')[:10]} fetch {k} rows: median {np.median(ts):.1f} ms, p95 {np.percentile(ts, 95):.1f} ms")
