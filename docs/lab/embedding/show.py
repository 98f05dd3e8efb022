import sys
sys.argv = sys.argv[:2] + ["--noprint"]
exec(open("/tmp/lab/analyse.py").read().split("A = reg[0::2]")[0].replace('evaluate(base, "engine (30 only)", only_engine=True)\nevaluate(base, "engine rule, shortlist + emb15")', ""))
import itertools
for args in [(0.1, 0, 3, 0.6), (0.1, 0, 3, 2), (0.0, 0, 99, 0.6), (0.05, 0, 99, 0.5)]:
    evaluate(make(*args), str(args))
