//! What `--help` adds under each command: the output formats it takes (only its own) and
//! examples, as kubectl's help pages do.

macro_rules! page {
    ($formats:expr, $($example:expr),+ $(,)?) => {
        concat!(
            "Output formats (-o): ", $formats, "\n\nExamples:",
            $("\n  ", $example),+
        )
    };
}

pub const DOCTOR: &str = page!(
    "table (default), json, yaml, md, html",
    "netdoctor doctor -f cluster.yaml",
    "kubectl get all,ing,netpol -A -o yaml | netdoctor doctor -f -",
    "netdoctor doctor -n production svc/payments",
    "netdoctor doctor -n production deploy/web-frontend -o html > report.html",
    "netdoctor -A doctor --fail-on warning",
);

pub const RULES: &str = page!(
    "table (default), json, yaml, md",
    "netdoctor rules",
    "netdoctor rules -o md > docs/rules.md",
);

pub const EXPLAIN: &str = page!(
    "table (default), json, yaml",
    "netdoctor explain SVC001",
    "netdoctor explain service-selects-no-pods",
);

pub const TRACE: &str = page!(
    "table (default), json, yaml, md",
    "netdoctor trace -n production --from deploy/web-frontend --to api-service:8080",
    "netdoctor trace -f cluster.yaml --from production/web-7c9d --to http://api-service:8080/health",
    "netdoctor trace --from 203.0.113.7 --to https://shop.example.com/",
);

pub const ALERTS: &str = page!(
    "yaml (default), json",
    "netdoctor alerts | kubectl apply -f -",
    "netdoctor alerts --plain > netdoctor-rules.yaml && promtool check rules netdoctor-rules.yaml",
);

pub const SNAPSHOT: &str = page!(
    "json (default), yaml",
    "netdoctor snapshot -A > cluster.json",
    "netdoctor doctor -f cluster.json",
);

pub const INGRESS_ROUTE: &str = page!(
    "table (default), json, yaml, md",
    "netdoctor ingress route https://shop.example.com/api/users",
    "netdoctor ingress route http://app.example.com/ -H 'Host: admin.example.com' -f cluster.yaml",
    "netdoctor ingress route https://shop.example.com/ --gateway infra/public",
);

pub const POLICY_CHECK: &str = page!(
    "table (default), json, yaml, md",
    "netdoctor policy check -n production --from deploy/web --to svc/api --port 8080",
    "netdoctor policy check --from production/web-7c9d --to data/db-0 --port 5432 -f cluster.yaml",
);

pub const POLICY_MAP: &str = page!(
    "table (default), json, yaml, md, html, txt, csv, dot",
    "netdoctor policy map -n production",
    "netdoctor policy map -A -o dot | dot -Tsvg > map.svg",
    "netdoctor policy map -f cluster.yaml -o txt",
);

pub const DNS_RESOLVE: &str = page!(
    "table (default), json, yaml, md",
    "netdoctor dns resolve api-service -n production --from deploy/web-frontend",
    "netdoctor dns resolve db.data --from production/web-7c9d --libc musl -f cluster.yaml",
);

pub const DNS_CHECK: &str = page!(
    "table (default), json, yaml, md",
    "netdoctor dns check",
    "netdoctor dns check -f cluster.yaml -o json",
);

pub const PROBE: &str = page!(
    "table (default), json, yaml, md",
    "netdoctor probe dns kubernetes.default.svc.cluster.local --count 20",
    "netdoctor probe tcp api-service.production:8080 --interval 200ms",
    "netdoctor probe http http://api-service.production:8080/health -o json",
);

pub const MONITOR: &str = "Output: logs on stderr, Prometheus metrics on /metrics (-o is not used).

Examples:
  netdoctor monitor --config monitor.yaml
  netdoctor monitor --config monitor.yaml --peers --listen 0.0.0.0:9464
  kubectl apply -k deploy/monitor";

pub const COMPLETION: &str = "Examples:
  source <(netdoctor completion bash)
  netdoctor completion zsh > \"${fpath[1]}/_netdoctor\"
  netdoctor completion fish > ~/.config/fish/completions/netdoctor.fish
  netdoctor completion powershell | Out-String | Invoke-Expression";

pub const MAN: &str = "Examples:
  netdoctor man > netdoctor.1 && man -l netdoctor.1
  netdoctor man --dir /usr/local/share/man/man1   (one page per command)";

pub const ROOT: &str = "Examples:
  netdoctor doctor -f cluster.yaml
  netdoctor -n production doctor svc/payments
  netdoctor trace -n monitoring --from deploy/prometheus --to kube-dns.kube-system:53
  kubectl netdoctor doctor -A          (as a kubectl plugin)

`netdoctor COMMAND --help` lists each command's output formats and examples.";

pub const INGRESS: &str = "Examples:
  netdoctor ingress route https://shop.example.com/api/users
  netdoctor ingress route https://shop.example.com/ --gateway infra/public

`netdoctor ingress route --help` lists its output formats.";

pub const POLICY: &str = "Examples:
  netdoctor policy check -n production --from deploy/web --to svc/api --port 8080
  netdoctor policy map -n production -o txt

`netdoctor policy check --help` and `netdoctor policy map --help` list their output formats.";

pub const DNS: &str = "Examples:
  netdoctor dns resolve api-service -n production --from deploy/web-frontend
  netdoctor dns check

`netdoctor dns resolve --help` and `netdoctor dns check --help` list their output formats.";

pub const PROBE_FAMILY: &str = "Examples:
  netdoctor probe dns kubernetes.default.svc.cluster.local --count 20
  netdoctor probe tcp api-service.production:8080
  netdoctor probe http http://api-service.production:8080/health

Output formats (-o): table (default), json, yaml, md";
