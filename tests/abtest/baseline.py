# The core of ls-abtest written with scipy and numpy: the baseline of
# bench/abtest.sh. Pairs two verdict files by id, then Wilson intervals,
# McNemar's exact test, the paired percentile bootstrap (10,000 resamples)
# and the same per category and difficulty; prints one JSON object.
import json, sys
import numpy as np
from scipy import stats

def load(path):
    out = {}
    for line in open(path):
        r = json.loads(line)
        out.setdefault(r["id"], r)
    return out

a, b = load(sys.argv[1]), load(sys.argv[2])
ids = [i for i in a if i in b and "exec" in a[i] and "exec" in b[i]]
pa = np.array([a[i]["exec"]["status"] == "passed" for i in ids], dtype=float)
pb = np.array([b[i]["exec"]["status"] == "passed" for i in ids], dtype=float)

def test(x, y):
    n = len(x)
    k = [int(x.sum()), int(y.sum())]
    ci = [stats.binomtest(kk, n).proportion_ci(0.95, "wilson") for kk in k]
    only_a, only_b = int(((x == 1) & (y == 0)).sum()), int(((x == 0) & (y == 1)).sum())
    p = stats.binomtest(only_a, only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0
    return {"n": n, "rate": [kk / n for kk in k], "wilson": [[c.low, c.high] for c in ci], "exact": p}

res = test(pa, pb)
d, n = pb - pa, len(pa)
rng = np.random.default_rng(0)
means = np.concatenate([d[rng.integers(0, n, size=(500, n))].mean(axis=1) for _ in range(20)])
res["diff_ci"] = [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]
for field in ("category", "difficulty"):
    vals = np.array([a[i].get(field) for i in ids])
    res[field] = {v: test(pa[vals == v], pb[vals == v]) for v in sorted(set(vals))}
print(json.dumps(res))
