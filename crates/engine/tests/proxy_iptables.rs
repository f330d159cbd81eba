//! kube-proxy iptables mode against upstream: the rules it writes compared byte for byte
//! with the expected `iptables-restore` input of `pkg/proxy/iptables/proxier_test.go`
//! (v1.33), after the same normalisation (`sortIPTablesRules`), and packets walked through
//! those rules (`runPacketFlowTests` cases, load balancing, affinity, masquerading).
//!
//! Fixtures live in `tests/proxy/iptables/<case>/{input.yaml,expected.txt}`; the README
//! there names the upstream test each one comes from.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddrV4};

use nodelab_engine::api::defaults;
use nodelab_engine::api::discovery::EndpointSlice;
use nodelab_engine::api::service::Service;
use nodelab_engine::api::yaml;
use nodelab_engine::net::packet::Packet;
use nodelab_engine::proxy::iptables::{Iptables, IptablesOptions};
use nodelab_engine::proxy::{
    Dataplane, Hook, HookCtx, Protocol, ProxyConfig, ProxyRuntime, ProxyState, RuleHit, Verdict,
};
use nodelab_engine::rng::SimRng;
use nodelab_engine::{Document, Object, decode_manifests};

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

/// Services and EndpointSlices from manifest text. `decode_manifests` validates as the API
/// server does; kube-proxy does not. Upstream's fixtures use node ports 3001–3003, outside
/// the API server's 30000-32767 range, so for them (and only that error) this decodes the
/// same YAML without validation: parse, strict typed decode, defaulting.
fn objects(file: &str, text: &str) -> (Vec<Service>, Vec<EndpointSlice>) {
    let (mut services, mut slices) = (Vec::new(), Vec::new());
    match decode_manifests(file, text) {
        Ok(manifests) => {
            for m in manifests {
                match m.document {
                    Document::Object(Object::Service(s)) => services.push(s),
                    Document::Object(Object::EndpointSlice(s)) => slices.push(s),
                    _ => {}
                }
            }
        }
        Err(errors) => {
            assert!(
                errors.iter().all(|e| e.path.ends_with(".nodePort")
                    && e.message.contains("not in the valid range")),
                "{errors:?}"
            );
            let docs = yaml::parse_documents(text).unwrap_or_else(|e| panic!("{e:?}"));
            for doc in &docs {
                let (json, _) = yaml::to_json(doc);
                let kind = json
                    .get("kind")
                    .and_then(|k| k.as_str())
                    .unwrap_or_default();
                let mut object = match kind {
                    "Service" => Object::Service(
                        serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{e}")),
                    ),
                    "EndpointSlice" => Object::EndpointSlice(
                        serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{e}")),
                    ),
                    _ => continue,
                };
                defaults::apply(&mut object);
                match object {
                    Object::Service(s) => services.push(s),
                    Object::EndpointSlice(s) => slices.push(s),
                    _ => {}
                }
            }
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
