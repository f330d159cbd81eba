//! Userspace mode as kube-proxy v1.25 ran it (`pkg/proxy/userspace/proxier.go`,
//! `roundrobin.go`): the portal rules in `iptables-save` form (byte for byte against
//! `tests/proxy/userspace/<case>/expected.txt`), the REDIRECT / DNAT a packet takes to the
//! proxy socket, and the endpoint the proxy process dials.
//!
//! Set `NODELAB_UPDATE_GOLDEN=1` to rewrite the expected files after a deliberate change.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;

use nodelab_engine::api::discovery::EndpointSlice;
use nodelab_engine::api::service::Service;
use nodelab_engine::net::packet::Packet;
use nodelab_engine::proxy::userspace::Userspace;
use nodelab_engine::proxy::{
    Dataplane, Hook, HookCtx, Mode, ProxyConfig, ProxyRuntime, ProxyState, RuleHit, Verdict,
};
use nodelab_engine::rng::SimRng;
use nodelab_engine::{Document, Object, decode_manifests};

fn fixture(case: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/proxy/userspace")
        .join(case)
        .join(file)
}

const AFFINITY: (&str, &str) = (
    "  type: NodePort\n",
    "  type: NodePort\n  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 30\n",
);

/// The fixture's objects, with `edits` (`from`, `to`) applied to its text.
fn load(case: &str, edits: &[(&str, &str)]) -> Userspace {
    let path = fixture(case, "input.yaml");
    let mut text = std::fs::read_to_string(&path).expect("fixture exists");
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let manifests = decode_manifests(&path.display().to_string(), &text)
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
    let config = ProxyConfig {
        mode: Mode::Userspace,
        ..ProxyConfig::default()
    };
    Userspace::new(&ProxyState::from_objects(config, &services, &slices))
}

struct Ctx {
    rng: SimRng,
    runtime: ProxyRuntime,
    hits: Vec<RuleHit>,
    evaluated: usize,
    now_ms: u64,
}

impl Ctx {
    fn new() -> Ctx {
        Ctx {
            rng: SimRng::new(1),
            runtime: ProxyRuntime::default(),
            hits: Vec::new(),
            evaluated: 0,
            now_ms: 0,
        }
    }

    fn hook(&mut self, dp: &Userspace, hook: Hook, packet: &mut Packet) -> Verdict {
        let mut ctx = HookCtx {
            now_ms: self.now_ms,
            rng: &mut self.rng,
            runtime: &mut self.runtime,
            hits: &mut self.hits,
            evaluated: &mut self.evaluated,
        };
        dp.hook(hook, packet, &mut ctx)
    }

    fn dial(
        &mut self,
        dp: &Userspace,
        listener: SocketAddrV4,
        client: Ipv4Addr,
    ) -> Option<SocketAddrV4> {
        let mut ctx = HookCtx {
            now_ms: self.now_ms,
            rng: &mut self.rng,
            runtime: &mut self.runtime,
            hits: &mut self.hits,
            evaluated: &mut self.evaluated,
        };
        dp.proxy_connect(listener, client, &mut ctx)
    }
}

#[test]
fn portal_rules_render_as_v1_25_wrote_them() {
    let dp = load("web-nodeport", &[]);
    let path = fixture("web-nodeport", "expected.txt");
    let actual = dp.render();
    if std::env::var_os("NODELAB_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).expect("write golden");
    }
    let expected = std::fs::read_to_string(&path).expect("golden exists");
    assert_eq!(actual, expected);
}

#[test]
fn pod_traffic_is_redirected_to_the_proxy_socket() {
    let dp = load("web-nodeport", &[]);
    let web = dp
        .services
        .iter()
        .find(|s| s.name.name == "web")
        .expect("web proxied");
    let mut ctx = Ctx::new();
    let mut packet = Packet::tcp(
        "10.244.0.5:40000".parse().expect("addr"),
        "10.96.0.20:80".parse().expect("addr"),
    );
    assert_eq!(
        ctx.hook(&dp, Hook::Prerouting, &mut packet),
        Verdict::Accept
    );
    // REDIRECT: to the incoming interface's address, on the proxy port.
    assert_eq!(
        packet.dst,
        SocketAddrV4::new(dp.config.node_ip, web.proxy_port)
    );
    let rules: Vec<&str> = ctx.hits.iter().map(|h| h.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "-A PREROUTING -m comment --comment \"handle ClusterIPs; NOTE: this must be before the NodePort rules\" -j KUBE-PORTALS-CONTAINER".to_owned(),
            format!(
                "-A KUBE-PORTALS-CONTAINER -m comment --comment default/web:http -p tcp -m tcp --dport 80 -d 10.96.0.20/32 -j REDIRECT --to-ports {}",
                web.proxy_port
            ),
        ]
    );
    // A process on the node is DNATed to the node IP instead.
    let mut ctx = Ctx::new();
    let mut packet = Packet::tcp(
        SocketAddrV4::new(dp.config.node_ip, 45000),
        "10.96.0.20:80".parse().expect("addr"),
    );
    packet.src_local = true;
    assert_eq!(ctx.hook(&dp, Hook::Output, &mut packet), Verdict::Accept);
    assert_eq!(
        packet.dst,
        SocketAddrV4::new(dp.config.node_ip, web.proxy_port)
    );
}

#[test]
fn the_proxy_dials_endpoints_round_robin() {
    let dp = load("web-nodeport", &[]);
    let web = dp
        .services
        .iter()
        .find(|s| s.name.name == "web")
        .expect("web proxied");
    // The terminating endpoint is not in the Endpoints object's ready addresses.
    assert_eq!(web.endpoints.len(), 3);
    let listener = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, web.proxy_port);
    let mut ctx = Ctx::new();
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut order = Vec::new();
    for i in 0..3000u32 {
        let client = Ipv4Addr::new(10, 244, 0, (5 + i % 100) as u8);
        let ep = ctx.dial(&dp, listener, client).expect("endpoint");
        if i < 6 {
            order.push(ep);
        }
        *counts.entry(ep.to_string()).or_default() += 1;
    }
    assert_eq!(
        counts.values().copied().collect::<Vec<_>>(),
        [1000, 1000, 1000]
    );
    // Round robin walks the shuffled list in order, over and over.
    assert_eq!(order[..3], web.endpoints[..]);
    assert_eq!(order[3..], web.endpoints[..]);
    assert_eq!(
        ctx.hits
            .last()
            .map(|h| (h.table.as_str(), h.chain.as_str())),
        Some(("userspace", "default/web:http"))
    );
}

#[test]
fn client_ip_affinity_keeps_the_endpoint_until_the_timeout() {
    let dp = load("web-nodeport", &[AFFINITY]);
    let web = dp
        .services
        .iter()
        .find(|s| s.name.name == "web")
        .expect("web proxied");
    let listener = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, web.proxy_port);
    let mut ctx = Ctx::new();
    let client = Ipv4Addr::new(10, 244, 0, 5);
    let first = ctx.dial(&dp, listener, client).expect("endpoint");
    for i in 1..=10u64 {
        ctx.now_ms = i * 20_000;
        assert_eq!(ctx.dial(&dp, listener, client), Some(first), "use {i}");
    }
    // `int(time.Since(lastUsed).Seconds()) < ttl`: 29.9 s keeps it, 30 s does not.
    ctx.now_ms += 29_900;
    assert_eq!(ctx.dial(&dp, listener, client), Some(first));
    ctx.now_ms += 30_000;
    let next = ctx.dial(&dp, listener, client).expect("endpoint");
    assert_eq!(next, web.endpoints[1]);
}

#[test]
fn a_service_without_ready_endpoints_gets_no_connection() {
    let dp = load(
        "web-nodeport",
        &[(
            "- addresses: [\"10.244.0.2\"]\n",
            "- addresses: [\"10.244.0.2\"]\n  conditions:\n    ready: false\n",
        )],
    );
    let dns = dp
        .services
        .iter()
        .find(|s| s.name.name == "kube-dns")
        .expect("dns proxied");
    assert!(dns.endpoints.is_empty());
    let listener = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, dns.proxy_port);
    let mut ctx = Ctx::new();
    assert_eq!(ctx.dial(&dp, listener, Ipv4Addr::new(10, 244, 0, 5)), None);
    assert_eq!(
        ctx.hits.last().map(|h| h.rule.as_str()),
        Some("missing endpoints")
    );
}
