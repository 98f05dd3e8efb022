import json, sys
def load(n):
    rows={ (r["file"],r["alteration"]): r for r in map(json.loads, open(f'/tmp/lab/mp_photo{n}.jsonl'))}
    return rows
runs={n: load(n) for n in sys.argv[1:]}
for n, rows in runs.items():
    for alt in ("market_photo","market_photo+hue_90"):
        reg=[r for r in rows.values() if r["truth"]>=0 and r["alteration"]==alt]
        dis=[r for r in rows.values() if r["truth"]<0 and r["alteration"]==alt]
        print(n, alt, "found %.3f" % (sum(r["found"] for r in reg)/len(reg)), "flagged dis", [r["file"] for r in dis if r["flagged"]])
