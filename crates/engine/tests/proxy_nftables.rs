//! kube-proxy's nftables mode against upstream (`pkg/proxy/nftables/proxier_test.go`,
//! v1.33): the rules it writes (`tests/proxy/nftables/<case>/`) and where packets go.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddrV4};

use nodelab_engine::api::discovery::EndpointSlice;
use nodelab_engine::api::service::Service;
use nodelab_engine::net::packet::Packet;
use nodelab_engine::proxy::nftables::Nftables;
use nodelab_engine::proxy::{
    Dataplane, Hook, HookCtx, Mode, Protocol, ProxyConfig, ProxyRuntime, ProxyState, RuleHit,
    Verdict,
};
use nodelab_engine::rng::SimRng;
use nodelab_engine::{Document, Object};

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/// Upstream's `NewFakeProxier` (IPv4): node `test-node` at 192.168.0.2, pod CIDR
/// 10.0.0.0/8, service CIDR 172.30.0.0/16.
fn fake_proxier_config() -> ProxyConfig {
    config_line(
        "nodeName=test-node nodeIP=192.168.0.2 clusterCIDR=10.0.0.0/8 serviceCIDR=172.30.0.0/16",
    )
}

/// Parses `key=value` pairs of a fixture's `# proxy:` line.
fn config_line(line: &str) -> ProxyConfig {
    let mut cfg = ProxyConfig {
        mode: Mode::Nftables,
        ..ProxyConfig::default()
    };
    for pair in line.split_whitespace() {
        let (k, v) = pair
            .split_once('=')
            .unwrap_or_else(|| panic!("bad proxy setting {pair:?}"));
        let bad = |e: &dyn std::fmt::Display| -> ! { panic!("{k}={v}: {e}") };
        match k {
            "nodeName" => cfg.node_name = v.to_owned(),
            "nodeIP" => cfg.node_ip = v.parse().unwrap_or_else(|e| bad(&e)),
            "clusterCIDR" => cfg.cluster_cidr = Some(v.parse().unwrap_or_else(|e| bad(&e))),
            "serviceCIDR" => cfg.service_cidr = v.parse().unwrap_or_else(|e| bad(&e)),
            _ => panic!("unknown proxy setting {k}"),
        }
    }
    cfg
}

/// Decodes Services and EndpointSlices as `nodelab rules` does: without API-server
/// validation (kube-proxy does not validate; upstream's fixtures use node ports such as 3001,
/// outside the API server's range).
fn decode(path: &str, text: &str) -> (Vec<Service>, Vec<EndpointSlice>) {
    let manifests = nodelab_engine::api::decode::decode_manifests_unvalidated(path, text)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"));
    let (mut services, mut slices) = (Vec::new(), Vec::new());
    for m in manifests {
        match m.document {
            Document::Object(Object::Service(s)) => services.push(s),
            Document::Object(Object::EndpointSlice(s)) => slices.push(s),
            _ => {}
        }
    }
    (services, slices)
}

fn state_from(path: &str, text: &str, config: ProxyConfig) -> ProxyState {
    let (services, slices) = decode(path, text);
    ProxyState::from_objects(config, &services, &slices)
}

/// A fixture: its kube-proxy view and its folder.
fn fixture(case: &str) -> (ProxyState, String) {
    let dir = format!(
        "{}/../../tests/proxy/nftables/{case}",
        env!("CARGO_MANIFEST_DIR")
    );
    let path = format!("{dir}/input.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("# proxy:"))
        .unwrap_or_else(|| panic!("{path}: no `# proxy:` line"));
    (state_from(&path, &text, config_line(line)), dir)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A golden file without its leading `#` lines (the source note).
fn golden(path: &str) -> String {
    let text = read(path);
    let body = text.lines().skip_while(|l| l.starts_with('#')).count();
    let skip = text.lines().count() - body;
    text.split_inclusive('\n').skip(skip).collect()
}

/// The `add …` lines of a transaction (comments, blank lines and flushes left out).
fn add_lines(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("add "))
        .map(str::to_owned)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Golden transactions
// ---------------------------------------------------------------------------------------

/// `TestOverallNFTablesRules`: our transaction's `add` lines are upstream's, no more, no
/// fewer (upstream compares its fake's dump as a set of lines too).
#[test]
fn overall_rules_match_upstream() {
    let (state, dir) = fixture("overall");
    let ours = add_lines(&Nftables::with_mark_text(&state, "0x4000").render());
    let expected = add_lines(&read(&format!("{dir}/expected.nft")));
    let missing: Vec<_> = expected.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing:\n{missing:#?}\nextra:\n{extra:#?}"
    );
    assert_eq!(ours.len(), 122);
}

/// Small cases the overall test does not cover, compared byte for byte with the whole
/// transaction (flushes and order included) and, where present, the `nft list` view.
#[test]
fn small_cases_render_as_expected() {
    for case in ["etp-local", "itp-local", "lb-source-ranges-affinity"] {
        let (state, dir) = fixture(case);
        let nft = Nftables::new(&state);
        assert_eq!(
            nft.render(),
            golden(&format!("{dir}/expected.nft")),
            "{case}"
        );
        let list = format!("{dir}/expected.list");
        if std::path::Path::new(&list).exists() {
            assert_eq!(nft.list_table(), golden(&list), "{case}");
        }
    }
}

#[test]
fn full_sync_flushes_what_it_rebuilds() {
    let (state, _) = fixture("overall");
    let text = Nftables::new(&state).render();
    let first: Vec<&str> = text.lines().take(3).collect();
    assert_eq!(
        first,
        [
            "add table ip kube-proxy { comment \"rules for kube-proxy\" ; }",
            "add chain ip kube-proxy filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }",
            "flush chain ip kube-proxy filter-prerouting-pre-dnat",
        ]
    );
    for flush in [
        "flush set ip kube-proxy cluster-ips",
        "flush set ip kube-proxy nodeport-ips",
        "flush map ip kube-proxy service-ips",
        "flush map ip kube-proxy service-nodeports",
        "flush map ip kube-proxy no-endpoint-services",
        "flush map ip kube-proxy no-endpoint-nodeports",
        "flush map ip kube-proxy firewall-ips",
        "flush chain ip kube-proxy reject-chain",
        "flush chain ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80",
        "flush chain ip kube-proxy endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80",
    ] {
        assert_eq!(text.lines().filter(|l| *l == flush).count(), 1, "{flush}");
    }
    // The production spelling of the mark: Go's "%#08x" of 1<<14.
    assert!(
        text.contains("add rule ip kube-proxy mark-for-masquerade mark set mark or 0x00004000\n")
    );
}

#[test]
fn base_chains_run_in_priority_order() {
    let (state, _) = fixture("overall");
    let nft = Nftables::new(&state);
    assert_eq!(
        nft.base_chains(Hook::Prerouting),
        ["filter-prerouting-pre-dnat", "nat-prerouting"]
    );
    assert_eq!(
        nft.base_chains(Hook::Output),
        ["filter-output-pre-dnat", "nat-output", "filter-output"]
    );
    assert_eq!(nft.base_chains(Hook::Input), ["filter-input"]);
    assert_eq!(nft.base_chains(Hook::Forward), ["filter-forward"]);
    assert_eq!(nft.base_chains(Hook::Postrouting), ["nat-postrouting"]);
    // 23 fixed rules and 34 for the six services; 24 set and map elements.
    assert_eq!(nft.rule_count(), 23 + 34 + 24);
}

// ---------------------------------------------------------------------------------------
// Packets
// ---------------------------------------------------------------------------------------

/// Upstream's test network: node IPs (`testNodeIPs`, IPv4), a pod and external clients.
const NODE_IPS: [Ipv4Addr; 3] = [
    Ipv4Addr::new(192, 168, 0, 2),
    Ipv4Addr::new(192, 168, 1, 2),
    Ipv4Addr::new(192, 168, 99, 11),
];
const POD: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const EXTERNAL: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 2);
const EXTERNAL_BLOCKED: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 130);

/// What happened to one packet.
#[derive(Debug)]
struct Outcome {
    verdict: Verdict,
    /// Source after the hooks (masquerade applied).
    src: SocketAddrV4,
    /// Destination after the hooks (DNAT applied).
    dst: SocketAddrV4,
    /// The masquerade rule ran (source rewritten to the node IP).
    masqueraded: bool,
    hits: Vec<RuleHit>,
    evaluated: usize,
}

struct Node {
    nft: Nftables,
    rng: SimRng,
    runtime: ProxyRuntime,
    now_ms: u64,
}

impl Node {
    fn new(state: &ProxyState) -> Node {
        Node {
            nft: Nftables::new(state),
            rng: SimRng::new(7),
            runtime: ProxyRuntime::default(),
            now_ms: 0,
        }
    }

    /// Walks a new connection the way upstream's packet tracer does: a packet from a node
    /// address goes output → postrouting (→ input when it stays local); any other goes
    /// prerouting → input (local destination after DNAT) or forward → postrouting.
    fn send(&mut self, proto: Protocol, src: Ipv4Addr, dst: Ipv4Addr, port: u16) -> Outcome {
        let local = |ip: Ipv4Addr| NODE_IPS.contains(&ip);
        let mut p = Packet {
            protocol: proto,
            src: SocketAddrV4::new(src, 40000),
            dst: SocketAddrV4::new(dst, port),
            mark: 0,
            dst_local: local(dst),
            src_local: local(src),
        };
        let mut hits = Vec::new();
        let mut evaluated = 0;
        let hooks: &[Hook] = if p.src_local {
            &[Hook::Output, Hook::Postrouting, Hook::Input]
        } else {
            &[
                Hook::Prerouting,
                Hook::Input,
                Hook::Forward,
                Hook::Postrouting,
            ]
        };
        let mut verdict = Verdict::Accept;
        let mut delivered_locally = false;
        for &hook in hooks {
            p.dst_local = local(p.dst_ip());
            match hook {
                Hook::Input if !p.dst_local => continue,
                Hook::Forward | Hook::Postrouting if delivered_locally => continue,
                Hook::Forward if p.dst_local => continue,
                _ => {}
            }
            if hook == Hook::Input && !p.src_local {
                delivered_locally = true;
            }
            let mut ctx = HookCtx {
                now_ms: self.now_ms,
                rng: &mut self.rng,
                runtime: &mut self.runtime,
                hits: &mut hits,
                evaluated: &mut evaluated,
            };
            verdict = self.nft.hook(hook, &mut p, &mut ctx);
            if verdict != Verdict::Accept {
                break;
            }
        }
        Outcome {
            verdict,
            src: p.src,
            dst: p.dst,
            masqueraded: hits
                .iter()
                .any(|h| h.chain == "masquerading" && h.rule == "masquerade fully-random"),
            hits,
            evaluated,
        }
    }

    /// Every destination (or verdict) seen over many connections, and whether they were
    /// masqueraded: upstream's `packetFlowTest` `output` and `masq`.
    fn flow(&mut self, src: Ipv4Addr, dst: Ipv4Addr, port: u16) -> (String, bool) {
        let mut seen = BTreeSet::new();
        let mut masq = BTreeSet::new();
        for _ in 0..64 {
            let o = self.send(Protocol::Tcp, src, dst, port);
            match o.verdict {
                Verdict::Accept if o.dst == SocketAddrV4::new(dst, port) => {
                    seen.insert(String::new());
                }
                Verdict::Accept => {
                    seen.insert(o.dst.to_string());
                }
                Verdict::Drop => {
                    seen.insert("DROP".to_owned());
                }
                Verdict::Reject => {
                    seen.insert("REJECT".to_owned());
                }
            }
            masq.insert(o.masqueraded);
        }
        assert_eq!(masq.len(), 1, "{src} → {dst}:{port}: sometimes masqueraded");
        let seen: Vec<String> = seen.into_iter().collect();
        (seen.join(", "), masq.contains(&true))
    }
}

/// Runs upstream `packetFlowTest` rows: (name, source, destination, port, output, masq).
fn run_flows(node: &mut Node, rows: &[(&str, Ipv4Addr, Ipv4Addr, u16, &str, bool)]) {
    for &(name, src, dst, port, output, masq) in rows {
        let (got, got_masq) = node.flow(src, dst, port);
        assert_eq!(got, output, "{name}");
        if !matches!(output, "DROP" | "REJECT" | "") {
            assert_eq!(got_masq, masq, "{name}: masquerade");
        }
    }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn node_from_yaml(text: &str) -> Node {
    Node::new(&state_from("<test>", text, fake_proxier_config()))
}

const LB_SVC1: &str = "
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: ns1}
spec:
  type: LoadBalancer
  clusterIP: 172.30.0.41
  ports: [{name: p80, port: 80, protocol: TCP, nodePort: 3001}]
  loadBalancerSourceRanges: [192.168.0.0/24, \" 203.0.113.0/25\"]
status:
  loadBalancer:
    ingress: [{ip: 1.2.3.4}, {ip: 5.6.7.8}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc1-1
  namespace: ns1
  labels: {kubernetes.io/service-name: svc1}
addressType: IPv4
endpoints: [{addresses: [10.180.0.1]}]
ports: [{name: p80, port: 80, protocol: TCP}]
";

/// Upstream `TestLoadBalancer`.
#[test]
fn load_balancer_source_ranges_like_upstream() {
    let mut node = node_from_yaml(LB_SVC1);
    let ep = "10.180.0.1:80";
    let (cip, lb1, lb2, node_ip) = (ip("172.30.0.41"), ip("1.2.3.4"), ip("5.6.7.8"), NODE_IPS[0]);
    run_flows(
        &mut node,
        &[
            ("pod to cluster IP", POD, cip, 80, ep, false),
            ("external to nodePort", EXTERNAL, node_ip, 3001, ep, true),
            (
                "nodePort bypasses LoadBalancerSourceRanges",
                EXTERNAL_BLOCKED,
                node_ip,
                3001,
                ep,
                true,
            ),
            ("accepted external to LB1", EXTERNAL, lb1, 80, ep, true),
            ("accepted external to LB2", EXTERNAL, lb2, 80, ep, true),
            (
                "blocked external to LB1",
                EXTERNAL_BLOCKED,
                lb1,
                80,
                "DROP",
                false,
            ),
            (
                "blocked external to LB2",
                EXTERNAL_BLOCKED,
                lb2,
                80,
                "DROP",
                false,
            ),
            (
                "pod to LB1 (blocked by LoadBalancerSourceRanges)",
                POD,
                lb1,
                80,
                "DROP",
                false,
            ),
            (
                "pod to LB2 (blocked by LoadBalancerSourceRanges)",
                POD,
                lb2,
                80,
                "DROP",
                false,
            ),
            (
                "node to LB1 (allowed by LoadBalancerSourceRanges)",
                node_ip,
                lb1,
                80,
                ep,
                true,
            ),
            (
                "node to LB2 (allowed by LoadBalancerSourceRanges)",
                node_ip,
                lb2,
                80,
                ep,
                true,
            ),
            (
                "same node to LB1, SNATted to LB1 (implicitly allowed)",
                lb1,
                lb1,
                80,
                ep,
                true,
            ),
            (
                "same node to LB2, SNATted to LB2 (implicitly allowed)",
                lb2,
                lb2,
                80,
                ep,
                true,
            ),
        ],
    );
}

const ETP_SVC: &str = "
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: ns1}
spec:
  type: LoadBalancer
  externalTrafficPolicy: POLICY
  clusterIP: 172.30.0.41
  externalIPs: [192.168.99.11]
  ports: [{name: p80, port: 80, protocol: TCP, nodePort: 3001, targetPort: 80}]
  healthCheckNodePort: 30000
status:
  loadBalancer:
    ingress: [{ip: 1.2.3.4}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc1-1
  namespace: ns1
  labels: {kubernetes.io/service-name: svc1}
addressType: IPv4
endpoints:
  - addresses: [10.180.0.1]
  - addresses: [10.180.2.1]
    nodeName: test-node
ports: [{name: p80, port: 80, protocol: TCP}]
";

/// Upstream `TestExternalTrafficPolicyLocal`.
#[test]
fn external_traffic_policy_local_like_upstream() {
    let mut node = node_from_yaml(&ETP_SVC.replace("POLICY", "Local"));
    let both = "10.180.0.1:80, 10.180.2.1:80";
    let local = "10.180.2.1:80";
    let (cip, eip, lb, node_ip) = (
        ip("172.30.0.41"),
        ip("192.168.99.11"),
        ip("1.2.3.4"),
        NODE_IPS[0],
    );
    run_flows(
        &mut node,
        &[
            (
                "pod to cluster IP hits both endpoints, unmasqueraded",
                POD,
                cip,
                80,
                both,
                false,
            ),
            (
                "pod to external IP hits both endpoints, unmasqueraded",
                POD,
                eip,
                80,
                both,
                false,
            ),
            (
                "external to external IP hits only local endpoint, unmasqueraded",
                EXTERNAL,
                eip,
                80,
                local,
                false,
            ),
            (
                "pod to LB IP hits only both endpoints, unmasqueraded",
                POD,
                lb,
                80,
                both,
                false,
            ),
            (
                "external to LB IP hits only local endpoint, unmasqueraded",
                EXTERNAL,
                lb,
                80,
                local,
                false,
            ),
            (
                "pod to NodePort hits both endpoints, unmasqueraded",
                POD,
                node_ip,
                3001,
                both,
                false,
            ),
            (
                "external to NodePort hits only local endpoint, unmasqueraded",
                EXTERNAL,
                node_ip,
                3001,
                local,
                false,
            ),
        ],
    );
}

/// Upstream `TestExternalTrafficPolicyCluster`.
#[test]
fn external_traffic_policy_cluster_like_upstream() {
    let mut node = node_from_yaml(&ETP_SVC.replace("POLICY", "Cluster"));
    let both = "10.180.0.1:80, 10.180.2.1:80";
    let (cip, eip, lb, node_ip) = (
        ip("172.30.0.41"),
        ip("192.168.99.11"),
        ip("1.2.3.4"),
        NODE_IPS[0],
    );
    run_flows(
        &mut node,
        &[
            (
                "pod to cluster IP hits both endpoints, unmasqueraded",
                POD,
                cip,
                80,
                both,
                false,
            ),
            (
                "pod to external IP hits both endpoints, masqueraded",
                POD,
                eip,
                80,
                both,
                true,
            ),
            (
                "external to external IP hits both endpoints, masqueraded",
                EXTERNAL,
                eip,
                80,
                both,
                true,
            ),
            (
                "pod to LB IP hits both endpoints, masqueraded",
                POD,
                lb,
                80,
                both,
                true,
            ),
            (
                "external to LB IP hits both endpoints, masqueraded",
                EXTERNAL,
                lb,
                80,
                both,
                true,
            ),
            (
                "pod to NodePort hits both endpoints, masqueraded",
                POD,
                node_ip,
                3001,
                both,
                true,
            ),
            (
                "external to NodePort hits both endpoints, masqueraded",
                EXTERNAL,
                node_ip,
                3001,
                both,
                true,
            ),
        ],
    );
}

/// Upstream `TestNoEndpointsReject`.
#[test]
fn no_endpoints_reject_like_upstream() {
    let mut node = node_from_yaml(
        "
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: ns1}
spec:
  type: LoadBalancer
  clusterIP: 172.30.0.41
  externalIPs: [192.168.99.11]
  ports: [{name: p80, port: 80, protocol: TCP, nodePort: 3001}]
status:
  loadBalancer:
    ingress: [{ip: 1.2.3.4}]
",
    );
    let (cip, eip, lb, node_ip) = (
        ip("172.30.0.41"),
        ip("192.168.99.11"),
        ip("1.2.3.4"),
        NODE_IPS[0],
    );
    run_flows(
        &mut node,
        &[
            (
                "pod to cluster IP with no endpoints",
                POD,
                cip,
                80,
                "REJECT",
                false,
            ),
            (
                "external to external IP with no endpoints",
                EXTERNAL,
                eip,
                80,
                "REJECT",
                false,
            ),
            (
                "pod to NodePort with no endpoints",
                POD,
                node_ip,
                3001,
                "REJECT",
                false,
            ),
            (
                "external to NodePort with no endpoints",
                EXTERNAL,
                node_ip,
                3001,
                "REJECT",
                false,
            ),
            (
                "pod to LoadBalancer IP with no endpoints",
                POD,
                lb,
                80,
                "REJECT",
                false,
            ),
            (
                "external to LoadBalancer IP with no endpoints",
                EXTERNAL,
                lb,
                80,
                "REJECT",
                false,
            ),
        ],
    );
    // The packet was rejected by the no-endpoints map through reject-chain.
    let o = node.send(Protocol::Tcp, POD, cip, 80);
    assert_eq!(o.verdict, Verdict::Reject);
    let hits: Vec<(&str, &str)> = o
        .hits
        .iter()
        .map(|h| (h.chain.as_str(), h.rule.as_str()))
        .collect();
    assert_eq!(
        hits,
        [
            (
                "filter-prerouting-pre-dnat",
                "ct state new jump firewall-check"
            ),
            ("nat-prerouting", "jump services"),
            (
                "filter-forward",
                "ct state new jump service-endpoints-check"
            ),
            (
                "service-endpoints-check",
                "ip daddr . meta l4proto . th dport vmap @no-endpoint-services"
            ),
            (
                "no-endpoint-services",
                "172.30.0.41 . tcp . 80 comment \"ns1/svc1:p80\" : goto reject-chain"
            ),
            ("reject-chain", "reject"),
        ]
    );
    assert!(o.hits.iter().all(|h| h.table == "ip kube-proxy"));
}

/// Upstream `TestClusterIPGeneral`.
#[test]
fn cluster_ip_general_like_upstream() {
    let mut node = node_from_yaml(
        "
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: ns1}
spec:
  clusterIP: 172.30.0.41
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: svc2, namespace: ns2}
spec:
  clusterIP: 172.30.0.42
  ports:
    - {name: http, port: 80, protocol: TCP}
    - {name: https, port: 443, protocol: TCP, targetPort: 8443}
    - {name: dns-udp, port: 53, protocol: UDP}
    - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 5353}
    - {name: dns-sctp, port: 53, protocol: SCTP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc1-1
  namespace: ns1
  labels: {kubernetes.io/service-name: svc1}
addressType: IPv4
endpoints: [{addresses: [10.180.0.1], nodeName: test-node}]
ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc2-1
  namespace: ns2
  labels: {kubernetes.io/service-name: svc2}
addressType: IPv4
endpoints:
  - {addresses: [10.180.0.1], nodeName: test-node}
  - {addresses: [10.180.2.1], nodeName: node2}
ports:
  - {name: http, port: 80, protocol: TCP}
  - {name: https, port: 8443, protocol: TCP}
  - {name: dns-udp, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 5353, protocol: TCP}
  - {name: dns-sctp, port: 53, protocol: SCTP}
",
    );
    let src = ip("10.180.0.2");
    let (svc1, svc2) = (ip("172.30.0.41"), ip("172.30.0.42"));
    run_flows(
        &mut node,
        &[
            ("simple clusterIP", src, svc1, 80, "10.180.0.1:80", false),
            (
                "hairpin to cluster IP",
                ip("10.180.0.1"),
                svc1,
                80,
                "10.180.0.1:80",
                true,
            ),
            (
                "clusterIP with multiple endpoints",
                src,
                svc2,
                80,
                "10.180.0.1:80, 10.180.2.1:80",
                false,
            ),
            (
                "clusterIP with TargetPort",
                src,
                svc2,
                443,
                "10.180.0.1:8443, 10.180.2.1:8443",
                false,
            ),
            (
                "clusterIP with TCP, UDP, and SCTP on same port (TCP)",
                src,
                svc2,
                53,
                "10.180.0.1:5353, 10.180.2.1:5353",
                false,
            ),
            (
                "svc1 does not accept svc2's ports",
                src,
                svc1,
                443,
                "REJECT",
                false,
            ),
            (
                "packet to unallocated cluster ip",
                src,
                ip("172.30.0.50"),
                80,
                "DROP",
                false,
            ),
        ],
    );
    for (proto, dst) in [
        (Protocol::Udp, "10.180.0.1:53"),
        (Protocol::Sctp, "10.180.0.1:53"),
    ] {
        let o = node.send(proto, src, svc2, 53);
        assert_eq!(o.verdict, Verdict::Accept);
        assert_eq!(o.dst.port(), 53, "{proto:?}");
        assert!(o.dst.to_string() == dst || o.dst.to_string() == "10.180.2.1:53");
    }
    // "TCP-only port does not match UDP traffic".
    assert_eq!(
        node.send(Protocol::Udp, src, svc2, 80).verdict,
        Verdict::Reject
    );
}

/// Upstream `TestNodePorts` (IPv4, default --nodeport-addresses): only the primary node IP
/// takes node ports; a node IP accepts its own node port traffic, masqueraded.
#[test]
fn node_ports_only_on_the_primary_ip_like_upstream() {
    let mut node = node_from_yaml(
        "
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: ns1}
spec:
  type: NodePort
  clusterIP: 172.30.0.41
  ports: [{name: p80, port: 80, protocol: TCP, nodePort: 3001}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc1-1
  namespace: ns1
  labels: {kubernetes.io/service-name: svc1}
addressType: IPv4
endpoints:
  - addresses: [10.180.0.1]
  - {addresses: [10.180.2.1], nodeName: test-node}
ports: [{name: p80, port: 80, protocol: TCP}]
",
    );
    let both = "10.180.0.1:80, 10.180.2.1:80";
    run_flows(
        &mut node,
        &[
            ("pod to cluster IP", POD, ip("172.30.0.41"), 80, both, false),
            (
                "external to nodePort",
                EXTERNAL,
                NODE_IPS[0],
                3001,
                both,
                true,
            ),
            (
                "node to nodePort",
                NODE_IPS[0],
                NODE_IPS[0],
                3001,
                both,
                true,
            ),
            (
                "secondary nodeIP ignores NodePorts",
                EXTERNAL,
                NODE_IPS[1],
                3001,
                "",
                false,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Load balancing, affinity, drops
// ---------------------------------------------------------------------------------------

fn three_endpoints(affinity: &str) -> Node {
    node_from_yaml(&format!(
        "
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: default}}
spec:
  clusterIP: 172.30.0.10
  ports: [{{name: http, port: 80, protocol: TCP, targetPort: 8080}}]
  {affinity}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: default
  labels: {{kubernetes.io/service-name: web}}
addressType: IPv4
endpoints:
  - addresses: [10.0.1.5]
  - addresses: [10.0.2.5]
  - addresses: [10.0.1.6]
ports: [{{name: http, port: 8080, protocol: TCP}}]
"
    ))
}

#[test]
fn ten_thousand_connections_spread_evenly_over_three_endpoints() {
    let mut node = three_endpoints("");
    let mut count: BTreeMap<String, u32> = BTreeMap::new();
    for i in 0..10_000u32 {
        let client = Ipv4Addr::from(u32::from(ip("10.1.0.0")) + i);
        let o = node.send(Protocol::Tcp, client, ip("172.30.0.10"), 80);
        assert_eq!(o.verdict, Verdict::Accept);
        *count.entry(o.dst.to_string()).or_default() += 1;
    }
    let keys: Vec<&str> = count.keys().map(String::as_str).collect();
    assert_eq!(keys, ["10.0.1.5:8080", "10.0.1.6:8080", "10.0.2.5:8080"]);
    for (ep, n) in &count {
        // 3,333 each, ±3 %.
        assert!((3233..=3433).contains(n), "{ep}: {n}");
    }
    // One lookup in service-ips, however many services there are: the numgen rule chose.
    let o = node.send(Protocol::Tcp, POD, ip("172.30.0.10"), 80);
    let numgen = o
        .hits
        .iter()
        .find(|h| h.rule.starts_with("numgen"))
        .unwrap_or_else(|| panic!("{:#?}", o.hits));
    assert_eq!(
        numgen.rule,
        "numgen random mod 3 vmap { 0 : goto endpoint-F4N6T556-default/web/tcp/http__10.0.1.5/8080, 1 : goto endpoint-RG46VJPP-default/web/tcp/http__10.0.1.6/8080, 2 : goto endpoint-XLWT4BDO-default/web/tcp/http__10.0.2.5/8080 }"
    );
}

#[test]
fn client_ip_affinity_sticks_until_the_timeout() {
    let mut node = three_endpoints(
        "sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}",
    );
    let cip = ip("172.30.0.10");
    let first = node.send(Protocol::Tcp, POD, cip, 80);
    // The endpoint chain recorded the client in its affinity set.
    let set = format!(
        "affinity-{}",
        first
            .hits
            .iter()
            .find(|h| h.rule.starts_with("update @affinity-"))
            .and_then(|h| h.chain.strip_prefix("endpoint-"))
            .unwrap_or_else(|| panic!("{:#?}", first.hits))
    );
    assert_eq!(node.runtime.affinity[&set][&POD], 0);
    for t in [1_000, 30_000, 59_000] {
        node.now_ms = t;
        let o = node.send(Protocol::Tcp, POD, cip, 80);
        assert_eq!(o.dst, first.dst, "at {t} ms");
        assert!(
            o.hits.iter().any(|h| h.rule
                == format!(
                    "ip saddr @{set} goto endpoint-{}",
                    &set["affinity-".len()..]
                )),
            "at {t} ms the affinity rule decides"
        );
    }
    // Each connection refreshed the entry; 60 s after the last one it has expired and the
    // random choice runs again (and, over many clients, spreads).
    node.now_ms = 59_000 + 60_000;
    let o = node.send(Protocol::Tcp, POD, cip, 80);
    assert!(
        !o.hits
            .iter()
            .any(|h| h.rule.contains(&format!("@{set} goto")))
    );
    assert!(
        o.hits
            .iter()
            .any(|h| h.rule.starts_with("numgen random mod 3"))
    );
    // Another client is not stuck to the first one's endpoint.
    let mut others = BTreeSet::new();
    for i in 0..60 {
        let client = Ipv4Addr::new(10, 2, 0, i);
        others.insert(node.send(Protocol::Tcp, client, cip, 80).dst);
    }
    assert_eq!(others.len(), 3);
}

#[test]
fn local_node_port_without_local_endpoints_drops_external_traffic() {
    // svc2 of the overall test: eTP Local, its only endpoint is on another node.
    let (state, _) = fixture("overall");
    let mut node = Node::new(&state);
    let o = node.send(Protocol::Tcp, EXTERNAL, NODE_IPS[0], 3001);
    assert_eq!(o.verdict, Verdict::Drop);
    let last: Vec<(&str, &str)> = o
        .hits
        .iter()
        .rev()
        .take(2)
        .map(|h| (h.chain.as_str(), h.rule.as_str()))
        .collect();
    assert_eq!(
        last,
        [
            (
                "no-endpoint-nodeports",
                "tcp . 3001 comment \"ns2/svc2:p80\" : drop"
            ),
            (
                "nodeport-endpoints-check",
                "ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports"
            ),
        ]
    );
    // A pod on this node is short-circuited to the cluster-wide endpoints instead.
    let o = node.send(Protocol::Tcp, POD, NODE_IPS[0], 3001);
    assert_eq!(o.verdict, Verdict::Accept);
    assert_eq!(o.dst.to_string(), "10.180.0.2:80");
}

#[test]
fn internal_traffic_policy_local_uses_only_local_endpoints_or_drops() {
    let (state, _) = fixture("itp-local");
    let mut node = Node::new(&state);
    let (with_local, without_local) = (ip("172.30.1.1"), ip("172.30.1.2"));
    run_flows(
        &mut node,
        &[
            // 10.0.1.2 runs on host1: never chosen.
            (
                "pod to iTP Local service with local endpoints",
                POD,
                with_local,
                80,
                "10.0.1.1:8080, 10.0.1.3:8080",
                false,
            ),
            (
                "pod to iTP Local service without local endpoints",
                POD,
                without_local,
                80,
                "DROP",
                false,
            ),
        ],
    );
    let o = node.send(Protocol::Tcp, POD, without_local, 80);
    assert_eq!(
        o.hits.last().map(|h| (h.chain.as_str(), h.rule.as_str())),
        Some((
            "no-endpoint-services",
            "172.30.1.2 . tcp . 80 comment \"ns1/without-local:http\" : drop"
        ))
    );
}

#[test]
fn unallocated_cluster_ip_is_dropped_and_a_wrong_port_rejected() {
    let (state, _) = fixture("overall");
    let mut node = Node::new(&state);
    let o = node.send(Protocol::Tcp, POD, ip("172.30.0.99"), 80);
    assert_eq!(o.verdict, Verdict::Drop);
    let last = o.hits.last().unwrap_or_else(|| panic!("no hits"));
    assert_eq!(last.chain, "cluster-ips-check");
    assert_eq!(
        last.rule,
        "ip daddr 172.30.0.0/16 drop comment \"Drop traffic to unallocated ClusterIPs\""
    );
    let o = node.send(Protocol::Tcp, POD, ip("172.30.0.41"), 81);
    assert_eq!(o.verdict, Verdict::Reject);
    assert_eq!(
        o.hits.last().map(|h| h.rule.as_str()),
        Some(
            "ip daddr @cluster-ips reject comment \"Reject traffic to invalid ports of ClusterIPs\""
        )
    );
    // Outside the service CIDR nothing in kube-proxy's table cares.
    assert_eq!(
        node.send(Protocol::Tcp, POD, ip("8.8.8.8"), 53).verdict,
        Verdict::Accept
    );
}

#[test]
fn traffic_from_outside_the_cluster_cidr_is_masqueraded() {
    let (state, _) = fixture("overall");
    let mut node = Node::new(&state);
    let cip = ip("172.30.0.41");
    let pod = node.send(Protocol::Tcp, POD, cip, 80);
    assert_eq!(pod.dst.to_string(), "10.180.0.1:80");
    assert!(!pod.masqueraded);
    let outside = node.send(Protocol::Tcp, ip("192.168.5.9"), cip, 80);
    assert_eq!(outside.dst.to_string(), "10.180.0.1:80");
    assert!(outside.masqueraded);
    assert_eq!(outside.src, SocketAddrV4::new(NODE_IPS[0], 40000));
    let rules: Vec<(&str, &str)> = outside
        .hits
        .iter()
        .map(|h| (h.chain.as_str(), h.rule.as_str()))
        .collect();
    for expected in [
        (
            "service-ULMVA6XW-ns1/svc1/tcp/p80",
            "ip daddr 172.30.0.41 ip saddr != 10.0.0.0/8 jump mark-for-masquerade",
        ),
        (
            "mark-for-masquerade",
            "meta mark set meta mark | 0x00004000",
        ),
        (
            "endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80",
            "meta l4proto tcp dnat to 10.180.0.1:80",
        ),
        ("masquerading", "meta mark set meta mark ^ 0x00004000"),
        ("masquerading", "masquerade fully-random"),
    ] {
        assert!(rules.contains(&expected), "{expected:?} in {rules:#?}");
    }
}

#[test]
fn a_map_lookup_counts_as_one_rule() {
    // 2,000 services: reaching the last one evaluates as many rules as reaching the first.
    let mut node = Node::new(&many_services(2000, 1));
    let first = node.send(Protocol::Tcp, POD, ip("10.96.0.10"), 80);
    let last = node.send(Protocol::Tcp, POD, ip("10.96.7.217"), 80);
    assert_eq!(first.dst.to_string(), "10.128.0.0:8080");
    assert_eq!(last.dst.to_string(), "10.128.124.240:8080");
    assert_eq!(first.evaluated, last.evaluated);
    assert!(last.evaluated < 30, "{}", last.evaluated);
}

/// `n` ClusterIP services (10.96.0.10 upwards) with `per` endpoints each (16 addresses
/// apart from 10.128.0.0), on the default configuration.
fn many_services(n: u32, per: u32) -> ProxyState {
    let services: Vec<Service> = (0..n)
        .map(|i| {
            let mut s = Service::default();
            s.metadata.name = format!("svc-{i}");
            s.metadata.namespace = "default".to_owned();
            s.spec.cluster_ip = Some(Ipv4Addr::from(u32::from(ip("10.96.0.10")) + i).to_string());
            s.spec.ports = vec![nodelab_engine::api::service::ServicePort {
                name: Some("http".to_owned()),
                port: 80,
                ..Default::default()
            }];
            s
        })
        .collect();
    let slices: Vec<EndpointSlice> = (0..n)
        .map(|i| {
            let mut e = EndpointSlice::default();
            e.metadata.name = format!("svc-{i}-x");
            e.metadata.namespace = "default".to_owned();
            e.metadata
                .labels
                .insert("kubernetes.io/service-name".to_owned(), format!("svc-{i}"));
            e.address_type = "IPv4".to_owned();
            e.ports = vec![nodelab_engine::api::discovery::EndpointPort {
                name: Some("http".to_owned()),
                port: Some(8080),
                ..Default::default()
            }];
            e.endpoints = (0..per)
                .map(|j| nodelab_engine::api::discovery::Endpoint {
                    addresses: vec![
                        Ipv4Addr::from(u32::from(ip("10.128.0.0")) + i * 16 + j).to_string(),
                    ],
                    ..Default::default()
                })
                .collect();
            e
        })
        .collect();
    ProxyState::from_objects(
        ProxyConfig {
            mode: Mode::Nftables,
            ..ProxyConfig::default()
        },
        &services,
        &slices,
    )
}

#[test]
fn five_thousand_services_build_and_render_quickly() {
    let state = many_services(5000, 10);
    let nft = Nftables::new(&state);
    let text = nft.render();
    // 5,000 service chains and 50,000 endpoint chains, each added and flushed.
    assert_eq!(
        text.lines().filter(|l| l.starts_with("add chain")).count(),
        16 + 5000 + 50_000
    );
    // Rules: 23 fixed, 2 per service, 2 per endpoint; elements: the node IP, 2 per service.
    assert_eq!(nft.rule_count(), 23 + 5000 * 2 + 50_000 * 2 + 1 + 5000 * 2);
}
