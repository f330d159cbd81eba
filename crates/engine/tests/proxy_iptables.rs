//! kube-proxy iptables mode against upstream: the rules it writes compared byte for byte
//! with the expected `iptables-restore` input of `pkg/proxy/iptables/proxier_test.go`
//! (v1.33), after the same normalisation (`sortIPTablesRules`), and packets walked through
//! those rules (`runPacketFlowTests` cases, load balancing, affinity, masquerading).
//!
//! Fixtures live in `tests/proxy/iptables/<case>/{input.yaml,expected.txt}`; the README
//! there names the upstream test each one comes from.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddrV4};

use nodelab_engine::api::discovery::EndpointSlice;
use nodelab_engine::api::service::Service;
use nodelab_engine::net::packet::Packet;
use nodelab_engine::proxy::iptables::{Iptables, IptablesOptions};
use nodelab_engine::proxy::{
    Dataplane, Hook, HookCtx, ProxyConfig, ProxyRuntime, ProxyState, RuleHit, Verdict,
};
use nodelab_engine::rng::SimRng;
use nodelab_engine::{Document, Object};

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

/// `NewFakeProxier`: node `test-node`, node IP 192.168.0.2, pod CIDR 10.0.0.0/8 as the
/// local-traffic detector; service ClusterIPs in 172.30.0.0/16.
fn fake_config() -> ProxyConfig {
    ProxyConfig {
        node_name: "test-node".to_owned(),
        node_ip: Ipv4Addr::new(192, 168, 0, 2),
        zone: None,
        cluster_cidr: "10.0.0.0/8".parse().ok(),
        service_cidr: "172.30.0.0/16".parse().unwrap_or_default(),
        ..ProxyConfig::default()
    }
}

fn fixture(case: &str, file: &str) -> String {
    let path = format!(
        "{}/../../tests/proxy/iptables/{case}/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Services and EndpointSlices from manifest text, decoded as `nodelab rules` decodes them:
/// positioned YAML, strict typed decoding and defaulting, but no API-server validation —
/// kube-proxy does not validate, and upstream's fixtures use node ports 3001–3003, outside
/// the API server's 30000-32767 range.
fn objects(file: &str, text: &str) -> (Vec<Service>, Vec<EndpointSlice>) {
    let (mut services, mut slices) = (Vec::new(), Vec::new());
    let manifests = nodelab_engine::api::decode::decode_manifests_unvalidated(file, text)
        .unwrap_or_else(|e| panic!("{e:?}"));
    for m in manifests {
        match m.document {
            Document::Object(Object::Service(s)) => services.push(s),
            Document::Object(Object::EndpointSlice(s)) => slices.push(s),
            _ => {}
        }
    }
    (services, slices)
}

fn state_from(text: &str) -> ProxyState {
    let (services, slices) = objects("input.yaml", text);
    ProxyState::from_objects(fake_config(), &services, &slices)
}

fn case_state(case: &str) -> ProxyState {
    state_from(&fixture(case, "input.yaml"))
}

/// The data plane with upstream's test settings (`IptablesOptions::upstream_test`).
fn upstream(state: &ProxyState) -> Iptables {
    Iptables::with_options(state, IptablesOptions::upstream_test())
}

// ---------------------------------------------------------------------------------------
// The normaliser: `sortIPTablesRules` + `iptablestest.ParseIPTablesDump(..).String()`.
// ---------------------------------------------------------------------------------------

struct DumpTable {
    name: String,
    chains: Vec<DumpChain>,
}

struct DumpChain {
    name: String,
    rules: Vec<String>,
}

/// Splits a rule into words, a double-quoted string being one word without its quotes
/// (`wordRegex` in `parse.go`).
fn words(rule: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = rule.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut w = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                w.push(c);
            }
            out.push(w);
        } else {
            let mut w = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                w.push(c);
                chars.next();
            }
            out.push(w);
        }
    }
    out
}

fn comment_of(rule: &str) -> Option<String> {
    let w = words(rule);
    w.iter()
        .position(|x| x == "--comment")
        .and_then(|i| w.get(i + 1).cloned())
}

/// `orderByCommentServiceName`'s key: the comment up to the first space or colon.
fn service_name(rule: &str) -> String {
    let c = comment_of(rule).unwrap_or_default();
    let end = c.find([' ', ':']).unwrap_or(c.len());
    c[..end].to_owned()
}

fn chain_rank(name: &str) -> (u8, String) {
    let rank = match name {
        "KUBE-NODEPORTS" => 0,
        "KUBE-SERVICES" => 1,
        n if n.starts_with("KUBE-") => 2,
        _ => 3,
    };
    (rank, name.to_owned())
}

/// Parses `iptables-restore` text, sorts it as `sortIPTablesRules` does and prints it as
/// `IPTablesDump.String()` does.
fn normalize(data: &str) -> String {
    let mut tables: Vec<DumpTable> = Vec::new();
    for line in data.trim_matches('\n').lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line == "COMMIT" {
            continue;
        }
        if let Some(name) = line.strip_prefix('*') {
            tables.push(DumpTable {
                name: name.to_owned(),
                chains: Vec::new(),
            });
        } else if let Some(decl) = line.strip_prefix(':') {
            let name = decl.split(' ').next().unwrap_or_default().to_owned();
            let t = tables.last_mut().expect("chain outside a table");
            t.chains.push(DumpChain {
                name,
                rules: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("-A ") {
            let chain = rest.split(' ').next().unwrap_or_default();
            let t = tables.last_mut().expect("rule outside a table");
            let c = t
                .chains
                .iter_mut()
                .find(|c| c.name == chain)
                .unwrap_or_else(|| panic!("rule for undeclared chain {chain}"));
            c.rules.push(line.to_owned());
        } else {
            panic!("cannot parse {line:?}");
        }
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    for t in &mut tables {
        t.chains.sort_by_key(|c| chain_rank(&c.name));
        for c in &mut t.chains {
            if c.name == "KUBE-NODEPORTS" || (c.name == "KUBE-SERVICES" && t.name == "filter") {
                c.rules.sort_by_cached_key(|r| service_name(r));
            } else if c.name == "KUBE-SERVICES" {
                c.rules.sort_by_cached_key(|r| {
                    let last = comment_of(r).is_some_and(|c| c.contains("must be the last rule"));
                    (last, service_name(r))
                });
            }
        }
    }
    let mut out = String::new();
    for t in &tables {
        out.push_str(&format!("*{}\n", t.name));
        for c in &t.chains {
            out.push_str(&format!(":{} - [0:0]\n", c.name));
        }
        for c in &t.chains {
            for r in &c.rules {
                out.push_str(r);
                out.push('\n');
            }
        }
        out.push_str("COMMIT\n");
    }
    out
}

/// `assertIPTablesRulesEqual`: the normalised output equals the expected text; and the
/// output is already in normal form.
fn assert_rules(case: &str, ipt: &Iptables) {
    let expected = fixture(case, "expected.txt");
    let rendered = ipt.render();
    let normalized = normalize(&rendered);
    assert_eq!(
        normalized, rendered,
        "{case}: render() is not in normal form"
    );
    if normalized != expected {
        let diff: Vec<String> = expected
            .lines()
            .zip(normalized.lines())
            .filter(|(a, b)| a != b)
            .map(|(a, b)| format!("- {a}\n+ {b}"))
            .collect();
        panic!(
            "{case}: rules differ from upstream\n{}\n--- full output ---\n{normalized}",
            diff.join("\n")
        );
    }
    let rules = normalized.lines().filter(|l| l.starts_with("-A ")).count();
    assert_eq!(ipt.rule_count(), rules, "{case}: rule_count");
}

fn chain_rules(text: &str, table: &str, chain: &str) -> String {
    let mut out = String::new();
    let mut current = String::new();
    let prefix = format!("-A {chain} ");
    for line in text.lines() {
        if let Some(t) = line.strip_prefix('*') {
            current = t.to_owned();
        } else if current == table && (line.starts_with(&prefix) || line == format!("-A {chain}")) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Golden tests
// ---------------------------------------------------------------------------------------

/// `TestOverallIPTablesRules`.
#[test]
fn overall_iptables_rules_match_upstream() {
    assert_rules("overall", &upstream(&case_state("overall")));
}

/// eTP Local with a local endpoint (KUBE-SVL), iTP Local with and without local endpoints,
/// ClientIP affinity over three endpoints (hand-derived from `proxier.go`).
#[test]
fn traffic_policy_local_and_affinity() {
    assert_rules(
        "traffic-policy-local",
        &upstream(&case_state("traffic-policy-local")),
    );
}

/// The first full sync of `TestSyncProxyRulesRepeated`.
#[test]
fn two_cluster_ips_match_upstream() {
    assert_rules("two-cluster-ips", &upstream(&case_state("two-cluster-ips")));
}

#[test]
fn normaliser_sorts_like_upstream() {
    // Upstream's own `TestSortIPTablesRules` shape: chains out of order, rules of
    // KUBE-SERVICES grouped per service, the nodeports rule in the middle.
    let input = "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-B - [0:0]\n:KUBE-NODEPORTS - [0:0]\n\
        -A KUBE-SERVICES -m comment --comment \"ns2/b:p cluster IP\" -j KUBE-SVC-B\n\
        -A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -j KUBE-NODEPORTS\n\
        -A KUBE-SERVICES -m comment --comment \"ns1/a:p cluster IP\" -j KUBE-SVC-B\n\
        -A KUBE-SVC-B -m comment --comment ns2/b:p -j KUBE-NODEPORTS\n\
        COMMIT\n*filter\n:KUBE-FORWARD - [0:0]\nCOMMIT\n";
    let want = "*filter\n:KUBE-FORWARD - [0:0]\nCOMMIT\n*nat\n:KUBE-NODEPORTS - [0:0]\n\
        :KUBE-SERVICES - [0:0]\n:KUBE-SVC-B - [0:0]\n\
        -A KUBE-SERVICES -m comment --comment \"ns1/a:p cluster IP\" -j KUBE-SVC-B\n\
        -A KUBE-SERVICES -m comment --comment \"ns2/b:p cluster IP\" -j KUBE-SVC-B\n\
        -A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -j KUBE-NODEPORTS\n\
        -A KUBE-SVC-B -m comment --comment ns2/b:p -j KUBE-NODEPORTS\n\
        COMMIT\n";
    assert_eq!(normalize(input), want);
    assert_eq!(normalize(want), want);
}

/// A kube-proxy with default flags on a real node writes the mark as Go's `%#08x` prints it
/// and asks for `--random-fully`.
#[test]
fn default_options_are_a_real_node() {
    let ipt = Iptables::new(&case_state("two-cluster-ips"));
    assert_eq!(
        chain_rules(&ipt.render(), "nat", "KUBE-POSTROUTING"),
        "-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN\n\
         -A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000\n\
         -A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n"
    );
    assert_eq!(
        chain_rules(&ipt.render(), "nat", "KUBE-MARK-MASQ"),
        "-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n"
    );
}

/// `TestMasqueradeRule`.
#[test]
fn masquerade_rule_with_and_without_random_fully() {
    let state = case_state("two-cluster-ips");
    for random_fully in [false, true] {
        let ipt = Iptables::with_options(
            &state,
            IptablesOptions {
                random_fully,
                ..IptablesOptions::upstream_test()
            },
        );
        let suffix = if random_fully { " --random-fully" } else { "" };
        assert_eq!(
            chain_rules(&ipt.render(), "nat", "KUBE-POSTROUTING"),
            format!(
                "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n\
                 -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n\
                 -A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE{suffix}\n"
            )
        );
    }
}

/// `TestDropInvalidRule`.
#[test]
fn drop_invalid_rule_follows_nfacct_and_tcp_be_liberal() {
    let state = case_state("two-cluster-ips");
    let tail = "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n\
                -A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n";
    for (nfacct, liberal, drop) in [
        (
            false,
            false,
            "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n",
        ),
        (
            true,
            false,
            "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP\n",
        ),
        (false, true, ""),
    ] {
        let ipt = Iptables::with_options(
            &state,
            IptablesOptions {
                nfacct,
                conntrack_tcp_be_liberal: liberal,
                ..IptablesOptions::upstream_test()
            },
        );
        assert_eq!(
            chain_rules(&ipt.render(), "filter", "KUBE-FORWARD"),
            format!("{drop}{tail}")
        );
    }
}

/// `TestNodePorts` ("ipv4, localhost-nodeports disabled"): no `KUBE-FIREWALL` rule, the
/// nodeports jump skips `127.0.0.0/8`, and localhost gets no NodePort.
#[test]
fn localhost_nodeports_disabled() {
    let ipt = Iptables::with_options(
        &case_state("overall"),
        IptablesOptions {
            localhost_nodeports: false,
            ..IptablesOptions::upstream_test()
        },
    );
    let text = ipt.render();
    assert_eq!(chain_rules(&text, "filter", "KUBE-FIREWALL"), "");
    assert!(!text.contains(":KUBE-FIREWALL "));
    assert!(!text.contains("localhost_nps_accepted_pkts"));
    assert!(text.contains(
        "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS\n"
    ));
    let mut node = Node::new(ipt);
    assert_eq!(node.outcomes("127.0.0.1", "127.0.0.1", 3003).0, set(""));
    assert_eq!(
        node.outcomes("203.0.113.2", "192.168.0.2", 3003).0,
        set("10.180.0.3:80")
    );
}

fn large_cluster_yaml(with_svc3: bool) -> String {
    let mut y = String::new();
    for (ns, ip, port, base) in [("ns1", 41, 80, "10.0"), ("ns2", 42, 8080, "10.1")] {
        let n = ns.trim_start_matches("ns");
        y.push_str(&format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: svc{n}, namespace: {ns}}}\n\
             spec:\n  clusterIP: 172.30.0.{ip}\n  ports:\n  - {{name: p{port}, port: {port}}}\n---\n\
             apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n\
             metadata: {{name: svc{n}-1, namespace: {ns}, labels: {{kubernetes.io/service-name: svc{n}}}}}\n\
             addressType: IPv4\nports:\n- {{name: p{port}, port: {port}, protocol: TCP}}\nendpoints:\n"
        ));
        // `largeClusterEndpointsThreshold/2 - 1` endpoints, addressed as upstream does.
        for i in 0..499 {
            y.push_str(&format!("- addresses: [{base}.{}.{}]\n", i % 256, i / 256));
        }
        y.push_str("---\n");
    }
    y.push_str(
        "apiVersion: v1\nkind: Service\nmetadata: {name: svc3, namespace: ns3}\n\
         spec:\n  clusterIP: 172.30.0.43\n  ports:\n  - {name: p8081, port: 8081}\n",
    );
    if with_svc3 {
        y.push_str(
            "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n\
             metadata: {name: svc3-1, namespace: ns3, labels: {kubernetes.io/service-name: svc3}}\n\
             addressType: IPv4\nports:\n- {name: p8081, port: 8081, protocol: TCP}\nendpoints:\n\
             - addresses: [203.0.113.4]\n- addresses: [203.0.113.8]\n- addresses: [203.0.113.12]\n",
        );
    }
    y
}

/// `TestSyncProxyRulesLargeClusterMode`: past 1000 endpoints the per-endpoint comments go.
#[test]
fn large_cluster_mode_drops_endpoint_comments() {
    let dnat_lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("-A KUBE-SEP-") && l.contains("-j DNAT"))
            .map(str::to_owned)
            .collect()
    };
    let small = upstream(&state_from(&large_cluster_yaml(false))).render();
    let lines = dnat_lines(&small);
    assert_eq!(lines.len(), 998);
    assert!(lines.iter().all(|l| l.contains("--comment")));
    assert!(lines.contains(&"-A KUBE-SEP-DKGQUZGBKLTPAR56 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80".to_owned()));

    let large = upstream(&state_from(&large_cluster_yaml(true))).render();
    let lines = dnat_lines(&large);
    assert_eq!(lines.len(), 1001);
    assert!(lines.iter().all(|l| !l.contains("--comment")));
    assert!(
        lines.contains(
            &"-A KUBE-SEP-DKGQUZGBKLTPAR56 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80"
                .to_owned()
        )
    );
    assert!(
        lines.contains(
            &"-A KUBE-SEP-RUVVH7YV3PHQBDOS -m tcp -p tcp -j DNAT --to-destination 203.0.113.4:8081"
                .to_owned()
        )
    );
    // Service-to-endpoint rules lose their comments too; the ClusterIP rules keep theirs.
    assert!(!large.contains(" -> "));
    assert!(large.contains("-A KUBE-SERVICES -m comment --comment \"ns3/svc3:p8081 cluster IP\""));
}

/// The jumps from the built-in chains, in the order a running node lists them.
#[test]
fn builtin_chain_jumps() {
    let ipt = upstream(&case_state("two-cluster-ips"));
    assert_eq!(
        ipt.render_builtin_jumps(),
        "*filter\n\
         -A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n\
         -A INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS\n\
         -A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n\
         -A INPUT -j KUBE-FIREWALL\n\
         -A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n\
         -A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n\
         -A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n\
         -A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n\
         -A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n\
         -A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n\
         -A OUTPUT -j KUBE-FIREWALL\n\
         COMMIT\n\
         *nat\n\
         -A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n\
         -A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n\
         -A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n\
         COMMIT\n"
    );
}

// ---------------------------------------------------------------------------------------
// Packets through the rules
// ---------------------------------------------------------------------------------------

/// Addresses the test node owns (`testNodeIPs` in `proxier_test.go`, plus loopback).
fn is_local(ip: Ipv4Addr) -> bool {
    ip.is_loopback()
        || [
            Ipv4Addr::new(192, 168, 0, 2),
            Ipv4Addr::new(192, 168, 1, 2),
            Ipv4Addr::new(192, 168, 99, 11),
        ]
        .contains(&ip)
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// What happened to one connection's first packet.
struct Flow {
    verdict: Verdict,
    packet: Packet,
    /// The masquerade mark was set before POSTROUTING.
    masq: bool,
    hits: Vec<RuleHit>,
    evaluated: usize,
}

impl Flow {
    /// `tracePacket`'s output: the DNAT destination, `DROP`, `REJECT`, `ACCEPT` (a filter
    /// rule accepted it), or empty.
    fn output(&self, original: SocketAddrV4) -> String {
        match self.verdict {
            Verdict::Drop => "DROP".to_owned(),
            Verdict::Reject => "REJECT".to_owned(),
            Verdict::Accept if self.packet.dst != original => self.packet.dst.to_string(),
            Verdict::Accept
                if self.hits.last().is_some_and(|h| {
                    h.chain == "KUBE-NODEPORTS" && h.rule.ends_with("-j ACCEPT")
                }) =>
            {
                "ACCEPT".to_owned()
            }
            Verdict::Accept => String::new(),
        }
    }
}

/// One node running the data plane, with its random source, affinity state and clock.
struct Node {
    ipt: Iptables,
    rng: SimRng,
    runtime: ProxyRuntime,
    now_ms: u64,
}

impl Node {
    fn new(ipt: Iptables) -> Node {
        Node {
            ipt,
            rng: SimRng::new(1),
            runtime: ProxyRuntime::default(),
            now_ms: 0,
        }
    }

    fn hook(
        &mut self,
        hook: Hook,
        p: &mut Packet,
        hits: &mut Vec<RuleHit>,
        n: &mut usize,
    ) -> Verdict {
        let mut ctx = HookCtx {
            now_ms: self.now_ms,
            rng: &mut self.rng,
            runtime: &mut self.runtime,
            hits,
            evaluated: n,
        };
        self.ipt.hook(hook, p, &mut ctx)
    }

    /// The first packet of a TCP connection from `src` to `dst:port`, through the hooks it
    /// passes on this node: OUTPUT when a local process sends it, else PREROUTING; then
    /// INPUT or FORWARD by where it is headed; POSTROUTING when it leaves.
    fn connect(&mut self, src: &str, dst: &str, port: u16) -> Flow {
        let mut p = Packet::tcp(
            SocketAddrV4::new(ip(src), 40000),
            SocketAddrV4::new(ip(dst), port),
        );
        p.src_local = is_local(p.src_ip());
        p.dst_local = is_local(p.dst_ip());
        let (mut hits, mut n) = (Vec::new(), 0);
        let mut verdict = if p.src_local {
            self.hook(Hook::Output, &mut p, &mut hits, &mut n)
        } else {
            let v = self.hook(Hook::Prerouting, &mut p, &mut hits, &mut n);
            p.dst_local = is_local(p.dst_ip());
            if v == Verdict::Accept && !p.dst_local {
                self.hook(Hook::Forward, &mut p, &mut hits, &mut n)
            } else {
                v
            }
        };
        p.dst_local = is_local(p.dst_ip());
        let masq = p.mark & 0x4000 != 0;
        if verdict == Verdict::Accept {
            verdict = if p.dst_local {
                self.hook(Hook::Input, &mut p, &mut hits, &mut n)
            } else {
                self.hook(Hook::Postrouting, &mut p, &mut hits, &mut n)
            };
        }
        Flow {
            verdict,
            packet: p,
            masq,
            hits,
            evaluated: n,
        }
    }

    /// Every outcome over 64 connections with fresh state and different random draws (the
    /// upstream tracer follows every probabilistic branch instead), and whether they were
    /// masqueraded (it must be the same for all).
    fn outcomes(&mut self, src: &str, dst: &str, port: u16) -> (BTreeSet<String>, bool) {
        let original = SocketAddrV4::new(ip(dst), port);
        let mut out = BTreeSet::new();
        let mut masq = BTreeSet::new();
        for seed in 0..64 {
            self.rng = SimRng::new(seed);
            self.runtime = ProxyRuntime::default();
            let flow = self.connect(src, dst, port);
            out.insert(flow.output(original));
            masq.insert(flow.masq);
        }
        assert_eq!(masq.len(), 1, "{src} -> {dst}:{port}: masquerading varies");
        (out, masq.contains(&true))
    }
}

fn set(output: &str) -> BTreeSet<String> {
    output.split(", ").map(str::to_owned).collect()
}

/// (name, source, destination, port, upstream output, masqueraded)
type FlowCase = (
    &'static str,
    &'static str,
    &'static str,
    u16,
    &'static str,
    bool,
);

fn run_flows(node: &mut Node, cases: &[FlowCase]) {
    for &(name, src, dst, port, output, masq) in cases {
        let (got, got_masq) = node.outcomes(src, dst, port);
        assert_eq!(got, set(output), "{name}");
        assert_eq!(got_masq, masq, "{name}: masquerade");
    }
}

const POD: &str = "10.0.0.2";
const NODE_IP: &str = "192.168.0.2";
const EXTERNAL: &str = "203.0.113.2";
const EXTERNAL_BLOCKED: &str = "203.0.113.130";

/// `TestTracePacket`'s flows over the `TestOverallIPTablesRules` rules.
#[test]
fn overall_packet_flows() {
    let mut node = Node::new(upstream(&case_state("overall")));
    run_flows(
        &mut node,
        &[
            ("no match", POD, "10.0.0.3", 80, "", false),
            (
                "single endpoint",
                POD,
                "172.30.0.41",
                80,
                "10.180.0.1:80",
                false,
            ),
            (
                "multiple endpoints",
                POD,
                "172.30.0.44",
                80,
                "10.180.0.4:80, 10.180.0.5:80",
                false,
            ),
            (
                "LOCAL, KUBE-MARK-MASQ",
                NODE_IP,
                "192.168.99.22",
                80,
                "10.180.0.2:80",
                true,
            ),
            ("DROP", EXTERNAL, "192.168.99.22", 80, "DROP", false),
            (
                "ACCEPT (NodePortHealthCheck)",
                NODE_IP,
                NODE_IP,
                30000,
                "ACCEPT",
                false,
            ),
            ("REJECT", POD, "172.30.0.46", 80, "REJECT", false),
        ],
    );
}

/// `TestLoadBalancer`: two LB IPs, source ranges that include the node.
#[test]
fn load_balancer_source_ranges() {
    let yaml = "
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: ns1}
spec:
  type: LoadBalancer
  clusterIP: 172.30.0.41
  ports:
  - {name: p80, port: 80, protocol: TCP, nodePort: 3001}
  loadBalancerSourceRanges: [192.168.0.0/24, \" 203.0.113.0/25\"]
status:
  loadBalancer:
    ingress: [{ip: 1.2.3.4}, {ip: 5.6.7.8}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc1-1, namespace: ns1, labels: {kubernetes.io/service-name: svc1}}
addressType: IPv4
endpoints:
- addresses: [10.180.0.1]
ports:
- {name: p80, port: 80, protocol: TCP}
";
    let ipt = upstream(&state_from(yaml));
    let text = ipt.render();
    // The node is inside a source range, so the LB IPs (as sources) are let in too.
    for line in [
        "-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 loadbalancer IP\" -s 192.168.0.0/24 -j KUBE-EXT-XPGD46QRK7WJZT7O",
        "-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 loadbalancer IP\" -s 203.0.113.0/25 -j KUBE-EXT-XPGD46QRK7WJZT7O",
        "-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 loadbalancer IP\" -s 1.2.3.4 -j KUBE-EXT-XPGD46QRK7WJZT7O",
        "-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 loadbalancer IP\" -s 5.6.7.8 -j KUBE-EXT-XPGD46QRK7WJZT7O",
        "-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment \"other traffic to ns1/svc1:p80 will be dropped by KUBE-PROXY-FIREWALL\"",
    ] {
        assert!(text.contains(&format!("{line}\n")), "missing {line}");
    }
    let ep = "10.180.0.1:80";
    run_flows(
        &mut Node::new(ipt),
        &[
            ("pod to cluster IP", POD, "172.30.0.41", 80, ep, false),
            ("external to nodePort", EXTERNAL, NODE_IP, 3001, ep, true),
            (
                "nodePort bypasses LoadBalancerSourceRanges",
                EXTERNAL_BLOCKED,
                NODE_IP,
                3001,
                ep,
                true,
            ),
            (
                "accepted external to LB1",
                EXTERNAL,
                "1.2.3.4",
                80,
                ep,
                true,
            ),
            (
                "accepted external to LB2",
                EXTERNAL,
                "5.6.7.8",
                80,
                ep,
                true,
            ),
            (
                "blocked external to LB1",
                EXTERNAL_BLOCKED,
                "1.2.3.4",
                80,
                "DROP",
                false,
            ),
            (
                "blocked external to LB2",
                EXTERNAL_BLOCKED,
                "5.6.7.8",
                80,
                "DROP",
                false,
            ),
            (
                "pod to LB1 (blocked by LoadBalancerSourceRanges)",
                POD,
                "1.2.3.4",
                80,
                "DROP",
                false,
            ),
            (
                "pod to LB2 (blocked by LoadBalancerSourceRanges)",
                POD,
                "5.6.7.8",
                80,
                "DROP",
                false,
            ),
            (
                "node to LB1 (allowed by LoadBalancerSourceRanges)",
                NODE_IP,
                "1.2.3.4",
                80,
                ep,
                true,
            ),
            (
                "node to LB2 (allowed by LoadBalancerSourceRanges)",
                NODE_IP,
                "5.6.7.8",
                80,
                ep,
                true,
            ),
            (
                "same node to LB1, SNATted to LB1 (implicitly allowed)",
                "1.2.3.4",
                "1.2.3.4",
                80,
                ep,
                true,
            ),
            (
                "same node to LB2, SNATted to LB2 (implicitly allowed)",
                "5.6.7.8",
                "5.6.7.8",
                80,
                ep,
                true,
            ),
        ],
    );
}

const MASQUERADE_CASES: &str = "
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: ns1}
spec:
  type: LoadBalancer
  clusterIP: 172.30.0.41
  ports:
  - {name: p80, port: 80, protocol: TCP, nodePort: 3001}
  healthCheckNodePort: 30001
status:
  loadBalancer:
    ingress: [{ip: 1.2.3.4}]
---
apiVersion: v1
kind: Service
metadata: {name: svc2, namespace: ns2}
spec:
  type: LoadBalancer
  clusterIP: 172.30.0.42
  externalTrafficPolicy: Local
  ports:
  - {name: p80, port: 80, protocol: TCP, nodePort: 3002}
  healthCheckNodePort: 30002
status:
  loadBalancer:
    ingress: [{ip: 5.6.7.8}]
---
apiVersion: v1
kind: Service
metadata: {name: svc3, namespace: ns3}
spec:
  type: LoadBalancer
  clusterIP: 172.30.0.43
  internalTrafficPolicy: Local
  ports:
  - {name: p80, port: 80, protocol: TCP, nodePort: 3003}
  healthCheckNodePort: 30003
status:
  loadBalancer:
    ingress: [{ip: 9.10.11.12}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc1-1, namespace: ns1, labels: {kubernetes.io/service-name: svc1}}
addressType: IPv4
endpoints:
- {addresses: [10.180.0.1], nodeName: test-node}
- {addresses: [10.180.1.1], nodeName: remote}
ports:
- {name: p80, port: 80, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc2-1, namespace: ns2, labels: {kubernetes.io/service-name: svc2}}
addressType: IPv4
endpoints:
- {addresses: [10.180.0.2], nodeName: test-node}
- {addresses: [10.180.1.2], nodeName: remote}
ports:
- {name: p80, port: 80, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc3-1, namespace: ns3, labels: {kubernetes.io/service-name: svc3}}
addressType: IPv4
endpoints:
- {addresses: [10.180.0.3], nodeName: test-node}
- {addresses: [10.180.1.3], nodeName: remote}
ports:
- {name: p80, port: 80, protocol: TCP}
";

/// `TestInternalExternalMasquerade`'s flows ("base": working local detector, no
/// `--masquerade-all`).
fn internal_external_flows() -> Vec<FlowCase> {
    let (s1, s2, s3) = (
        "10.180.0.1:80, 10.180.1.1:80",
        "10.180.0.2:80, 10.180.1.2:80",
        "10.180.0.3:80, 10.180.1.3:80",
    );
    vec![
        ("pod to ClusterIP", POD, "172.30.0.41", 80, s1, false),
        ("pod to NodePort", POD, NODE_IP, 3001, s1, true),
        ("pod to LB", POD, "1.2.3.4", 80, s1, true),
        ("node to ClusterIP", NODE_IP, "172.30.0.41", 80, s1, true),
        ("node to NodePort", NODE_IP, NODE_IP, 3001, s1, true),
        (
            "localhost to NodePort",
            "127.0.0.1",
            "127.0.0.1",
            3001,
            s1,
            true,
        ),
        ("node to LB", NODE_IP, "1.2.3.4", 80, s1, true),
        (
            "external to ClusterIP",
            EXTERNAL,
            "172.30.0.41",
            80,
            s1,
            true,
        ),
        ("external to NodePort", EXTERNAL, NODE_IP, 3001, s1, true),
        ("external to LB", EXTERNAL, "1.2.3.4", 80, s1, true),
        (
            "pod to ClusterIP with eTP:Local",
            POD,
            "172.30.0.42",
            80,
            s2,
            false,
        ),
        (
            "pod to NodePort with eTP:Local",
            POD,
            NODE_IP,
            3002,
            s2,
            false,
        ),
        ("pod to LB with eTP:Local", POD, "5.6.7.8", 80, s2, false),
        (
            "node to ClusterIP with eTP:Local",
            NODE_IP,
            "172.30.0.42",
            80,
            s2,
            true,
        ),
        (
            "node to NodePort with eTP:Local",
            NODE_IP,
            NODE_IP,
            3001,
            s1,
            true,
        ),
        (
            "localhost to NodePort with eTP:Local",
            "127.0.0.1",
            "127.0.0.1",
            3002,
            s2,
            true,
        ),
        (
            "node to LB with eTP:Local",
            NODE_IP,
            "5.6.7.8",
            80,
            s2,
            true,
        ),
        (
            "external to ClusterIP with eTP:Local",
            EXTERNAL,
            "172.30.0.42",
            80,
            s2,
            true,
        ),
        (
            "external to NodePort with eTP:Local",
            EXTERNAL,
            NODE_IP,
            3002,
            "10.180.0.2:80",
            false,
        ),
        (
            "external to LB with eTP:Local",
            EXTERNAL,
            "5.6.7.8",
            80,
            "10.180.0.2:80",
            false,
        ),
        (
            "pod to ClusterIP with iTP:Local",
            POD,
            "172.30.0.43",
            80,
            "10.180.0.3:80",
            false,
        ),
        (
            "pod to NodePort with iTP:Local",
            POD,
            NODE_IP,
            3003,
            s3,
            true,
        ),
        ("pod to LB with iTP:Local", POD, "9.10.11.12", 80, s3, true),
        (
            "node to ClusterIP with iTP:Local",
            NODE_IP,
            "172.30.0.43",
            80,
            "10.180.0.3:80",
            true,
        ),
        (
            "node to NodePort with iTP:Local",
            NODE_IP,
            NODE_IP,
            3003,
            s3,
            true,
        ),
        (
            "localhost to NodePort with iTP:Local",
            "127.0.0.1",
            "127.0.0.1",
            3003,
            s3,
            true,
        ),
        (
            "node to LB with iTP:Local",
            NODE_IP,
            "9.10.11.12",
            80,
            s3,
            true,
        ),
        (
            "external to ClusterIP with iTP:Local",
            EXTERNAL,
            "172.30.0.43",
            80,
            "10.180.0.3:80",
            true,
        ),
        (
            "external to NodePort with iTP:Local",
            EXTERNAL,
            NODE_IP,
            3003,
            s3,
            true,
        ),
        (
            "external to LB with iTP:Local",
            EXTERNAL,
            "9.10.11.12",
            80,
            s3,
            true,
        ),
    ]
}

/// A flow's upstream override: (flow name, output, masqueraded).
type Override = (&'static str, Option<&'static str>, Option<bool>);

/// (variant name, kube-proxy's view, `--masquerade-all`, overrides of the base flows)
type Variant<'a> = (&'static str, &'a ProxyState, bool, &'static [Override]);

/// `TestInternalExternalMasquerade`: the base case and its three variants.
#[test]
fn internal_external_masquerade() {
    let state = state_from(MASQUERADE_CASES);
    let mut no_detector = state.clone();
    no_detector.config.cluster_cidr = None;
    let variants: [Variant<'_>; 4] = [
        ("base", &state, false, &[]),
        (
            "no LocalTrafficDetector",
            &no_detector,
            false,
            &[
                ("node to ClusterIP", None, Some(false)),
                ("node to ClusterIP with eTP:Local", None, Some(false)),
                ("node to ClusterIP with iTP:Local", None, Some(false)),
                ("external to ClusterIP", None, Some(false)),
                ("external to ClusterIP with eTP:Local", None, Some(false)),
                ("external to ClusterIP with iTP:Local", None, Some(false)),
                (
                    "pod to NodePort with eTP:Local",
                    Some("10.180.0.2:80"),
                    None,
                ),
                ("pod to LB with eTP:Local", Some("10.180.0.2:80"), None),
            ],
        ),
        (
            "masqueradeAll",
            &state,
            true,
            &[
                ("pod to ClusterIP", None, Some(true)),
                ("pod to ClusterIP with eTP:Local", None, Some(true)),
                ("pod to ClusterIP with iTP:Local", None, Some(true)),
            ],
        ),
        (
            "masqueradeAll, no LocalTrafficDetector",
            &no_detector,
            true,
            &[
                ("pod to ClusterIP", None, Some(true)),
                ("pod to ClusterIP with eTP:Local", None, Some(true)),
                ("pod to ClusterIP with iTP:Local", None, Some(true)),
                (
                    "pod to NodePort with eTP:Local",
                    Some("10.180.0.2:80"),
                    None,
                ),
                ("pod to LB with eTP:Local", Some("10.180.0.2:80"), None),
            ],
        ),
    ];
    for (variant, state, masquerade_all, overrides) in variants {
        let ipt = Iptables::with_options(
            state,
            IptablesOptions {
                masquerade_all,
                ..IptablesOptions::upstream_test()
            },
        );
        let mut node = Node::new(ipt);
        for (name, src, dst, port, output, masq) in internal_external_flows() {
            let over = overrides.iter().find(|o| o.0 == name);
            let output = over.and_then(|o| o.1).unwrap_or(output);
            let masq = over.and_then(|o| o.2).unwrap_or(masq);
            let (got, got_masq) = node.outcomes(src, dst, port);
            assert_eq!(got, set(output), "{variant}: {name}");
            assert_eq!(got_masq, masq, "{variant}: {name}: masquerade");
        }
    }
}

const THREE_ENDPOINTS: &str = "
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: 172.30.0.10
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc12, namespace: default, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints:
- {addresses: [10.0.1.10], nodeName: test-node}
- {addresses: [10.0.2.10], nodeName: node2}
- {addresses: [10.0.3.10], nodeName: node3}
ports:
- {name: http, port: 8080, protocol: TCP}
";

/// The `1/3, 1/2, rest` cascade spreads new connections evenly over three endpoints.
#[test]
fn cluster_ip_load_balances_evenly() {
    let mut node = Node::new(upstream(&state_from(THREE_ENDPOINTS)));
    node.rng = SimRng::new(20240611);
    let mut counts = std::collections::BTreeMap::<String, u32>::new();
    for i in 0..10_000u32 {
        let src = format!("10.0.{}.{}", 1 + i / 250 % 200, 1 + i % 250);
        let flow = node.connect(&src, "172.30.0.10", 80);
        assert_eq!(flow.verdict, Verdict::Accept);
        *counts.entry(flow.packet.dst.to_string()).or_default() += 1;
    }
    assert_eq!(
        counts.keys().cloned().collect::<Vec<_>>(),
        ["10.0.1.10:8080", "10.0.2.10:8080", "10.0.3.10:8080"]
    );
    for (ep, n) in &counts {
        let share = f64::from(*n) / 10_000.0;
        assert!((share - 1.0 / 3.0).abs() <= 0.03, "{ep}: {share}");
    }
}

/// ClientIP affinity: `recent --rcheck` sends a client back to the endpoint it was set for
/// until `timeoutSeconds` have passed since its last new connection; then the random
/// cascade picks again.
#[test]
fn client_ip_affinity_holds_until_timeout() {
    let mut node = Node::new(upstream(&case_state("traffic-policy-local")));
    let client = "10.0.0.7";
    let first = node.connect(client, "172.30.0.44", 80);
    let chosen = first.packet.dst;
    assert!(first.hits.iter().any(|h| h.rule.contains("--set")));
    assert!(!first.hits.iter().any(|h| h.rule.contains("--rcheck")));
    for s in 1..=120u64 {
        // A new connection every 2.5 s keeps the entry fresh (timeoutSeconds: 300).
        node.now_ms = s * 2500;
        let flow = node.connect(client, "172.30.0.44", 80);
        assert_eq!(flow.packet.dst, chosen, "connection {s}");
        let check = flow
            .hits
            .iter()
            .find(|h| h.rule.contains("--rcheck"))
            .unwrap_or_else(|| panic!("connection {s}: no affinity hit"));
        assert!(
            check.rule.contains(&format!("-> {chosen}\"")),
            "{}",
            check.rule
        );
        assert!(!flow.hits.iter().any(|h| h.rule.contains("--probability")));
    }
    // Still held right at the timeout, not a moment after it.
    node.now_ms = 120 * 2500 + 300_000;
    assert_eq!(node.connect(client, "172.30.0.44", 80).packet.dst, chosen);
    let mut seen = BTreeSet::new();
    for k in 1..=40u64 {
        node.now_ms = 120 * 2500 + 300_000 + k * 300_001;
        let flow = node.connect(client, "172.30.0.44", 80);
        assert!(
            !flow.hits.iter().any(|h| h.rule.contains("--rcheck")),
            "round {k}"
        );
        seen.insert(flow.packet.dst);
    }
    assert_eq!(
        seen.len(),
        3,
        "after each timeout the client may move: {seen:?}"
    );
    // Expired entries were reaped.
    let entries: usize = node.runtime.affinity.values().map(|m| m.len()).sum();
    assert!(entries <= 3);
}

/// A ClusterIP with no endpoints is rejected in the filter table by its "has no endpoints"
/// rule, whether the connection comes from a pod (FORWARD) or the node itself (OUTPUT).
#[test]
fn service_without_endpoints_is_rejected() {
    let mut node = Node::new(upstream(&case_state("overall")));
    let reject = RuleHit {
        table: "filter".to_owned(),
        chain: "KUBE-SERVICES".to_owned(),
        rule: "-A KUBE-SERVICES -m comment --comment \"ns6/svc6:p80 has no endpoints\" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT".to_owned(),
    };
    for src in [POD, NODE_IP] {
        let flow = node.connect(src, "172.30.0.46", 80);
        assert_eq!(flow.verdict, Verdict::Reject, "from {src}");
        assert_eq!(flow.hits.last(), Some(&reject), "from {src}");
        assert_eq!(flow.packet.dst, SocketAddrV4::new(ip("172.30.0.46"), 80));
    }
}

/// externalTrafficPolicy: Local NodePort on a node without local endpoints: nothing in
/// `nat` catches the packet, so it reaches INPUT and `KUBE-EXTERNAL-SERVICES` drops it.
#[test]
fn etp_local_node_port_without_local_endpoints_drops() {
    let mut node = Node::new(upstream(&case_state("overall")));
    let flow = node.connect(EXTERNAL, NODE_IP, 3001);
    assert_eq!(flow.verdict, Verdict::Drop);
    let last = flow.hits.last().expect("a hit");
    assert_eq!(last.table, "filter");
    assert_eq!(
        last.rule,
        "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns2/svc2:p80 has no local endpoints\" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP"
    );
    // The NodePort rule was matched on the way, but its chain had nowhere to send it.
    assert!(flow.hits.iter().any(|h| h.rule
        == "-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT"));
    // A pod on this node still gets through (the short-circuit to KUBE-SVC).
    assert_eq!(
        node.connect(POD, NODE_IP, 3001).packet.dst,
        SocketAddrV4::new(ip("10.180.0.2"), 80)
    );
}

/// Traffic to a ClusterIP from outside the cluster CIDR gets the masquerade mark in
/// `KUBE-SVC-…`, and POSTROUTING clears it and rewrites the source to the node IP.
#[test]
fn off_cluster_source_is_masqueraded() {
    let mut node = Node::new(upstream(&case_state("overall")));
    let flow = node.connect("192.168.0.9", "172.30.0.41", 80);
    assert_eq!(flow.verdict, Verdict::Accept);
    assert!(flow.masq);
    assert_eq!(flow.packet.dst, SocketAddrV4::new(ip("10.180.0.1"), 80));
    assert_eq!(flow.packet.src, SocketAddrV4::new(ip(NODE_IP), 40000));
    assert_eq!(flow.packet.mark, 0);
    let rules: Vec<&str> = flow.hits.iter().map(|h| h.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O",
            "-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ",
            "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
            "-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> 10.180.0.1:80\" -j KUBE-SEP-SXIVWICOYRO3J4NJ",
            "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80",
            // Matches (a NEW connection), finds no rule for this service, returns.
            "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
            "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD",
            "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT",
            "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
            "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
            "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE",
        ]
    );
    let tables: Vec<&str> = flow.hits.iter().map(|h| h.table.as_str()).collect();
    assert_eq!(tables[..6], ["nat"; 6]);
    assert_eq!(tables[6..9], ["filter"; 3]);
    assert_eq!(tables[9..], ["nat"; 3]);
    // Every rule tried counts, matched or not.
    assert!(flow.evaluated > flow.hits.len());

    // A pod inside the cluster CIDR keeps its address.
    let flow = node.connect("10.0.0.5", "172.30.0.41", 80);
    assert!(!flow.masq);
    assert_eq!(flow.packet.src, SocketAddrV4::new(ip("10.0.0.5"), 40000));
    assert!(
        flow.hits
            .iter()
            .any(|h| h.rule == "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN")
    );
}
