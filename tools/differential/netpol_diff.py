#!/usr/bin/env python3
"""Differential test: `netdoctor policy map -o txt` against network-config-analyzer (nca).

Generates N small random clusters (seeded, deterministic), runs both tools on each,
normalises both outputs into sets of (src, dst, protocol, port range) tuples and reports
every disagreement.  Stdlib only (plus the `nca` command on PATH).

See README.md beside this file for usage and KNOWN_DIFFERENCES.md for the classes of
disagreement that are excluded (and counted) on purpose.
"""

import argparse
import ipaddress
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

PROTOS = ("TCP", "UDP", "SCTP")
MAXPORT = 65535
ALL_IP = (0, 2**32 - 1)

# --------------------------------------------------------------------------- generator

PORT_POOL = [
    (80, "http", "TCP"),
    (8080, "http", "TCP"),  # same name, another number: named ports resolve per pod
    (443, "https", "TCP"),
    (5432, "db", "TCP"),
    (53, "dns", "UDP"),
    (9090, "metrics", "TCP"),
    (7000, "sig", "SCTP"),
    (6379, None, "TCP"),
]
CIDR_POOL = [
    ("0.0.0.0/0", ["10.0.0.0/8"]),
    ("10.0.0.0/8", ["10.1.0.0/16", "10.2.3.0/24"]),
    ("10.0.0.0/8", []),
    ("192.168.1.0/24", []),
    ("172.16.0.0/12", ["172.20.0.0/16"]),
    ("203.0.113.5/32", []),
    ("0.0.0.0/0", []),
]
NS_LABELS = {"team": ["a", "b"], "env": ["prod", "dev"]}
POD_LABELS = {"role": ["fe", "be", "db"], "tier": ["x", "y"]}


def _labels(rng, pool, nmin=1):
    keys = sorted(pool)
    chosen = rng.sample(keys, rng.randint(nmin, len(keys)))
    return {k: rng.choice(pool[k]) for k in sorted(chosen)}


def _selector(rng, pool, namespaces=None):
    """A label selector: empty, matchLabels or matchExpressions."""
    r = rng.random()
    if r < 0.25:
        return {}
    if r < 0.75:
        if namespaces is not None and rng.random() < 0.3:
            return {"matchLabels": {"kubernetes.io/metadata.name": rng.choice(namespaces)}}
        k = rng.choice(sorted(pool))
        return {"matchLabels": {k: rng.choice(pool[k])}}
    k = rng.choice(sorted(pool))
    op = rng.choice(["In", "NotIn", "Exists", "DoesNotExist"])
    expr = {"key": k, "operator": op}
    if op in ("In", "NotIn"):
        expr["values"] = rng.sample(pool[k], rng.randint(1, len(pool[k])))
    return {"matchExpressions": [expr]}


def _peer(rng, namespaces):
    r = rng.random()
    if r < 0.3:
        return {"podSelector": _selector(rng, POD_LABELS)}
    if r < 0.55:
        return {"namespaceSelector": _selector(rng, NS_LABELS, namespaces)}
    if r < 0.8:
        return {"podSelector": _selector(rng, POD_LABELS),
                "namespaceSelector": _selector(rng, NS_LABELS, namespaces)}
    cidr, excepts = rng.choice(CIDR_POOL)
    blk = {"cidr": cidr}
    if excepts:
        blk["except"] = list(excepts)
    return {"ipBlock": blk}


def _port(rng):
    r = rng.random()
    num, name, proto = rng.choice(PORT_POOL)
    if r < 0.35:
        p = {"port": num}
    elif r < 0.6:
        p = {"port": name or "http"}
    elif r < 0.75:
        p = {"port": num, "endPort": num + rng.choice([0, 5, 100, 2000])}
    elif r < 0.85:
        return {"protocol": rng.choice(PROTOS)}
    else:
        p = {"port": rng.choice([num, name or num])}
    if proto != "TCP" or rng.random() < 0.3:
        p["protocol"] = proto if rng.random() < 0.8 else rng.choice(PROTOS)
    if "endPort" in p and not isinstance(p["port"], int):
        del p["endPort"]
    return p


def _rule(rng, namespaces, key):
    if rng.random() < 0.2:
        return {}
    rule = {}
    if rng.random() < 0.8:
        rule[key] = [_peer(rng, namespaces) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.6:
        rule["ports"] = [_port(rng) for _ in range(rng.randint(1, 2))]
    return rule


def generate(seed, n_ns=None, n_deploy=None, n_pol=None):
    """Returns (namespaces, deployments, policies) as plain dicts."""
    rng = random.Random(seed)
    n_ns = n_ns or rng.randint(2, 4)
    namespaces = ["ns%d" % i for i in range(n_ns)]
    objs = []
    for ns in namespaces:
        objs.append({"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": ns, "labels": _labels(rng, NS_LABELS)}})
    n_deploy = n_deploy or rng.randint(2, 6)
    for i in range(n_deploy):
        ns = rng.choice(namespaces)
        labels = {"app": "d%d" % i}
        labels.update(_labels(rng, POD_LABELS))
        ports, seen = [], set()
        for num, name, proto in rng.sample(PORT_POOL, rng.randint(1, 3)):
            if name in seen or (num, proto) in {(p["containerPort"], p["protocol"]) for p in ports}:
                continue
            cp = {"containerPort": num, "protocol": proto}
            if name:
                cp["name"] = name
                seen.add(name)
            ports.append(cp)
        objs.append({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d%d" % i, "namespace": ns},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "d%d" % i}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "nginx",
                                                           "ports": ports}]}}}})
    n_pol = rng.randint(0, 6) if n_pol is None else n_pol
    for i in range(n_pol):
        ns = rng.choice(namespaces)
        spec = {"podSelector": _selector(rng, dict(POD_LABELS, app=["d%d" % j for j in range(n_deploy)]))}
        types = rng.choice([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]])
        has_in = types is None or "Ingress" in types
        has_eg = types is None or "Egress" in types
        if has_in and rng.random() < 0.85:
            spec["ingress"] = [_rule(rng, namespaces, "from") for _ in range(rng.randint(0, 2))]
        if has_eg and rng.random() < (0.4 if types is None else 0.85):
            spec["egress"] = [_rule(rng, namespaces, "to") for _ in range(rng.randint(0, 2))]
        if types is not None:
            spec["policyTypes"] = types
        objs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": "p%d" % i, "namespace": ns}, "spec": spec})
    return objs


def to_yaml(objs):
    """JSON is valid YAML: one document per object, separated by ---."""
    import json
    return "\n---\n".join(json.dumps(o, sort_keys=True) for o in objs) + "\n"


# --------------------------------------------------------------------------- parsing


def ip_range(text):
    """'a-b', 'a/n' or 'a' -> (lo, hi) ints; None for IPv6."""
    text = text.strip()
    if text.endswith("[External]"):
        text = text[: -len("[External]")]
    if ":" in text:
        return None
    if "/" in text:
        net = ipaddress.ip_network(text, strict=False)
        return (int(net.network_address), int(net.broadcast_address))
    if "-" in text:
        a, b = text.split("-", 1)
        return (int(ipaddress.ip_address(a)), int(ipaddress.ip_address(b)))
    v = int(ipaddress.ip_address(text))
    return (v, v)


def _ports(text):
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.append((int(a), int(b)))
        else:
            out.append((int(part), int(part)))
    return out


def merge(intervals):
    res = []
    for a, b in sorted(intervals):
        if res and a <= res[-1][1] + 1:
            res[-1] = (res[-1][0], max(res[-1][1], b))
        else:
            res.append((a, b))
    return res


def subtract(xs, ys):
    """Interval-list difference xs - ys (both merged)."""
    out = []
    for a, b in xs:
        cur = a
        for c, d in ys:
            if d < cur or c > b:
                continue
            if c > cur:
                out.append((cur, c - 1))
            cur = max(cur, d + 1)
            if cur > b:
                break
        if cur <= b:
            out.append((cur, b))
    return out


def all_conns():
    return {p: [(1, MAXPORT)] for p in PROTOS}


def norm_conns(d):
    return {p: merge(v) for p, v in d.items() if merge(v)}


def parse_netdoctor_conn(text):
    text = text.strip()
    if text.lower() == "all connections":
        return all_conns()
    res, proto = {}, None
    for tok in text.split(","):
        tok = tok.strip()
        m = re.match(r"^(TCP|UDP|SCTP)\s+(.*)$", tok)
        if m:
            proto = m.group(1)
            tok = m.group(2)
        if proto is None:
            raise ValueError("bad netdoctor conn %r" % text)
        res.setdefault(proto, []).extend(_ports(tok))
    return norm_conns(res)


_CUBE = re.compile(r"\{([^{}]*)\}")


def _nca_cube(body):
    protos, ports = set(PROTOS), [(1, MAXPORT)]
    m = re.match(r"^(?:protocols:(.*?))?(?:,?dst_ports:([0-9,\- ]+))?$", body)
    if not m:
        raise ValueError("unknown nca cube {%s}" % body)
    if m.group(1) is not None:
        val = m.group(1).strip()
        if val == "*":
            pass
        elif val.startswith("all but "):
            protos = set(PROTOS) - {x.strip() for x in val[8:].split(",")}
        else:
            protos = {x.strip() for x in val.split(",")} & set(PROTOS)
    if m.group(2) is not None:
        ports = _ports(m.group(2))
    return {p: list(ports) for p in protos}


def parse_nca_conn(text):
    text = text.strip()
    if text.lower() == "all connections":
        return all_conns()
    if text.lower() == "no connections":
        return {}
    neg = text.startswith("All but ")
    res = {}
    for body in _CUBE.findall(text):
        for p, v in _nca_cube(body).items():
            res.setdefault(p, []).extend(v)
    res = norm_conns(res)
    if neg:
        res = norm_conns({p: subtract([(1, MAXPORT)], res.get(p, [])) for p in PROTOS})
    return res


def parse_lines(text, conn_parser):
    """-> dict ((kind, value), (kind, value)) -> conns; kind 'W' workload / 'E' ip range."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\S+) => (\S+) : (.+)$", line.strip())
        if not m:
            continue
        peers = []
        for p in (m.group(1), m.group(2)):
            if "[" in p and not p.endswith("[External]"):
                peers.append([("W", p)])
            else:
                rs = [ip_range(x) for x in p.split(",")]
                peers.append([("E", r) for r in rs if r is not None])
        conns = conn_parser(m.group(3))
        for s in peers[0]:
            for d in peers[1]:
                if s == d:
                    continue  # self pairs are not modelled the same way: dropped
                cur = out.setdefault((s, d), {})
                for pr, iv in conns.items():
                    cur[pr] = merge(cur.get(pr, []) + iv)
    return out


def refine(a, b):
    """Split external ranges of both maps on the union of their boundaries, per workload
    and direction, so both maps have the same keys for the same addresses."""
    cuts = {}
    for m in (a, b):
        for (s, d) in m:
            for ext, wl, side in ((s, d, 0), (d, s, 1)):
                if ext[0] == "E":
                    cuts.setdefault((wl, side), set()).update({ext[1][0], ext[1][1] + 1})

    def split(m):
        out = {}
        for (s, d), c in m.items():
            if s[0] == "E" or d[0] == "E":
                ext, wl, side = (s, d, 0) if s[0] == "E" else (d, s, 1)
                lo, hi = ext[1]
                pts = sorted(x for x in cuts[(wl, side)] if lo < x <= hi) + [hi + 1]
                start = lo
                for p in pts:
                    seg = ("E", (start, p - 1))
                    key = (seg, wl) if side == 0 else (wl, seg)
                    out[key] = c
                    start = p
            else:
                out[(s, d)] = c
        return out

    return split(a), split(b)


def fmt_peer(p):
    if p[0] == "W":
        return p[1]
    lo, hi = p[1]
    return "%s-%s" % (ipaddress.ip_address(lo), ipaddress.ip_address(hi))


def diff_maps(nd, nc):
    """-> list of (src, dst, proto, (lo, hi), who_allows)."""
    nd, nc = refine(nd, nc)
    out = []
    for key in sorted(set(nd) | set(nc), key=lambda k: (fmt_peer(k[0]), fmt_peer(k[1]))):
        a, b = nd.get(key, {}), nc.get(key, {})
        for p in PROTOS:
            for lo, hi in subtract(a.get(p, []), b.get(p, [])):
                out.append((key[0], key[1], p, (lo, hi), "netdoctor"))
            for lo, hi in subtract(b.get(p, []), a.get(p, [])):
                out.append((key[0], key[1], p, (lo, hi), "nca"))
    # merge adjacent external segments with the same disagreement, for readable reports
    merged = []
    for t in out:
        if merged:
            s, d, p, r, w = merged[-1]
            if (p, r, w) == t[2:] and (
                (s == t[0] and d[0] == "E" and t[1][0] == "E" and d[1][1] + 1 == t[1][1][0])
                or (d == t[1] and s[0] == "E" and t[0][0] == "E" and s[1][1] + 1 == t[0][1][0])):
                if s == t[0]:
                    merged[-1] = (s, ("E", (d[1][0], t[1][1][1])), p, r, w)
                else:
                    merged[-1] = (("E", (s[1][0], t[0][1][1])), d, p, r, w)
                continue
        merged.append(t)
    return merged


# --------------------------------------------------------------------------- known differences

# Each entry: class name -> predicate(disagreement, cluster objects) -> bool.
# Documented in KNOWN_DIFFERENCES.md. A cluster whose disagreements all fall in known
# classes passes; the known ones are counted per class, never silently dropped.


def selects(selector, labels):
    """Kubernetes label selector semantics (matchLabels AND matchExpressions)."""
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        k, op, vals = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(k) not in vals:
            return False
        if op == "NotIn" and k in labels and labels[k] in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def workload(objs, peer):
    """The Deployment object behind a peer ('W', 'ns/name[Deployment]'), or None."""
    if peer[0] != "W":
        return None
    m = re.match(r"^([^/]+)/([^\[]+)\[Deployment\]$", peer[1])
    if not m:
        return None
    for o in objs:
        if o["kind"] == "Deployment" and (o["metadata"]["namespace"], o["metadata"]["name"]) == m.groups():
            return o
    return None


def _empty_egress_defaulted(t, objs):
    """nca treats `egress: []` without policyTypes as an Egress policy; the API server
    defaults policyTypes to [Ingress] there (Egress only when len(egress) != 0)."""
    src, _, _, _, who = t
    w = workload(objs, src)
    if who != "netdoctor" or w is None:
        return False
    labels = w["spec"]["template"]["metadata"]["labels"]
    return any(o["kind"] == "NetworkPolicy"
               and o["metadata"]["namespace"] == w["metadata"]["namespace"]
               and "policyTypes" not in o["spec"]
               and o["spec"].get("egress") == []
               and selects(o["spec"]["podSelector"], labels)
               for o in objs)


def _ns_labels(objs, ns):
    for o in objs:
        if o["kind"] == "Namespace" and o["metadata"]["name"] == ns:
            return dict(o["metadata"].get("labels") or {}, **{"kubernetes.io/metadata.name": ns})
    return {"kubernetes.io/metadata.name": ns}


def _peer_selects(peer, policy_ns, objs, w):
    """Does this NetworkPolicy peer select the pods of Deployment w?"""
    if "ipBlock" in peer:
        return False
    ns = w["metadata"]["namespace"]
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], _ns_labels(objs, ns)):
            return False
    elif ns != policy_ns:
        return False
    return selects(peer.get("podSelector") or {}, w["spec"]["template"]["metadata"]["labels"])


def _rule_ports_cover(rule, proto, rng, dst):
    """Does the rule's ports list allow every port of rng (proto) on Deployment dst?"""
    if not rule.get("ports"):
        return True
    allowed = []
    for p in rule["ports"]:
        if p.get("protocol", "TCP") != proto:
            continue
        if "port" not in p:
            allowed.append((1, MAXPORT))
        elif isinstance(p["port"], int):
            allowed.append((p["port"], p.get("endPort", p["port"])))
        else:
            for c in dst["spec"]["template"]["spec"]["containers"]:
                for cp in c.get("ports") or []:
                    if cp.get("name") == p["port"] and cp.get("protocol", "TCP") == proto:
                        allowed.append((cp["containerPort"], cp["containerPort"]))
    return not subtract([rng], merge(allowed))


def _exists_with_ns_selector(t, objs):
    """nca does not match a podSelector using Exists/DoesNotExist when the same peer also
    has a namespaceSelector: it denies what such a peer allows (seen in nca 2.1.0)."""
    src, dst, _, _, who = t
    ws, wd = workload(objs, src), workload(objs, dst)
    if who != "netdoctor" or ws is None or wd is None:
        return False
    for o in objs:
        if o["kind"] != "NetworkPolicy":
            continue
        pns, spec = o["metadata"]["namespace"], o["spec"]
        for key, peer_key, sel, other in (("egress", "to", ws, wd), ("ingress", "from", wd, ws)):
            if sel["metadata"]["namespace"] != pns or not selects(
                    spec["podSelector"], sel["spec"]["template"]["metadata"]["labels"]):
                continue
            for rule in spec.get(key) or []:
                for peer in rule.get(peer_key) or []:
                    ops = {e["operator"] for e in
                           (peer.get("podSelector") or {}).get("matchExpressions") or []}
                    if ("namespaceSelector" in peer and ops & {"Exists", "DoesNotExist"}
                            and _peer_selects(peer, pns, objs, other)
                            and _rule_ports_cover(rule, t[2], t[3], wd)):
                        return True
    return False


KNOWN = {
    "nca-empty-egress-list-makes-egress-policy": _empty_egress_defaulted,
    "nca-exists-podselector-with-namespaceselector": _exists_with_ns_selector,
}


def classify(t, objs):
    for name, pred in KNOWN.items():
        if pred(t, objs):
            return name
    return None


# --------------------------------------------------------------------------- runner


def run(cmd, timeout):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p, time.monotonic() - t0


def run_netdoctor(binary, path, timeout=600):
    return run([binary, "policy", "map", "-f", path, "-o", "txt"], timeout)


def run_nca(path, timeout=600):
    return run(["nca", "--connectivity", path, "--resource_list", path,
                "--output_format", "txt_no_fw_rules"], timeout)


def check_cluster(seed, binary, workdir, sizes=(None, None, None)):
    objs = generate(seed, *sizes)
    path = os.path.join(workdir, "cluster-%d.yaml" % seed)
    with open(path, "w") as f:
        f.write(to_yaml(objs))
    nd, _ = run_netdoctor(binary, path)
    if nd.returncode not in (0, 1):
        return objs, None, "netdoctor exit %d: %s" % (nd.returncode, nd.stderr.strip()[:300])
    nc, _ = run_nca(path)
    if not re.search(r"=>", nc.stdout) and "unique endpoints" not in nc.stdout:
        return objs, None, "nca failed (exit %d): %s" % (nc.returncode, (nc.stderr or nc.stdout).strip()[:300])
    try:
        a = parse_lines(nd.stdout, parse_netdoctor_conn)
        b = parse_lines(nc.stdout, parse_nca_conn)
    except ValueError as e:
        return objs, None, "parse error: %s" % e
    return objs, diff_maps(a, b), None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--netdoctor", default="target/debug/netdoctor")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1, help="first seed; clusters use seed..seed+count-1")
    ap.add_argument("--keep", help="directory to keep the generated clusters in")
    ap.add_argument("--emit", type=int, help="print the cluster of this seed as YAML and exit")
    ap.add_argument("--namespaces", type=int, help="fixed number of namespaces (default: random 2-4)")
    ap.add_argument("--deployments", type=int, help="fixed number of Deployments (default: random 2-6)")
    ap.add_argument("--policies", type=int, help="fixed number of NetworkPolicies (default: random 0-6)")
    ap.add_argument("--compare", nargs=3, metavar=("CLUSTER", "NETDOCTOR_TXT", "NCA_TXT"),
                    help="compare two saved outputs for a cluster file written by --emit")
    ap.add_argument("--max-report", type=int, default=20, help="disagreements shown per cluster")
    args = ap.parse_args(argv)

    if args.compare:
        import json
        cluster, nd_txt, nca_txt = args.compare
        with open(cluster) as f:
            objs = [json.loads(x) for x in f if x.startswith("{")]
        with open(nd_txt) as f:
            a = parse_lines(f.read(), parse_netdoctor_conn)
        with open(nca_txt) as f:
            b = parse_lines(f.read(), parse_nca_conn)
        counts, unknown = {}, 0
        for t in diff_maps(a, b):
            cls = classify(t, objs)
            counts[cls or "unexplained"] = counts.get(cls or "unexplained", 0) + 1
            if not cls and unknown < args.max_report:
                unknown += 1
                print("  %s => %s : %s %d-%d  allowed by %s"
                      % (fmt_peer(t[0]), fmt_peer(t[1]), t[2], t[3][0], t[3][1], t[4]))
        for cls in sorted(counts):
            print("%s: %d tuple(s)" % (cls, counts[cls]))
        return 1 if "unexplained" in counts else 0
    if args.emit is not None:
        sys.stdout.write(to_yaml(generate(args.emit, args.namespaces, args.deployments,
                                          args.policies)))
        return 0
    if shutil.which("nca") is None:
        print("nca not found: pip install network-config-analyzer", file=sys.stderr)
        return 2
    if not os.path.exists(args.netdoctor):
        print("netdoctor binary not found: %s" % args.netdoctor, file=sys.stderr)
        return 2
    workdir = args.keep or tempfile.mkdtemp(prefix="netpol-diff-")
    os.makedirs(workdir, exist_ok=True)
    passed = failed = 0
    known_counts = {}
    for seed in range(args.seed, args.seed + args.count):
        objs, diffs, err = check_cluster(seed, args.netdoctor, workdir,
                                          (args.namespaces, args.deployments, args.policies))
        if err:
            failed += 1
            print("seed %d: ERROR %s" % (seed, err))
            continue
        unknown = []
        for t in diffs:
            cls = classify(t, objs)
            if cls:
                known_counts[cls] = known_counts.get(cls, 0) + 1
            else:
                unknown.append(t)
        if unknown:
            failed += 1
            print("seed %d: %d disagreement(s)" % (seed, len(unknown)))
            for s, d, p, (lo, hi), who in unknown[: args.max_report]:
                other = "nca" if who == "netdoctor" else "netdoctor"
                ports = str(lo) if lo == hi else "%d-%d" % (lo, hi)
                print("  %s => %s : %s %s  allowed by %s, denied by %s"
                      % (fmt_peer(s), fmt_peer(d), p, ports, who, other))
        else:
            passed += 1
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    for cls in sorted(known_counts):
        print("known difference %s: %d tuple(s) excluded" % (cls, known_counts[cls]))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
