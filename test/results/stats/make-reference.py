#!/usr/bin/python3
"""Writes reference.json: values from established statistics packages that the TypeScript
statistics (src/results/stats) must reproduce to 1e-6.

Run with Debian's /usr/bin/python3 (it has scipy, statsmodels and numpy):
    /usr/bin/python3 test/results/stats/make-reference.py > test/results/stats/reference.json

scipy.stats.fisher_exact      -> Fisher's exact test, two-sided, and one-sided ('less', 'greater')
scipy.stats.norm.ppf          -> the normal quantile behind the Wilson interval
statsmodels proportion_confint(method='wilson')
statsmodels multipletests(method='holm' / 'fdr_bh')
numpy.percentile (default 'linear' method)

Every Fisher table is also recomputed here with exact rational arithmetic (fractions), where it is
small enough, so a case where scipy's floating point splits a mathematical tie shows up as
`exact` differing from `pValue`; the TypeScript must match the exact value.
"""
import json
import random
import sys
from fractions import Fraction
from math import comb

import numpy
import scipy
import statsmodels
from scipy.stats import fisher_exact, norm
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

rng = random.Random(20250105)


def normal_cases():
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-6, 0.001, 0.005, 0.01, 0.025, 0.05, 0.0749, 0.075, 0.1, 0.25,
          0.4, 0.5, 0.6, 0.75, 0.9, 0.925, 0.9251, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9995, 1 - 1e-9, 1 - 1e-15]
    return [{"p": p, "z": float(norm.ppf(p))} for p in ps]


def wilson_cases():
    fixed = [(0, 1), (1, 1), (0, 2), (1, 2), (2, 2), (0, 5), (5, 5), (1, 5), (11, 20), (0, 20), (20, 20),
             (1, 30), (29, 30), (50, 100), (0, 1000), (1, 1000), (999, 1000), (1000, 1000), (1234, 5000),
             (3000, 3000), (0, 3000), (1, 100000), (99999, 100000), (123456, 1000000)]
    cases = [(k, n, 0.95) for k, n in fixed]
    cases += [(k, n, c) for k, n in [(0, 10), (3, 10), (10, 10), (47, 60), (500, 2000)] for c in (0.8, 0.9, 0.99, 0.999)]
    for _ in range(40):
        n = rng.choice([rng.randint(1, 20), rng.randint(1, 200), rng.randint(1, 5000)])
        cases.append((rng.randint(0, n), n, rng.choice([0.95, 0.95, 0.99, 0.9])))
    out = []
    for k, n, c in cases:
        low, high = proportion_confint(k, n, alpha=1 - c, method="wilson")
        out.append({"successes": k, "n": n, "confidence": c, "low": float(low), "high": float(high)})
    return out


def hypergeometric_terms(a, b, c, d):
    """Unnormalised P(x) of the top-left cell for the table's margins; None when a row or a column is empty."""
    row1, row2, col1 = a + b, c + d, a + c
    total = row1 + row2
    if row1 == 0 or row2 == 0 or col1 == 0 or col1 == total:
        return None
    lo, hi = max(0, col1 - row2), min(row1, col1)
    return {x: comb(row1, x) * comb(row2, col1 - x) for x in range(lo, hi + 1)}


def exact_fisher(a, b, c, d):
    terms = hypergeometric_terms(a, b, c, d)
    if terms is None:
        return 1.0
    observed = terms[a]
    return float(Fraction(sum(t for t in terms.values() if t <= observed), sum(terms.values())))


def fisher_cases():
    tables = [
        (0, 0, 0, 0), (0, 0, 3, 4), (1, 0, 0, 0), (0, 5, 0, 7), (3, 0, 4, 0), (1, 0, 0, 1), (0, 1, 1, 0),
        (1, 1, 1, 1), (2, 0, 0, 2), (1, 2, 2, 1), (5, 5, 5, 5), (3, 0, 0, 3), (8, 2, 1, 5), (1, 9, 11, 3),
        (10, 0, 0, 10), (0, 10, 10, 0), (5, 0, 0, 5), (5, 0, 5, 0), (0, 20, 20, 0), (2, 7, 8, 2),
        (5, 15, 20, 0), (20, 0, 5, 15), (7, 3, 3, 7), (4, 6, 6, 4), (12, 8, 8, 12), (100, 100, 100, 100),
        (20, 0, 0, 20), (0, 20, 1, 19), (20, 0, 19, 1), (1, 99, 10, 90), (45, 55, 55, 45),
        (500, 500, 480, 520), (1000, 0, 0, 1000), (1500, 500, 1400, 600), (2000, 1000, 1000, 2000),
        (2500, 2500, 2450, 2550), (3000, 10, 2990, 20), (0, 3000, 3000, 0), (1, 2999, 2999, 1),
        (1234, 766, 1100, 900), (2, 3000, 0, 3000), (17, 4, 3, 25), (0, 100, 5, 95), (60, 40, 30, 70),
    ]
    for _ in range(60):
        scale = rng.choice([5, 20, 100, 1000, 3000])
        tables.append(tuple(rng.randint(0, scale) for _ in range(4)))
    for _ in range(20):
        # Two cells with similar rates: p-values spread over (0, 1].
        n1, n2 = rng.randint(5, 400), rng.randint(5, 400)
        rate = rng.random()
        k1 = sum(rng.random() < rate for _ in range(n1))
        k2 = sum(rng.random() < rate for _ in range(n2))
        tables.append((k1, n1 - k1, k2, n2 - k2))
    out = []
    for a, b, c, d in tables:
        p = float(fisher_exact([[a, b], [c, d]], alternative="two-sided")[1])
        case = {"table": [a, b, c, d], "pValue": p}
        if a + b + c + d <= 12000:
            case["exact"] = exact_fisher(a, b, c, d)
        out.append(case)
    return out


def exact_fisher_one_sided(a, b, c, d, alternative):
    terms = hypergeometric_terms(a, b, c, d)
    if terms is None:
        return 1.0
    tail = sum(t for x, t in terms.items() if (x <= a if alternative == "less" else x >= a))
    return float(Fraction(tail, sum(terms.values())))


def fisher_one_sided_cases():
    # Its own generator, so the cases above stay as they were.
    one_sided_rng = random.Random(20261122)
    tables = [
        (0, 0, 0, 0), (0, 5, 0, 7), (1, 0, 0, 1), (0, 1, 1, 0), (1, 1, 1, 1), (5, 5, 5, 5),
        (0, 10, 10, 0), (10, 0, 0, 10), (8, 2, 1, 5), (1, 9, 11, 3), (2, 7, 8, 2),
        # Gate-shaped tables: [[run ok, run not ok], [baseline ok, baseline not ok]].
        (21, 9, 200, 10), (30, 0, 199, 11), (28, 2, 199, 11), (0, 30, 210, 0), (30, 0, 0, 210),
        (14, 6, 133, 7), (18, 12, 180, 30), (95, 5, 650, 50), (0, 4, 8, 0), (0, 6, 12, 0),
        (3, 3, 40, 2), (1, 2999, 2999, 1), (2500, 500, 17800, 3200), (1500, 1500, 10600, 10400),
    ]
    for _ in range(40):
        scale = one_sided_rng.choice([5, 20, 100, 1000, 3000])
        tables.append(tuple(one_sided_rng.randint(0, scale) for _ in range(4)))
    for _ in range(40):
        # A night against a pooled rolling baseline at a realistic rate, sometimes lower.
        n = one_sided_rng.choice([10, 20, 30, 50, 100])
        nights = one_sided_rng.randint(1, 14)
        rate = one_sided_rng.uniform(0.5, 0.995)
        run_rate = rate - one_sided_rng.choice([0, 0, 0.05, 0.15, 0.3])
        k_run = sum(one_sided_rng.random() < run_rate for _ in range(n))
        k_base = sum(one_sided_rng.random() < rate for _ in range(n * nights))
        tables.append((k_run, n - k_run, k_base, n * nights - k_base))
    out = []
    for a, b, c, d in tables:
        case = {"table": [a, b, c, d]}
        for alternative in ("less", "greater"):
            case[alternative] = float(fisher_exact([[a, b], [c, d]], alternative=alternative)[1])
            if a + b + c + d <= 40000:
                case[alternative + "Exact"] = exact_fisher_one_sided(a, b, c, d, alternative)
        out.append(case)
    return out


def adjust_cases():
    sets = [
        [0.5], [0.0], [1.0], [0.01, 0.04], [0.04, 0.01],
        [0.01, 0.01, 0.01], [0.02, 0.02, 0.03, 0.03, 0.5],
        [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216, 0.222, 0.251, 0.269, 0.275, 0.34, 0.341, 0.384, 0.569, 0.594, 0.696, 0.762, 0.94, 0.942, 0.975, 0.986],
        [0.9, 0.8, 0.7, 0.6], [0.3, 0.3, 0.3, 0.3, 0.3], [0.0, 1.0, 0.0, 1.0], [1e-12, 0.5, 1e-12, 0.999],
        [0.05, 0.0125, 0.025, 0.0125, 0.05],
    ]
    for _ in range(15):
        m = rng.randint(2, 40)
        values = [rng.choice([rng.random(), rng.random() ** 4, round(rng.random(), 2)]) for _ in range(m)]
        sets.append(values)
    out = []
    for values in sets:
        holm = multipletests(values, method="holm")[1]
        bh = multipletests(values, method="fdr_bh")[1]
        out.append({"pValues": values, "holm": [float(x) for x in holm], "bh": [float(x) for x in bh]})
    return out


def percentile_cases():
    arrays = [
        [42.0], [1.0, 2.0], [3.0, 1.0, 2.0], [5.0, 5.0, 5.0, 5.0], [1.0, 1.0, 2.0, 2.0, 2.0, 10.0],
        [-3.5, 0.0, 2.25, 1e6], [0.1 * i for i in range(11)], list(range(100)), list(range(101)),
        [2400.0, 2400.0, 2400.0], [1807.0, 2382.0],
    ]
    for _ in range(12):
        n = rng.choice([rng.randint(1, 10), rng.randint(10, 300), rng.randint(1000, 3000)])
        arrays.append([round(rng.lognormvariate(7.5, 0.4), rng.choice([0, 3])) for _ in range(n)])
    ps = [0, 1, 10, 25, 33.3, 50, 66.7, 90, 95, 99, 99.9, 100]
    out = []
    for values in arrays:
        out.append({"values": values, "p": ps, "percentile": [float(numpy.percentile(values, p)) for p in ps]})
    return out


reference = {
    "generator": "test/results/stats/make-reference.py",
    "packages": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__, "numpy": numpy.__version__},
    "normalQuantile": normal_cases(),
    "wilson": wilson_cases(),
    "fisher": fisher_cases(),
    "fisherOneSided": fisher_one_sided_cases(),
    "adjust": adjust_cases(),
    "percentile": percentile_cases(),
}
# One case per line: readable, and a regenerated file diffs case by case.
lines = ["{"]
items = list(reference.items())
for index, (key, value) in enumerate(items):
    comma = "," if index < len(items) - 1 else ""
    if isinstance(value, list):
        lines.append(f" {json.dumps(key)}: [")
        lines.extend(f"  {json.dumps(case)}{',' if i < len(value) - 1 else ''}" for i, case in enumerate(value))
        lines.append(f" ]{comma}")
    else:
        lines.append(f" {json.dumps(key)}: {json.dumps(value)}{comma}")
lines.append("}")
sys.stdout.write("\n".join(lines) + "\n")
