"""tests/bench/benchlib.py - what the benchmark's reports (tests/bench/report,
tests/bench/report-micropython) share: percentiles, number formats, the
run's meta file and samples, gnuplot."""
import csv
import math
import subprocess
import sys


def pct(sorted_vals, p):
    """nearest-rank percentile of an ascending list"""
    if not sorted_vals:
        return None
    k = max(1, math.ceil(p / 100.0 * len(sorted_vals)))
    return sorted_vals[min(k, len(sorted_vals)) - 1]


def fmt(v, width=0):
    s = "-" if v is None else "%.3f" % v
    return s.rjust(width) if width else s


def rfmt(x):
    """a ratio: 3 significant digits at most, '-' for none"""
    if x is None:
        return "-"
    return "%.0f×" % x if x >= 100 else ("%.1f×" % x if x >= 10 else "%.2f×" % x)


def read_meta(path):
    """a run's meta file: ({key: value}, [the words after each "server"])"""
    meta = {}
    servers = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] == "server":
                servers.append(parts[1:])
            elif len(parts) >= 2:
                meta[parts[0]] = " ".join(parts[1:])
    return meta, servers


def read_rows(path):
    """the client's samples (CSV) as a list of dicts"""
    with open(path) as f:
        return list(csv.DictReader(f))


def read_client_summary(path):
    """the client's "client SCENARIO key value..." line as a dict, or None"""
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if p and p[0] == "client":
                    return dict(zip(p[2::2], p[3::2]))
    except OSError:
        pass
    return None


def write_cdf(path, vals, total):
    """a CDF data file for gnuplot: t_prompt_ms and the fraction of all
    `total` connections (ascending vals; failed ones never reach 1)"""
    with open(path, "w") as f:
        f.write("# t_prompt_ms cumulative_fraction (of %d connections)\n" % total)
        for i, x in enumerate(vals):
            f.write("%.6f %.6f\n" % (max(x, 1e-3), (i + 1) / float(total)))


def gnuplot(script, assignments, outputs):
    """run gnuplot on script once per (terminal, output file) of outputs with
    the -e assignments (a string) plus fmt and outfile; a failure is said on
    stderr, the report goes on"""
    for term, outfile in outputs:
        args = ["gnuplot", "-e", "%s; fmt='%s'; outfile='%s'" % (assignments, term, outfile), script]
        try:
            p = subprocess.run(args, capture_output=True, text=True, timeout=60)
            if p.returncode != 0:
                sys.stderr.write("report: gnuplot (%s) failed:\n%s" % (term, p.stderr))
        except (OSError, subprocess.TimeoutExpired) as ex:
            sys.stderr.write("report: gnuplot (%s): %s\n" % (term, ex))


def waited_parts(waited):
    """the connections (rows) whose response waited, told apart by whether
    the client retransmitted: a list of phrases (t_prompt range, median)"""
    wrt = sorted(float(r["t_prompt_ms"]) for r in waited if int(r["retrans"]) > 0)
    wnt = sorted(float(r["t_prompt_ms"]) for r in waited if int(r["retrans"]) <= 0)
    parts = []
    if wrt:
        parts.append("%d after a client retransmission (t_prompt %.1f..%.1f ms, "
                     "median %.1f)" % (len(wrt), wrt[0], wrt[-1], pct(wrt, 50)))
    if wnt:
        parts.append("%d without one (t_prompt %.1f..%.1f ms, "
                     "median %.1f)" % (len(wnt), wnt[0], wnt[-1], pct(wnt, 50)))
    return parts
