//! IPVS mode against upstream: the virtual servers, real servers, ipset entries and iptables
//! rules `pkg/proxy/ipvs/proxier_test.go` (v1.33) expects for the same Services and
//! EndpointSlices, the full text view byte for byte (`tests/proxy/ipvs/<case>/expected.txt`,
//! checked by hand against ipvsadm's, ipset's and iptables' formats), and packets walked
//! through the hooks with each scheduler.
//!
//! Set `NODELAB_UPDATE_GOLDEN=1` to rewrite the expected files after a deliberate change.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;

use nodelab_engine::api::discovery::EndpointSlice;
use nodelab_engine::api::service::Service;
use nodelab_engine::net::packet::Packet;
use nodelab_engine::proxy::ipvs::netfilter::{Match, Table, Target};
use nodelab_engine::proxy::ipvs::{Ipvs, ipset};
use nodelab_engine::proxy::{
    Dataplane, Hook, HookCtx, Mode, ProxyConfig, ProxyRuntime, ProxyState, RuleHit, Scheduler,
    Verdict,
};
use nodelab_engine::rng::SimRng;
use nodelab_engine::{Document, Object, decode_manifests};

fn fixture(case: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/proxy/ipvs")
        .join(case)
        .join(file)
}

/// The node `NewFakeProxier` builds: `test-node` with address 100.101.102.103 on eth0 and
/// the no-op local-traffic detector (no cluster CIDR).
fn upstream_config() -> ProxyConfig {
    ProxyConfig {
        node_name: "test-node".to_owned(),
        node_ip: Ipv4Addr::new(100, 101, 102, 103),
        cluster_cidr: None,
        mode: Mode::Ipvs,
        ..ProxyConfig::default()
    }
}

fn kind_config(scheduler: Scheduler) -> ProxyConfig {
    ProxyConfig {
        mode: Mode::Ipvs,
        scheduler,
        ..ProxyConfig::default()
    }
}

fn state(case: &str, config: ProxyConfig) -> ProxyState {
    let path = fixture(case, "input.yaml");
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    let manifests = nodelab_engine::api::decode::decode_manifests_unvalidated(
        &path.display().to_string(),
        &text,
    )
    .unwrap_or_else(|e| panic!("{case}: {e:?}"));
    let mut services: Vec<Service> = Vec::new();
    let mut slices: Vec<EndpointSlice> = Vec::new();
    for m in manifests {
        match m.document {
            Document::Object(Object::Service(s)) => services.push(s),
            Document::Object(Object::EndpointSlice(s)) => slices.push(s),
            _ => {}
        }
    }
    ProxyState::from_objects(config, &services, &slices)
}

fn golden(case: &str, actual: &str) {
    let path = fixture(case, "expected.txt");
    if std::env::var_os("NODELAB_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("golden exists");
    assert_eq!(
        actual,
        expected,
        "{case}: render differs from {}",
        path.display()
    );
}

/// `TCP 10.20.30.41:80 rr` → its real servers `10.180.0.1:80 w1`, ordered by key.
fn ipvs_state(ipvs: &Ipvs) -> BTreeMap<String, Vec<String>> {
    ipvs.virtual_servers
        .iter()
        .map(|vs| {
            (
                format!("{} {}", vs.key(), vs.sched_text()),
                vs.real_servers
                    .iter()
                    .map(|rs| format!("{} w{}", rs.endpoint(), rs.weight))
                    .collect(),
            )
        })
        .collect()
}

fn entries(ipvs: &Ipvs, set: &str) -> Vec<String> {
    ipvs.ipset(set)
        .map(|s| s.entries.iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}

/// Non-empty sets, as `checkIPSet` sees them.
fn nonempty_sets(ipvs: &Ipvs) -> Vec<&str> {
    ipvs.ipsets
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.name.as_str())
        .collect()
}

/// `netlinktest.ExpectedIptablesChain` for one chain: (jump, match set, source) per rule,
/// nat rules then filter rules, as `FakeIPTables.GetRules` returns them.
fn chain(ipvs: &Ipvs, name: &str) -> Vec<(String, String, String)> {
    [Table::Nat, Table::Filter]
        .into_iter()
        .flat_map(|t| ipvs.rules.chain(t, name).collect::<Vec<_>>())
        .map(|r| {
            let jump = match &r.target {
                Target::Jump(c) => c.clone(),
                Target::Accept => "ACCEPT".into(),
                Target::Return => "RETURN".into(),
                Target::Drop => "DROP".into(),
                Target::Reject => "REJECT".into(),
                Target::Masquerade => "MASQUERADE".into(),
                other => format!("{other:?}"),
            };
            let set = r
                .matches
                .iter()
                .find_map(|m| match m {
                    Match::Set { name, .. } => Some(name.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let source = r
                .matches
                .iter()
                .find_map(|m| match m {
                    Match::Source { net, negate: false } => Some(net.to_string()),
                    _ => None,
                })
                .unwrap_or_default();
            (jump, set, source)
        })
        .collect()
}

fn rule(jump: &str, set: &str) -> (String, String, String) {
    (jump.to_owned(), set.to_owned(), String::new())
}

fn vs_map(items: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

#[test]
fn nodeport_matches_upstream() {
    let ipvs = Ipvs::new(&state("nodeport", upstream_config()));
    assert_eq!(
        ipvs_state(&ipvs),
        vs_map(&[
            ("TCP 10.20.30.41:80 rr", &["10.180.0.1:80 w1"]),
            ("TCP 100.101.102.103:30001 rr", &["10.180.0.1:80 w1"]),
        ])
    );
    assert_eq!(entries(&ipvs, ipset::NODE_PORT_TCP), ["30001"]);
    assert_eq!(entries(&ipvs, ipset::CLUSTER_IP), ["10.20.30.41,tcp:80"]);
    assert_eq!(
        chain(&ipvs, "KUBE-NODE-PORT"),
        [
            rule("KUBE-MARK-MASQ", ipset::NODE_PORT_TCP),
            rule("ACCEPT", ipset::HEALTH_CHECK_NODE_PORT),
        ]
    );
    assert_eq!(
        chain(&ipvs, "KUBE-SERVICES"),
        [
            ("RETURN".to_owned(), String::new(), "127.0.0.0/8".to_owned()),
            rule("KUBE-MARK-MASQ", ipset::CLUSTER_IP),
            rule("KUBE-NODE-PORT", ""),
            rule("ACCEPT", ipset::CLUSTER_IP),
        ]
    );
    golden("nodeport", &ipvs.render());
}

#[test]
fn nodeport_without_endpoints_has_virtual_servers_without_real_servers() {
    let ipvs = Ipvs::new(&state("nodeport-no-endpoints", upstream_config()));
    assert_eq!(
        ipvs_state(&ipvs),
        vs_map(&[
            ("TCP 10.20.30.41:80 rr", &[]),
            ("TCP 100.101.102.103:30001 rr", &[]),
        ])
    );
    golden("nodeport-no-endpoints", &ipvs.render());
}

#[test]
fn sctp_nodeport_with_local_policy_matches_upstream() {
    let ipvs = Ipvs::new(&state("nodeport-sctp-local", upstream_config()));
    assert_eq!(
        ipvs_state(&ipvs),
        vs_map(&[
            (
                "SCTP 10.20.30.41:80 rr",
                &["10.180.0.1:80 w1", "10.180.1.1:80 w1"]
            ),
            ("SCTP 100.101.102.103:30001 rr", &["10.180.0.1:80 w1"]),
        ])
    );
    assert_eq!(
        entries(&ipvs, ipset::NODE_PORT_SCTP),
        ["100.101.102.103,sctp:30001"]
    );
    assert_eq!(
        entries(&ipvs, ipset::NODE_PORT_LOCAL_SCTP),
        ["100.101.102.103,sctp:30001"]
    );
    assert_eq!(
        chain(&ipvs, "KUBE-NODE-PORT"),
        [
            rule("RETURN", ipset::NODE_PORT_LOCAL_SCTP),
            rule("KUBE-MARK-MASQ", ipset::NODE_PORT_SCTP),
            rule("ACCEPT", ipset::HEALTH_CHECK_NODE_PORT),
        ]
    );
    golden("nodeport-sctp-local", &ipvs.render());
}

#[test]
fn only_local_nodeport_matches_upstream() {
    let ipvs = Ipvs::new(&state("nodeport-local", upstream_config()));
    assert_eq!(
        ipvs_state(&ipvs),
        vs_map(&[
            (
                "TCP 10.20.30.41:80 rr",
                &["10.180.0.1:80 w1", "10.180.1.1:80 w1"]
            ),
            ("TCP 100.101.102.103:30001 rr", &["10.180.0.1:80 w1"]),
        ])
    );
    assert_eq!(entries(&ipvs, ipset::NODE_PORT_TCP), ["30001"]);
    assert_eq!(entries(&ipvs, ipset::NODE_PORT_LOCAL_TCP), ["30001"]);
    assert_eq!(entries(&ipvs, ipset::HEALTH_CHECK_NODE_PORT), ["30000"]);
    assert_eq!(
        entries(&ipvs, ipset::LOOP_BACK),
        ["10.180.0.1,tcp:80,10.180.0.1"]
    );
    assert_eq!(
        chain(&ipvs, "KUBE-SERVICES"),
        [
            ("RETURN".to_owned(), String::new(), "127.0.0.0/8".to_owned()),
            rule("KUBE-MARK-MASQ", ipset::CLUSTER_IP),
            rule("KUBE-NODE-PORT", ""),
            rule("ACCEPT", ipset::CLUSTER_IP),
        ]
    );
    assert_eq!(
        chain(&ipvs, "KUBE-NODE-PORT"),
        [
            rule("RETURN", ipset::NODE_PORT_LOCAL_TCP),
            rule("KUBE-MARK-MASQ", ipset::NODE_PORT_TCP),
            rule("ACCEPT", ipset::HEALTH_CHECK_NODE_PORT),
        ]
    );
    golden("nodeport-local", &ipvs.render());
}

#[test]
fn loadbalancer_matches_upstream() {
    let ipvs = Ipvs::new(&state("loadbalancer", upstream_config()));
    assert_eq!(entries(&ipvs, ipset::LOAD_BALANCER), ["1.2.3.4,tcp:80"]);
    assert_eq!(
        ipvs_state(&ipvs)
            .get("TCP 1.2.3.4:80 rr")
            .map(Vec::as_slice),
        Some(&["10.180.0.1:80 w1".to_owned()][..])
    );
    assert_eq!(
        chain(&ipvs, "KUBE-SERVICES"),
        [
            ("RETURN".to_owned(), String::new(), "127.0.0.0/8".to_owned()),
            rule("KUBE-LOAD-BALANCER", ipset::LOAD_BALANCER),
            rule("KUBE-MARK-MASQ", ipset::CLUSTER_IP),
            rule("KUBE-NODE-PORT", ""),
            rule("ACCEPT", ipset::CLUSTER_IP),
            rule("ACCEPT", ipset::LOAD_BALANCER),
        ]
    );
    assert_eq!(
        chain(&ipvs, "KUBE-LOAD-BALANCER"),
        [rule("KUBE-MARK-MASQ", "")]
    );
    golden("loadbalancer", &ipvs.render());
}

#[test]
fn loadbalancer_source_ranges_match_upstream() {
    let ipvs = Ipvs::new(&state("loadbalancer-source-ranges", upstream_config()));
    assert_eq!(
        ipvs_state(&ipvs),
        vs_map(&[
            ("TCP 1.2.3.4:80 rr", &["10.180.0.1:80 w1"]),
            ("TCP 10.20.30.41:80 rr", &["10.180.0.1:80 w1"]),
        ])
    );
    assert_eq!(entries(&ipvs, ipset::LOAD_BALANCER), ["1.2.3.4,tcp:80"]);
    assert_eq!(entries(&ipvs, ipset::LOAD_BALANCER_FW), ["1.2.3.4,tcp:80"]);
    assert_eq!(
        entries(&ipvs, ipset::LOAD_BALANCER_SOURCE_CIDR),
        ["1.2.3.4,tcp:80,10.0.0.0/8"]
    );
    assert_eq!(
        chain(&ipvs, "KUBE-SERVICES"),
        [
            ("RETURN".to_owned(), String::new(), "127.0.0.0/8".to_owned()),
            rule("KUBE-LOAD-BALANCER", ipset::LOAD_BALANCER),
            rule("KUBE-MARK-MASQ", ipset::CLUSTER_IP),
            rule("KUBE-NODE-PORT", ""),
            rule("ACCEPT", ipset::CLUSTER_IP),
            rule("ACCEPT", ipset::LOAD_BALANCER),
        ]
    );
    assert_eq!(
        chain(&ipvs, "KUBE-PROXY-FIREWALL"),
        [rule("KUBE-SOURCE-RANGES-FIREWALL", ipset::LOAD_BALANCER_FW)]
    );
    assert_eq!(
        chain(&ipvs, "KUBE-SOURCE-RANGES-FIREWALL"),
        [
            rule("RETURN", ipset::LOAD_BALANCER_SOURCE_CIDR),
            rule("DROP", "")
        ]
    );
    // The node (100.101.102.103) is outside 10.0.0.0/8: it may not use the LB IP itself.
    assert_eq!(
        ipvs.rules
            .chain(Table::Filter, "KUBE-IPVS-OUT-FILTER")
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>(),
        [
            "-A KUBE-IPVS-OUT-FILTER -s 1.2.3.4 -m ipvs --vaddr 1.2.3.4 --vproto tcp --vport 80 -j DROP"
        ]
    );
    golden("loadbalancer-source-ranges", &ipvs.render());
}

#[test]
fn only_local_loadbalancer_matches_upstream() {
    let ipvs = Ipvs::new(&state("loadbalancer-local", upstream_config()));
    assert_eq!(
        ipvs_state(&ipvs)
            .get("TCP 1.2.3.4:80 rr")
            .map(Vec::as_slice),
        Some(&["10.180.0.1:80 w1".to_owned()][..])
    );
    assert_eq!(entries(&ipvs, ipset::LOAD_BALANCER), ["1.2.3.4,tcp:80"]);
    assert_eq!(
        entries(&ipvs, ipset::LOAD_BALANCER_LOCAL),
        ["1.2.3.4,tcp:80"]
    );
    assert_eq!(
        chain(&ipvs, "KUBE-LOAD-BALANCER"),
        [
            rule("RETURN", ipset::LOAD_BALANCER_LOCAL),
            rule("KUBE-MARK-MASQ", "")
        ]
    );
    golden("loadbalancer-local", &ipvs.render());
}

#[test]
fn external_ips_match_upstream() {
    let ipvs = Ipvs::new(&state("external-ips", upstream_config()));
    assert_eq!(
        ipvs_state(&ipvs),
        vs_map(&[
            ("TCP 10.20.30.41:80 rr", &["10.180.0.1:80 w1"]),
            ("TCP 50.60.70.81:80 rr", &["10.180.0.1:80 w1"]),
        ])
    );
    assert_eq!(entries(&ipvs, ipset::EXTERNAL_IP), ["50.60.70.81,tcp:80"]);
    golden("external-ips", &ipvs.render());
}

#[test]
fn only_local_external_ips_match_upstream() {
    let ipvs = Ipvs::new(&state("only-local-external-ips", upstream_config()));
    assert_eq!(
        ipvs_state(&ipvs)
            .get("TCP 50.60.70.81:80 rr")
            .map(Vec::as_slice),
        Some(&["10.180.0.1:80 w1".to_owned()][..])
    );
    assert_eq!(
        entries(&ipvs, ipset::EXTERNAL_IP_LOCAL),
        ["50.60.70.81,tcp:80"]
    );
    assert!(entries(&ipvs, ipset::EXTERNAL_IP).is_empty());
    golden("only-local-external-ips", &ipvs.render());
}

#[test]
fn accept_ipvs_traffic_rule_order_matches_upstream() {
    let ipvs = Ipvs::new(&state("accept-ipvs-traffic", upstream_config()));
    assert_eq!(
        chain(&ipvs, "KUBE-SERVICES"),
        [
            ("RETURN".to_owned(), String::new(), "127.0.0.0/8".to_owned()),
            rule("KUBE-LOAD-BALANCER", ipset::LOAD_BALANCER),
            rule("KUBE-MARK-MASQ", ipset::CLUSTER_IP),
            rule("KUBE-MARK-MASQ", ipset::EXTERNAL_IP),
            rule("ACCEPT", ipset::EXTERNAL_IP),
            rule("ACCEPT", ipset::EXTERNAL_IP),
            rule("KUBE-NODE-PORT", ""),
            rule("ACCEPT", ipset::CLUSTER_IP),
            rule("ACCEPT", ipset::LOAD_BALANCER),
        ]
    );
    golden("accept-ipvs-traffic", &ipvs.render());
}

#[test]
fn client_ip_affinity_makes_every_virtual_server_persistent() {
    let ipvs = Ipvs::new(&state("session-affinity", upstream_config()));
    for vs in &ipvs.virtual_servers {
        assert_eq!(vs.persistent(), Some(60), "{}", vs.key());
    }
    golden("session-affinity", &ipvs.render());
}

#[test]
fn kube_dns_node_renders_all_four_views() {
    let ipvs = Ipvs::new(&state("kube-dns", kind_config(Scheduler::Rr)));
    assert_eq!(
        nonempty_sets(&ipvs),
        [ipset::LOOP_BACK, ipset::CLUSTER_IP, ipset::IPVS_IPS]
    );
    assert_eq!(
        ipvs.local_addresses(),
        [Ipv4Addr::new(10, 96, 0, 1), Ipv4Addr::new(10, 96, 0, 10)]
    );
    golden("kube-dns", &ipvs.render());
}

// ---------------------------------------------------------------------------------------
// Packets through the hooks.
// ---------------------------------------------------------------------------------------

/// A Service `web` (10.96.0.20:80 → targetPort 8080) with `n` ready endpoints on other
/// nodes, optional extra `spec` lines, and one terminating endpoint when `draining` is set.
fn web(n: u8, spec: &str, draining: bool) -> String {
    let mut eps = String::new();
    for i in 0..n {
        eps.push_str(&format!(
            "- addresses: [\"10.244.1.{}\"]\n  nodeName: node-2\n",
            i + 2
        ));
    }
    if eps.is_empty() && !draining {
        eps.push_str("[]\n");
    }
    if draining {
        eps.push_str(
            "- addresses: [\"10.244.1.9\"]\n  nodeName: node-2\n  conditions:\n    ready: false\n    serving: true\n    terminating: true\n",
        );
    }
    let sep = if eps.starts_with('[') { " " } else { "\n" };
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  clusterIP: 10.96.0.20\n{spec}  ports:\n  - port: 80\n    targetPort: 8080\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-abcde\n  namespace: default\n  labels:\n    kubernetes.io/service-name: web\naddressType: IPv4\nendpoints:{sep}{eps}ports:\n- port: 8080\n  protocol: TCP\n"
    )
}

fn state_from(yaml: &str, config: ProxyConfig) -> ProxyState {
    let manifests = decode_manifests("inline.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"));
    let mut services: Vec<Service> = Vec::new();
    let mut slices: Vec<EndpointSlice> = Vec::new();
    for m in manifests {
        match m.document {
            Document::Object(Object::Service(s)) => services.push(s),
            Document::Object(Object::EndpointSlice(s)) => slices.push(s),
            _ => {}
        }
    }
    ProxyState::from_objects(config, &services, &slices)
}

/// One node's IPVS data plane with the runtime state a router would keep for it.
struct Node {
    ipvs: Ipvs,
    rng: SimRng,
    runtime: ProxyRuntime,
    now_ms: u64,
}

/// What happened to one connection's first packet.
struct Trip {
    verdict: Verdict,
    packet: Packet,
    hits: Vec<RuleHit>,
    evaluated: usize,
}

impl Trip {
    fn rules(&self) -> Vec<&str> {
        self.hits.iter().map(|h| h.rule.as_str()).collect()
    }
}

impl Node {
    fn new(ipvs: Ipvs) -> Node {
        Node {
            ipvs,
            rng: SimRng::new(7),
            runtime: ProxyRuntime::default(),
            now_ms: 0,
        }
    }

    fn is_local(&self, ip: Ipv4Addr) -> bool {
        ip == self.ipvs.config.node_ip || self.ipvs.local_addresses().contains(&ip)
    }

    fn hook(&mut self, hook: Hook, packet: &mut Packet, trip: &mut Trip) -> Verdict {
        packet.dst_local = self.is_local(packet.dst_ip());
        packet.src_local = self.is_local(packet.src_ip());
        let mut ctx = HookCtx {
            now_ms: self.now_ms,
            rng: &mut self.rng,
            runtime: &mut self.runtime,
            hits: &mut trip.hits,
            evaluated: &mut trip.evaluated,
        };
        self.ipvs.hook(hook, packet, &mut ctx)
    }

    /// A connection arriving from outside the node's network namespace (a pod on the
    /// bridge or a remote client): PREROUTING, INPUT when the destination is local, then
    /// POSTROUTING once it leaves.
    fn connect(&mut self, src: &str, dst: &str) -> Trip {
        let packet = Packet::tcp(
            src.parse().expect("source"),
            dst.parse().expect("destination"),
        );
        self.walk(packet, &[Hook::Prerouting, Hook::Input, Hook::Postrouting])
    }

    /// A connection a process on the node opens: OUTPUT, then POSTROUTING.
    fn connect_from_node(&mut self, dst: &str) -> Trip {
        let src = SocketAddrV4::new(self.ipvs.config.node_ip, 45000);
        let packet = Packet::tcp(src, dst.parse().expect("destination"));
        self.walk(packet, &[Hook::Output, Hook::Postrouting])
    }

    fn walk(&mut self, mut packet: Packet, hooks: &[Hook]) -> Trip {
        let mut trip = Trip {
            verdict: Verdict::Accept,
            packet: packet.clone(),
            hits: Vec::new(),
            evaluated: 0,
        };
        for hook in hooks {
            if *hook == Hook::Input && !self.is_local(packet.dst_ip()) {
                continue;
            }
            let v = self.hook(*hook, &mut packet, &mut trip);
            if v != Verdict::Accept {
                trip.verdict = v;
                break;
            }
        }
        trip.packet = packet;
        trip
    }
}

fn web_node(n: u8, scheduler: Scheduler, spec: &str) -> Node {
    Node::new(Ipvs::new(&state_from(
        &web(n, spec, false),
        kind_config(scheduler),
    )))
}

#[test]
fn round_robin_splits_9000_connections_exactly_evenly() {
    let mut node = web_node(3, Scheduler::Rr, "");
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for i in 0..9000u32 {
        let src = format!("10.244.0.{}:{}", 5 + i % 200, 30000 + i % 20000);
        let trip = node.connect(&src, "10.96.0.20:80");
        assert_eq!(trip.verdict, Verdict::Accept);
        *counts.entry(trip.packet.dst.to_string()).or_default() += 1;
    }
    assert_eq!(
        counts,
        BTreeMap::from([
            ("10.244.1.2:8080".to_owned(), 3000),
            ("10.244.1.3:8080".to_owned(), 3000),
            ("10.244.1.4:8080".to_owned(), 3000),
        ])
    );
    // ipvsadm shows the connections IPVS counted.
    assert_eq!(
        node.ipvs.ipvsadm(&node.runtime),
        "IP Virtual Server version 1.2.1 (size=4096)\n\
         Prot LocalAddress:Port Scheduler Flags\n\
         \x20 -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n\
         TCP  10.96.0.20:80 rr\n\
         \x20 -> 10.244.1.2:8080              Masq    1      3000       0         \n\
         \x20 -> 10.244.1.3:8080              Masq    1      3000       0         \n\
         \x20 -> 10.244.1.4:8080              Masq    1      3000       0         \n"
    );
}

#[test]
fn a_cluster_ip_connection_walks_the_rules_kube_proxy_wrote() {
    let mut node = web_node(3, Scheduler::Rr, "");
    let trip = node.connect("10.244.0.5:40000", "10.96.0.20:80");
    assert_eq!(trip.verdict, Verdict::Accept);
    assert_eq!(trip.packet.dst, "10.244.1.2:8080".parse().expect("addr"));
    // Pod source inside the cluster CIDR: no masquerade mark, source kept.
    assert_eq!(trip.packet.mark, 0);
    assert_eq!(trip.packet.src, "10.244.0.5:40000".parse().expect("addr"));
    assert_eq!(
        trip.rules(),
        [
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT",
            "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT",
            "-A INPUT -m comment --comment \"kubernetes ipvs access filter\" -j KUBE-IPVS-FILTER",
            "-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN",
            "-A INPUT -m comment --comment \"kube-proxy firewall rules\" -j KUBE-PROXY-FIREWALL",
            "-A INPUT -m comment --comment \"kubernetes health check rules\" -j KUBE-NODE-PORT",
            "-> 10.244.1.2:8080 Masq 1",
            "-A OUTPUT -m comment --comment \"kubernetes ipvs access filter\" -j KUBE-IPVS-OUT-FILTER",
            "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
            "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
        ]
    );
    let ipvs_hit = trip
        .hits
        .iter()
        .find(|h| h.table == "ipvs")
        .expect("ipvs hit");
    assert_eq!(ipvs_hit.chain, "TCP 10.96.0.20:80 rr");
    // PREROUTING: 1 + 4 in KUBE-SERVICES; INPUT: 3 jumps + 2 in KUBE-IPVS-FILTER + 1 in
    // KUBE-NODE-PORT; 1 IPVS lookup; filter OUTPUT: 1; POSTROUTING: 1 + the mark check that
    // returns (no hairpin rule: no local endpoints, so KUBE-LOOP-BACK is empty).
    assert_eq!(trip.evaluated, 5 + 6 + 1 + 1 + 2);
}

#[test]
fn persistence_keeps_a_client_on_one_real_server_until_the_timeout() {
    let affinity = "  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 60\n";
    let mut node = web_node(3, Scheduler::Rr, affinity);
    let first = node.connect("10.244.0.5:40000", "10.96.0.20:80").packet.dst;
    // New connections every 10 s refresh the template: same server for two minutes.
    for i in 1..=12u64 {
        node.now_ms = i * 10_000;
        let trip = node.connect(&format!("10.244.0.5:{}", 40000 + i), "10.96.0.20:80");
        assert_eq!(trip.packet.dst, first, "connection {i}");
    }
    // Another client is scheduled round robin meanwhile.
    let other = node.connect("10.244.0.6:40000", "10.96.0.20:80").packet.dst;
    assert_ne!(other, first);
    // 60 s after the last connection the template has expired.
    node.now_ms = 120_000 + 60_000;
    let later = node.connect("10.244.0.5:41000", "10.96.0.20:80").packet.dst;
    assert_eq!(later, "10.244.1.4:8080".parse().expect("addr"));
    assert_ne!(later, first);
    assert!(
        node.ipvs
            .ipvsadm(&node.runtime)
            .contains("TCP  10.96.0.20:80 rr persistent 60\n")
    );
}

#[test]
fn least_connection_prefers_the_server_with_fewest_active() {
    let mut node = web_node(3, Scheduler::Lc, "");
    let counts = node
        .runtime
        .active
        .entry("TCP 10.96.0.20:80".to_owned())
        .or_default();
    counts.insert("10.244.1.2:8080".to_owned(), 5);
    counts.insert("10.244.1.3:8080".to_owned(), 1);
    counts.insert("10.244.1.4:8080".to_owned(), 3);
    let picks: Vec<String> = (0..5)
        .map(|i| {
            node.connect(&format!("10.244.0.5:{}", 40000 + i), "10.96.0.20:80")
                .packet
                .dst
                .to_string()
        })
        .collect();
    // .3 (1 → 2), .3 (2 → 3), tie .3/.4 at 3 → first in list (.3 → 4), .4 (3 → 4),
    // tie .3/.4 at 4 → .3.
    assert_eq!(
        picks,
        [
            "10.244.1.3:8080",
            "10.244.1.3:8080",
            "10.244.1.3:8080",
            "10.244.1.4:8080",
            "10.244.1.3:8080"
        ]
    );
}

#[test]
fn source_hashing_is_stable_per_client() {
    let mut node = web_node(3, Scheduler::Sh, "");
    // hash_32(addr, 8) = (addr × 0x61C88647) >> 24: 10.244.0.5 → bucket 170,
    // 10.244.0.6 → 12, 192.168.0.7 → 11; buckets are dealt round the three servers in list
    // order, so bucket mod 3 picks the server.
    for (client, expected) in [
        ("10.244.0.5", "10.244.1.4:8080"),
        ("10.244.0.6", "10.244.1.2:8080"),
        ("192.168.0.7", "10.244.1.4:8080"),
    ] {
        for port in 40000..40005 {
            let trip = node.connect(&format!("{client}:{port}"), "10.96.0.20:80");
            assert_eq!(trip.packet.dst.to_string(), expected, "{client}:{port}");
        }
    }
}

#[test]
fn maglev_hashes_source_address_and_port() {
    // Destinations 10.244.1.2-4:8080; expected slots from an independent Python transcription
    // of ip_vs_mh.c and lib/siphash.c.
    let mut node = web_node(3, Scheduler::Mh, "");
    let picks: Vec<String> = (40000..40012u16)
        .map(|p| {
            node.connect(&format!("10.244.0.5:{p}"), "10.96.0.20:80")
                .packet
                .dst
                .ip()
                .to_string()
        })
        .collect();
    assert_eq!(picks, MH_EXPECTED);
    assert!(
        node.ipvs
            .render()
            .contains("TCP  10.96.0.20:80 mh (mh-port)\n")
    );
}

#[test]
fn a_virtual_server_without_real_servers_refuses_the_connection() {
    let mut node = web_node(0, Scheduler::Rr, "");
    let trip = node.connect("10.244.0.5:40000", "10.96.0.20:80");
    assert_eq!(trip.verdict, Verdict::Reject);
    let last = trip.hits.last().expect("hit");
    assert_eq!(
        (last.table.as_str(), last.chain.as_str(), last.rule.as_str()),
        ("ipvs", "TCP 10.96.0.20:80 rr", "no destination available")
    );
}

#[test]
fn a_service_address_on_another_port_is_rejected_by_kube_ipvs_filter() {
    let mut node = web_node(3, Scheduler::Rr, "");
    let trip = node.connect("10.244.0.5:40000", "10.96.0.20:22");
    assert_eq!(trip.verdict, Verdict::Reject);
    assert_eq!(
        trip.rules().last().copied(),
        Some(
            "-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT"
        )
    );
}

#[test]
fn node_port_traffic_is_masqueraded_unless_the_policy_is_local() {
    let nodeport = "  type: NodePort\n";
    let yaml = web(2, nodeport, false).replace(
        "targetPort: 8080\n",
        "targetPort: 8080\n    nodePort: 30080\n",
    );
    let mut node = Node::new(Ipvs::new(&state_from(&yaml, kind_config(Scheduler::Rr))));
    let trip = node.connect("192.168.1.50:51000", "172.18.0.2:30080");
    assert_eq!(trip.verdict, Verdict::Accept);
    assert_eq!(trip.packet.dst, "10.244.1.2:8080".parse().expect("addr"));
    assert_eq!(trip.packet.src, "172.18.0.2:51000".parse().expect("addr"));
    assert!(trip.rules().contains(
        &"-A KUBE-NODE-PORT -p tcp -m comment --comment \"Kubernetes nodeport TCP port for masquerade purpose\" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ"
    ));
    assert_eq!(
        trip.rules().last().copied(),
        Some(
            "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully"
        )
    );

    let local = "  type: NodePort\n  externalTrafficPolicy: Local\n";
    let yaml = web(2, local, false)
        .replace(
            "targetPort: 8080\n",
            "targetPort: 8080\n    nodePort: 30080\n",
        )
        .replace("nodeName: node-2\n", "nodeName: node-1\n");
    let mut node = Node::new(Ipvs::new(&state_from(&yaml, kind_config(Scheduler::Rr))));
    let trip = node.connect("192.168.1.50:51000", "172.18.0.2:30080");
    assert_eq!(trip.packet.src, "192.168.1.50:51000".parse().expect("addr"));
    assert!(trip.rules().contains(
        &"-A KUBE-NODE-PORT -p tcp -m comment --comment \"Kubernetes nodeport TCP port with externalTrafficPolicy=local\" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN"
    ));
}

#[test]
fn a_pod_reaching_itself_through_its_service_is_masqueraded() {
    let yaml = web(1, "", false).replace("nodeName: node-2\n", "nodeName: node-1\n");
    let mut node = Node::new(Ipvs::new(&state_from(&yaml, kind_config(Scheduler::Rr))));
    let trip = node.connect("10.244.1.2:40000", "10.96.0.20:80");
    assert_eq!(trip.packet.dst, "10.244.1.2:8080".parse().expect("addr"));
    assert_eq!(trip.packet.src, "172.18.0.2:40000".parse().expect("addr"));
    assert_eq!(
        trip.rules().last().copied(),
        Some(
            "-A KUBE-POSTROUTING -m comment --comment \"Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose\" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE"
        )
    );
}

#[test]
fn load_balancer_source_ranges_drop_other_clients() {
    let mut node = Node::new(Ipvs::new(&state(
        "loadbalancer-source-ranges",
        upstream_config(),
    )));
    let outside = node.connect("192.168.5.5:40000", "1.2.3.4:80");
    assert_eq!(outside.verdict, Verdict::Drop);
    assert_eq!(
        outside.rules().last().copied(),
        Some("-A KUBE-SOURCE-RANGES-FIREWALL -j DROP")
    );
    let inside = node.connect("10.1.2.3:40000", "1.2.3.4:80");
    assert_eq!(inside.verdict, Verdict::Accept);
    assert_eq!(inside.packet.dst, "10.180.0.1:80".parse().expect("addr"));
}

#[test]
fn node_processes_are_scheduled_at_local_out() {
    let mut node = web_node(3, Scheduler::Rr, "");
    let trip = node.connect_from_node("10.96.0.20:80");
    assert_eq!(trip.verdict, Verdict::Accept);
    assert_eq!(trip.packet.dst, "10.244.1.2:8080".parse().expect("addr"));
    assert_eq!(
        trip.rules()[..2],
        [
            "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "-A KUBE-SERVICES -m comment --comment \"Kubernetes service cluster ip + port for masquerade purpose\" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ",
        ]
    );
    // Marked for masquerade (the node's source is outside the cluster CIDR).
    assert_eq!(trip.packet.src, "172.18.0.2:45000".parse().expect("addr"));
}

#[test]
fn terminating_endpoints_drain_at_weight_zero() {
    let ipvs = Ipvs::new(&state_from(&web(2, "", true), kind_config(Scheduler::Rr)));
    let mut node = Node::new(ipvs);
    // No connections: kube-proxy deletes the real server at once.
    assert!(!node.ipvs.render().contains("10.244.1.9"));
    node.runtime
        .active
        .entry("TCP 10.96.0.20:80".to_owned())
        .or_default()
        .insert("10.244.1.9:8080".to_owned(), 2);
    assert!(
        node.ipvs
            .ipvsadm(&node.runtime)
            .contains("  -> 10.244.1.9:8080              Masq    0      2          0         \n")
    );
    for i in 0..30u16 {
        let trip = node.connect(&format!("10.244.0.5:{}", 40000 + i), "10.96.0.20:80");
        assert_ne!(trip.packet.dst.ip(), &Ipv4Addr::new(10, 244, 1, 9));
    }
}

/// Maglev picks for 10.244.0.5:40000-40011 over 10.244.1.2-4 (see the test above).
const MH_EXPECTED: [&str; 12] = [
    "10.244.1.2",
    "10.244.1.3",
    "10.244.1.2",
    "10.244.1.3",
    "10.244.1.3",
    "10.244.1.4",
    "10.244.1.2",
    "10.244.1.2",
    "10.244.1.2",
    "10.244.1.4",
    "10.244.1.2",
    "10.244.1.2",
];
