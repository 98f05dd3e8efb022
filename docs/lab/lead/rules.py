"""Lab: lead-rule variants replayed on the even half (chosen) and the odd half (held out).

Derived distractors (pixel copies of a registered design, match_eval's audit) are taken
from the shipped rules' flags, as eval_match names them."""
import itertools, os, pickle, sys
from pathlib import Path
sys.path.insert(0, '/work/main'); sys.path.insert(0, '/tmp/lab/lead')
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ipcenter.settings')
import django; django.setup()
from search import match_eval as me, match_suite as suite
import replay
from replay import Rule

data = replay.load(os.environ.get('DUMP', '/tmp/lab/lead/dump.pkl'))
cache = Path('/tmp/lab/lead/derived.pkl')
if cache.exists():
    derived = pickle.load(open(cache, 'rb'))
else:
    files = me.pattern_files(Path('/work/shared/patterns'))
    registered, _ = suite.split(files)
    rows = []
    for row in data['rows']:
        top, _ = replay.decide(row, Rule())
        hit = next((t for t in top if t[3]), None)
        rows.append({'file': row[0], 'truth': row[2], 'flagged': hit is not None, 'flagged_key': hit[2] if hit else -1})
    derived = frozenset(me.audit_flagged_distractors(rows, registered, files))
    pickle.dump(derived, open(cache, 'wb'))
print('derived', sorted(derived))


def show(label, rule, half=None):
    mean, rec, (df, d), (uf, u), flags = replay.summary(data, rule, derived, half)
    low = {a: round(v, 3) for a, v in rec.items() if v < 0.85}
    print(f'{label:40s} mean {mean:.4f} all {df}/{d} {100*df/d:.2f}% unrel {uf}/{u} {100*uf/u:.2f}% low {low}')
    return mean, uf, u, flags


if __name__ == '__main__':
    base = Rule()
    for half in (None, 0, 1):
        m, uf, u, flags = show(f'shipped half={half}', base, half)
    print('unrelated flags (shipped):')
    for f in show('shipped', base)[3]:
        print('  ', f)
    show('no lead rules', Rule(off=True))
