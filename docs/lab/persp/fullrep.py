import json, sys, collections
rows=[json.loads(l) for l in open(sys.argv[1])]
base={"original":1.000,"resize_0.5":0.972,"resize_2":0.986,"jpeg_30":0.836,"hue_90":1.0,"hue_180":1.0,"invert":1.0,"colourway":0.995,"mirror":1.0,"rot_90":1.0,"rot_180":1.0,"rot_5_10":0.958,"crop_70":0.981,"crop_50":0.977,"shifted_repeat":1.0,"retiled":0.953,"market_photo":0.479,"hue_180+mirror":0.995,"crop_70+jpeg_30":0.657,"rot_90+colourway":0.977,"shifted_repeat+resize_0.5":0.934,"market_photo+hue_90":0.465}
by=collections.defaultdict(list); dis=collections.defaultdict(list)
for r in rows:
    (by if r["truth"]>=0 else dis)[r["alteration"]].append(r)
for a in base:
    if a in by:
        f=sum(r["found"] for r in by[a])/len(by[a])
        print(f"{a:28} n={len(by[a]):3} found {f:.3f} (was {base[a]:.3f}) dis flagged {sum(r['flagged'] for r in dis[a])}/{len(dis[a])}", [r["file"] for r in dis[a] if r["flagged"]])
