"""Compare an eval_match --rows file with the shipped engine replayed from dump.pkl."""
import json, sys
sys.path.insert(0, '/tmp/lab/lead')
import replay
from replay import Rule
data = replay.load()
base = {}
for row in data['rows']:
    top, _ = replay.decide(row, Rule())
    name, alt, truth = row[:3]
    base[(name, alt)] = any(t[2] == truth and t[3] for t in top) if truth >= 0 else any(t[3] for t in top)
new = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    new[(r['file'], r['alteration'])] = r['found'] if r['truth'] >= 0 else r['flagged']
reg = {k for k in new if any(row[0] == k[0] and row[2] >= 0 for row in data['rows'][:1]) or True}
truth = {(row[0], row[1]): row[2] for row in data['rows']}
gain = [k for k in new if truth[k] >= 0 and new[k] and not base[k]]
loss = [k for k in new if truth[k] >= 0 and base[k] and not new[k]]
fl_in = [k for k in new if truth[k] < 0 and new[k] and not base[k]]
fl_out = [k for k in new if truth[k] < 0 and base[k] and not new[k]]
print(len(new), 'queries; registered gained', gain, 'lost', loss)
print('distractor flags new', fl_in, 'gone', fl_out)
