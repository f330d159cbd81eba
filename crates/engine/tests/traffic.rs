//! Requests through kube-proxy's rules: the packet walk for every path (pod → Service by
//! name, NodePort with both external traffic policies, no endpoints, user-space proxy),
//! load distribution per mode, ClientIP affinity and its timeout, and conntrack keeping
//! established connections on their endpoint.

use std::collections::BTreeMap;

use nodelab_engine::net::trace::{Outcome, Source, StepKind, Trace};
use nodelab_engine::world::{ClientOptions, TrafficSpec};
use nodelab_engine::{Kind, ObjectRef, SimTime, World, decode_manifests};

const WEB: &str = include_str!("../../../tests/traffic/web.yaml");
const SERVICES: &str = include_str!("../../../tests/traffic/services.yaml");

/// The pods and Services, with kube-proxy in `mode` (and `scheduler` for IPVS), at 30 s.
fn world(mode: &str, scheduler: &str) -> World {
    let lab = WEB.replace(
        "  nodes:\n",
        &format!("  proxyMode: {mode}\n  ipvsScheduler: {scheduler}\n  nodes:\n"),
    );
    let text = format!("{lab}---\n{SERVICES}");
    let manifests = decode_manifests("traffic.yaml", &text).unwrap_or_else(|e| panic!("{e:?}"));
    let mut w = World::from_manifests(&manifests, Some(7)).unwrap_or_else(|e| panic!("{e}"));
    w.advance_to(SimTime::from_secs(30));
    w
}

fn client() -> Source {
    Source::Pod(ObjectRef::new(Kind::Pod, "default", "client"))
}

fn trace(w: &mut World, from: &Source, to: &str) -> Trace {
    w.trace(from, to).unwrap_or_else(|e| panic!("{e}"))
}

fn send(w: &mut World, to: &str, requests: u32, pool: u32) -> BTreeMap<String, u32> {
    let spec = TrafficSpec {
        from: client(),
        to: to.to_owned(),
        requests,
        path: "/".to_owned(),
        client: ClientOptions { pool, retries: 0 },
    };
    w.send(spec)
        .unwrap_or_else(|e| panic!("{e}"))
        .distribution()
}

fn backends(d: &BTreeMap<String, u32>) -> Vec<u32> {
    d.values().copied().collect()
}

#[test]
fn pod_to_service_name_is_dnated_to_a_ready_endpoint_in_every_mode() {
    for mode in ["iptables", "ipvs", "nftables", "userspace"] {
        let mut w = world(mode, "rr");
        let t = trace(&mut w, &client(), "web");
        assert_eq!(
            t.outcome,
            Outcome::Response { status: 200 },
            "{mode}\n{}",
            t.render()
        );
        assert_eq!(t.steps[0].kind, StepKind::Dns, "{mode}");
        assert!(t.steps[0].title.contains("10.96.100.10"), "{mode}");
        let backend = t
            .backend
            .as_ref()
            .map(|b| b.addr.to_string())
            .unwrap_or_default();
        assert!(
            ["10.244.0.2:80", "10.244.1.2:80", "10.244.1.3:80"].contains(&backend.as_str()),
            "{mode}: {backend}"
        );
        assert!(
            t.steps.iter().any(|s| !s.hits.is_empty()),
            "{mode}: no rule matched\n{}",
            t.render()
        );
        if mode == "userspace" {
            // The proxy process dials the endpoint itself: the backend sees the node.
            assert!(
                t.steps.iter().any(|s| s.kind == StepKind::Proxy),
                "{}",
                t.render()
            );
            assert_eq!(
                t.seen_source.map(|s| s.ip().to_string()),
                Some("172.18.0.2".to_owned())
            );
        } else {
            // Pod-to-Service traffic from inside the cluster CIDR keeps its source.
            assert_eq!(
                t.seen_source.map(|s| s.ip().to_string()),
                Some("10.244.0.3".to_owned()),
                "{mode}\n{}",
                t.render()
            );
            let (_, entry) = t
                .conntrack
                .clone()
                .unwrap_or_else(|| panic!("{mode}: no conntrack"));
            assert!(entry.dnat(), "{mode}");
            assert_eq!(entry.original.1.to_string(), "10.96.100.10:80");
        }
    }
}

#[test]
fn iptables_spreads_10000_new_connections_within_3_percent() {
    let mut w = world("iptables", "rr");
    let d = send(&mut w, "web", 10_000, 0);
    assert_eq!(d.len(), 3, "{d:?}");
    for n in backends(&d) {
        assert!((3_033..=3_633).contains(&n), "{d:?}");
    }
}

#[test]
fn nftables_spreads_10000_new_connections_within_3_percent() {
    let mut w = world("nftables", "rr");
    let d = send(&mut w, "web", 10_000, 0);
    assert_eq!(d.len(), 3, "{d:?}");
    for n in backends(&d) {
        assert!((3_033..=3_633).contains(&n), "{d:?}");
    }
}

#[test]
fn ipvs_round_robin_is_exactly_even() {
    let mut w = world("ipvs", "rr");
    let d = send(&mut w, "web", 9_000, 0);
    assert_eq!(backends(&d), vec![3_000, 3_000, 3_000], "{d:?}");
}

#[test]
fn client_ip_affinity_sticks_until_the_timeout() {
    for mode in ["iptables", "ipvs", "nftables"] {
        let mut w = world(mode, "rr");
        let d = send(&mut w, "sticky", 200, 0);
        assert_eq!(d.len(), 1, "{mode}: one client, one endpoint: {d:?}");
        // Idle for longer than timeoutSeconds (10 s): the next connections are balanced
        // afresh, so over several expiries the client lands on more than one endpoint.
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..12u64 {
            w.advance_to(SimTime::from_secs(45 + i * 15));
            let d = send(&mut w, "sticky", 5, 0);
            assert_eq!(d.len(), 1, "{mode}: sticky within a window: {d:?}");
            seen.extend(d.keys().cloned());
        }
        assert!(seen.len() > 1, "{mode}: affinity never expired: {seen:?}");
    }
}

#[test]
fn keep_alive_connection_stays_on_its_endpoint() {
    let mut w = world("iptables", "rr");
    let d = send(&mut w, "web", 50, 1);
    assert_eq!(d.len(), 1, "one pooled connection, one endpoint: {d:?}");
    let d = send(&mut w, "web", 300, 3);
    assert!(d.len() <= 3, "{d:?}");
    assert_eq!(backends(&d).iter().sum::<u32>(), 300);
}

#[test]
fn service_without_endpoints_is_rejected_by_its_filter_rule() {
    for mode in ["iptables", "nftables"] {
        let mut w = world(mode, "rr");
        let t = trace(&mut w, &client(), "empty");
        assert_eq!(t.outcome, Outcome::Rejected, "{mode}\n{}", t.render());
        let hits: Vec<String> = t
            .steps
            .iter()
            .flat_map(|s| &s.hits)
            .map(|h| format!("{} {}", h.chain, h.rule))
            .collect();
        // iptables: the filter-table REJECT rule; nftables: the no-endpoint-services map.
        let why = if mode == "iptables" {
            "\"default/empty:http has no endpoints\""
        } else {
            "no-endpoint-services 10.96.100.14 . tcp . 80"
        };
        assert!(hits.iter().any(|h| h.contains(why)), "{mode}: {hits:#?}");
    }
}

#[test]
fn external_traffic_policy_local_drops_on_a_node_without_local_endpoints() {
    for mode in ["iptables", "nftables"] {
        let mut w = world(mode, "rr");
        let outside = Source::External("203.0.113.7".parse().unwrap_or_else(|_| unreachable!()));
        // node-1 (172.18.0.2) has no endpoint of `local`.
        let t = trace(&mut w, &outside, "172.18.0.2:30080");
        assert_eq!(t.outcome, Outcome::Dropped, "{mode}\n{}", t.render());
        // node-2 has one: delivered, and the client's address is preserved.
        let t = trace(&mut w, &outside, "172.18.0.3:30080");
        assert_eq!(
            t.outcome,
            Outcome::Response { status: 200 },
            "{mode}\n{}",
            t.render()
        );
        assert_eq!(
            t.seen_source.map(|s| s.ip().to_string()),
            Some("203.0.113.7".to_owned())
        );
    }
}

#[test]
fn external_traffic_policy_cluster_masquerades_to_the_node_ip() {
    for mode in ["iptables", "ipvs", "nftables"] {
        let mut w = world(mode, "rr");
        let outside = Source::External("203.0.113.7".parse().unwrap_or_else(|_| unreachable!()));
        // The only endpoint is on node-2; entering at node-1 it is forwarded and SNATed.
        let t = trace(&mut w, &outside, "172.18.0.2:30081");
        assert_eq!(
            t.outcome,
            Outcome::Response { status: 200 },
            "{mode}\n{}",
            t.render()
        );
        assert_eq!(
            t.seen_source.map(|s| s.ip().to_string()),
            Some("172.18.0.2".to_owned()),
            "{mode}\n{}",
            t.render()
        );
        let (_, entry) = t
            .conntrack
            .clone()
            .unwrap_or_else(|| panic!("{mode}: no conntrack"));
        assert!(entry.snat() && entry.dnat(), "{mode}: {entry}");
    }
}

#[test]
fn nodes_and_outside_clients_cannot_use_service_names() {
    let mut w = world("iptables", "rr");
    let err = w
        .trace(&Source::Node("node-1".to_owned()), "web")
        .err()
        .unwrap_or_default();
    assert!(err.contains("only pods use the cluster DNS"), "{err}");
    let t = trace(&mut w, &client(), "nosuch");
    assert_eq!(t.outcome, Outcome::NoSuchHost);
}

#[test]
fn same_seed_same_trace() {
    let a = trace(&mut world("iptables", "rr"), &client(), "web").render();
    let b = trace(&mut world("iptables", "rr"), &client(), "web").render();
    assert_eq!(a, b);
}

/// The documentation's Deployment + Service, as a LoadBalancer with
/// `externalTrafficPolicy: Local`: the controllers create the pods and the EndpointSlice, the
/// load balancer gets an IP, kube-proxy programs it, and an outside client reaches a pod with
/// its own address preserved; when a pod stops being ready its rules go away at the next sync.
#[test]
fn deployment_behind_a_load_balancer_end_to_end() {
    let text = r#"
apiVersion: nodelab.dev/v1alpha1
kind: Lab
metadata: {name: lb}
spec:
  nodes: [{name: node-1}, {name: node-2}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: my-nginx}
spec:
  selector: {matchLabels: {run: my-nginx}}
  replicas: 2
  template:
    metadata: {labels: {run: my-nginx}}
    spec:
      containers:
      - name: my-nginx
        image: nginx
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}
---
apiVersion: v1
kind: Service
metadata: {name: my-nginx, labels: {run: my-nginx}}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  ports: [{port: 80, protocol: TCP}]
  selector: {run: my-nginx}
"#;
    let manifests = decode_manifests("lb.yaml", text).unwrap_or_else(|e| panic!("{e:?}"));
    let mut w = World::from_manifests(&manifests, Some(3)).unwrap_or_else(|e| panic!("{e}"));
    w.advance_to(SimTime::from_secs(60));
    let svc = w
        .list(Kind::Service)
        .find_map(|o| match o {
            nodelab_engine::Object::Service(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no service"));
    let lb_ip = svc.status.load_balancer.ingress[0]
        .ip
        .clone()
        .unwrap_or_default();
    let outside = Source::External("198.51.100.9".parse().unwrap_or_else(|_| unreachable!()));
    let t = trace(&mut w, &outside, &format!("{lb_ip}:80"));
    assert_eq!(
        t.outcome,
        Outcome::Response { status: 200 },
        "{}",
        t.render()
    );
    assert!(
        t.steps.iter().any(|s| s.kind == StepKind::LoadBalancer
            && s.detail.iter().any(|d| d.contains("/healthz → 200"))),
        "{}",
        t.render()
    );
    assert_eq!(
        t.seen_source.map(|s| s.ip().to_string()),
        Some("198.51.100.9".to_owned()),
        "eTP Local keeps the client address\n{}",
        t.render()
    );
    let backend = t
        .backend
        .clone()
        .and_then(|b| b.pod)
        .unwrap_or_else(|| panic!("no pod"));
    assert!(backend.name.starts_with("my-nginx-"), "{backend:?}");
    // The backend starts failing readiness: the EndpointSlice marks it not ready, and the
    // next kube-proxy sync drops its KUBE-SEP chain.
    let node = t
        .backend
        .as_ref()
        .and_then(|b| b.node.clone())
        .unwrap_or_default();
    let before = w.proxies()[&node].dataplane().render();
    w.act(nodelab_engine::lab::LabAction::HttpStatus {
        pod: backend.clone(),
        container: None,
        path: "*".to_owned(),
        status: 500,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    w.advance_to(SimTime::from_secs(90));
    let after = w.proxies()[&node].dataplane().render();
    let changes = nodelab_engine::proxy::diff::changes(&before, &after);
    assert!(
        changes
            .lines()
            .any(|l| l.starts_with('-') && l.contains("-j DNAT --to-destination")),
        "{changes}"
    );
}
