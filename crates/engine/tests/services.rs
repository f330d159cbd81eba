//! Services end to end: the EndpointSlice controller following pods
//! (`staging/src/k8s.io/endpointslice/reconciler.go`, `utils.go`), the API server's Service
//! defaulting, validation and allocation, the simulated load balancer (service controller
//! wording), and cluster DNS (kubernetes/dns `docs/specification.md`).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use nodelab_engine::api::discovery::{Endpoint, EndpointSlice};
use nodelab_engine::api::service::Service;
use nodelab_engine::lab::LabAction;
use nodelab_engine::net::dns::{self, QType, Rcode};
use nodelab_engine::proxy::{ProxyConfig, ProxyState};
use nodelab_engine::{Kind, Object, ObjectRef, SimTime, World, decode_manifests};

fn world(yaml: &str) -> World {
    let manifests = decode_manifests("test.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"));
    World::from_manifests(&manifests, Some(1)).unwrap_or_else(|e| panic!("{e}"))
}

/// Applies manifests: a validation error comes back as the decoder reports it (`path:
/// message`, joined), an error of the API server's allocators as the API server words it.
fn apply(w: &mut World, yaml: &str) -> Result<(), String> {
    let manifests = decode_manifests("more.yaml", yaml).map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect::<Vec<_>>()
            .join(", ")
    })?;
    for m in &manifests {
        if let nodelab_engine::Document::Object(o) = &m.document {
            w.apply(o.clone()).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn at(w: &mut World, secs: u64) {
    w.advance_to(SimTime::from_secs(secs));
}

fn slices(w: &World, svc: &str) -> Vec<EndpointSlice> {
    w.list(Kind::EndpointSlice)
        .filter_map(|o| match o {
            Object::EndpointSlice(s)
                if s.metadata
                    .labels
                    .get("kubernetes.io/service-name")
                    .map(String::as_str)
                    == Some(svc) =>
            {
                Some(s.clone())
            }
            _ => None,
        })
        .collect()
}

fn only_slice(w: &World, svc: &str) -> EndpointSlice {
    let all = slices(w, svc);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.into_iter().next().unwrap_or_default()
}

fn service(w: &World, name: &str) -> Service {
    match w.api().get(&ObjectRef::new(Kind::Service, "default", name)) {
        Some(Object::Service(s)) => s.clone(),
        _ => panic!("service {name} not found"),
    }
}

/// `(pod, ready, serving, terminating)` per endpoint.
fn conditions(s: &EndpointSlice) -> Vec<(String, bool, bool, bool)> {
    s.endpoints
        .iter()
        .map(|e: &Endpoint| {
            (
                e.target_ref
                    .as_ref()
                    .and_then(|t| t.name.clone())
                    .unwrap_or_default(),
                e.conditions.ready == Some(true),
                e.conditions.serving == Some(true),
                e.conditions.terminating == Some(true),
            )
        })
        .collect()
}

fn events(w: &World, object: &str) -> Vec<(String, String, String)> {
    w.events()
        .all()
        .iter()
        .filter(|e| e.object.name == object && e.object.kind == Kind::Service)
        .map(|e| {
            (
                format!("{:?}", e.type_),
                e.reason.clone(),
                e.message.clone(),
            )
        })
        .collect()
}

const WEB: &str = "
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {tier: frontend}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 80}
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 5
";

#[test]
fn slices_follow_pod_readiness_and_termination() {
    let mut w = world(WEB);
    // Nothing matches yet: one placeholder slice without endpoints or ports.
    let placeholder = only_slice(&w, "web");
    let name = placeholder.metadata.name.clone();
    let suffix = name.strip_prefix("web-").unwrap_or_default();
    assert_eq!(suffix.len(), 5, "{name}");
    assert!(
        suffix
            .chars()
            .all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c))
    );
    assert_eq!(placeholder.metadata.generate_name, "web-");
    assert!(placeholder.endpoints.is_empty() && placeholder.ports.is_empty());
    assert_eq!(
        placeholder.metadata.labels,
        BTreeMap::from([
            (
                "endpointslice.kubernetes.io/managed-by".to_owned(),
                "endpointslice-controller.k8s.io".to_owned()
            ),
            ("kubernetes.io/service-name".to_owned(), "web".to_owned()),
            ("tier".to_owned(), "frontend".to_owned()),
        ])
    );
    let owner = &placeholder.metadata.owner_references[0];
    let svc = service(&w, "web");
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
        ("Service", "web", svc.metadata.uid.as_str())
    );
    assert_eq!(
        (owner.controller, owner.block_owner_deletion),
        (Some(true), Some(true))
    );

    // Running and ready: the placeholder becomes the real slice (same name).
    at(&mut w, 20);
    let slice = only_slice(&w, "web");
    assert_eq!(slice.metadata.name, name);
    assert_eq!(conditions(&slice), [("web".to_owned(), true, true, false)]);
    let ep = &slice.endpoints[0];
    assert_eq!(ep.addresses, ["10.244.0.2"]);
    assert_eq!(ep.node_name.as_deref(), Some("node-1"));
    assert_eq!(ep.zone, None);
    let port = &slice.ports[0];
    assert_eq!(
        (port.name.as_deref(), port.protocol.as_deref(), port.port),
        (Some("http"), Some("TCP"), Some(80))
    );
    let version = slice.metadata.resource_version.clone();

    // The readiness probe fails three times (period 5 s): ready and serving go false, in a
    // new version of the slice.
    let web = ObjectRef::new(Kind::Pod, "default", "web");
    let fail = LabAction::HttpStatus {
        pod: web.clone(),
        container: None,
        path: "/".to_owned(),
        status: 503,
    };
    assert_eq!(w.act(fail), Ok(()));
    at(&mut w, 40);
    let slice = only_slice(&w, "web");
    assert_eq!(
        conditions(&slice),
        [("web".to_owned(), false, false, false)]
    );
    assert_ne!(slice.metadata.resource_version, version);

    // Ready again, then deleted: terminating, still serving, not ready.
    let heal = LabAction::HttpStatus {
        pod: web.clone(),
        container: None,
        path: "/".to_owned(),
        status: 200,
    };
    assert_eq!(w.act(heal), Ok(()));
    at(&mut w, 50);
    assert_eq!(
        conditions(&only_slice(&w, "web")),
        [("web".to_owned(), true, true, false)]
    );
    assert!(w.delete(&web));
    assert_eq!(
        conditions(&only_slice(&w, "web")),
        [("web".to_owned(), false, true, true)]
    );
    // Once the pod is gone the slice goes back to a placeholder.
    at(&mut w, 90);
    let slice = only_slice(&w, "web");
    assert!(
        slice.endpoints.is_empty() && slice.ports.is_empty(),
        "{slice:#?}"
    );

    // Deleting the Service removes its slices.
    assert!(w.delete(&ObjectRef::new(Kind::Service, "default", "web")));
    assert!(slices(&w, "web").is_empty());
}

#[test]
fn named_target_ports_resolve_per_pod_into_separate_slices() {
    let mut w = world(
        "
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports:
  - {name: web, port: 80, targetPort: http}
---
apiVersion: v1
kind: Pod
metadata: {name: a, labels: {app: api}}
spec:
  containers:
  - name: c
    image: nginx:1.27
    ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, labels: {app: api}}
spec:
  containers:
  - name: c
    image: nginx:1.27
    ports: [{name: http, containerPort: 9090}]
---
apiVersion: v1
kind: Pod
metadata: {name: c, labels: {app: api}}
spec:
  containers:
  - {name: c, image: nginx:1.27}
",
    );
    at(&mut w, 20);
    let mut found: Vec<(Vec<i32>, Vec<String>)> = slices(&w, "api")
        .iter()
        .map(|s| {
            (
                s.ports.iter().filter_map(|p| p.port).collect(),
                conditions(s).into_iter().map(|c| c.0).collect(),
            )
        })
        .collect();
    found.sort();
    // A pod without the named port gets a slice with no ports (kube-proxy ignores it).
    assert_eq!(
        found,
        [
            (vec![], vec!["c".to_owned()]),
            (vec![8080], vec!["a".to_owned()]),
            (vec![9090], vec!["b".to_owned()]),
        ]
    );
    // kube-proxy sees one service port with both resolved endpoints.
    let services: Vec<Service> = vec![service(&w, "api")];
    let all = slices(&w, "api");
    let state = ProxyState::from_objects(ProxyConfig::default(), &services, &all);
    let eps: Vec<String> = state
        .endpoints_of(&state.services[0])
        .iter()
        .map(|e| e.endpoint())
        .collect();
    assert_eq!(eps, ["10.244.0.2:8080", "10.244.0.3:9090"]);
}

const HEADLESS: &str = "
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: db}
  ports:
  - {name: pg, port: 5432}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, labels: {app: db}}
spec:
  hostname: db-0
  subdomain: db
  containers:
  - name: c
    image: busybox:1.36
    command: [sh, -c, sleep 3600]
    readinessProbe:
      exec: {command: [cat, /tmp/ready]}
";

#[test]
fn publish_not_ready_addresses_marks_unready_pods_ready() {
    let mut w = world(HEADLESS);
    at(&mut w, 20);
    let slice = only_slice(&w, "db");
    assert_eq!(
        conditions(&slice),
        [("db-0".to_owned(), true, false, false)]
    );
    assert_eq!(slice.endpoints[0].hostname.as_deref(), Some("db-0"));
    assert_eq!(
        slice.metadata.labels.get("service.kubernetes.io/headless"),
        Some(&String::new())
    );
    // DNS publishes it: the Service name, the pod's hostname record and SRV.
    let a = dns::query(w.api(), "db.default.svc.cluster.local.", QType::A);
    assert_eq!(
        a.to_string(),
        "db.default.svc.cluster.local. 30 IN A 10.244.0.2"
    );
    let host = dns::query(w.api(), "db-0.db.default.svc.cluster.local.", QType::A);
    assert_eq!(host.addresses(), [Ipv4Addr::new(10, 244, 0, 2)]);
    let srv = dns::query(
        w.api(),
        "_pg._tcp.db.default.svc.cluster.local.",
        QType::Srv,
    );
    assert_eq!(
        srv.to_string(),
        "_pg._tcp.db.default.svc.cluster.local. 30 IN SRV 0 100 5432 db-0.db.default.svc.cluster.local."
    );

    // Without publishNotReadyAddresses the unready pod is not published: NXDOMAIN.
    let mut w = world(&HEADLESS.replace("publishNotReadyAddresses: true", ""));
    at(&mut w, 20);
    assert_eq!(
        conditions(&only_slice(&w, "db")),
        [("db-0".to_owned(), false, false, false)]
    );
    let a = dns::query(w.api(), "db.default.svc.cluster.local.", QType::A);
    assert_eq!(a.rcode, Rcode::NxDomain);
}

const ZONES: &str = "
apiVersion: nodelab.dev/v1alpha1
kind: Lab
metadata: {name: zones}
spec:
  nodes:
  - {name: node-a, zone: zone-a}
  - {name: node-b, zone: zone-b}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  trafficDistribution: PreferSameZone
  selector: {app: web}
  ports:
  - {port: 80}
---
apiVersion: v1
kind: Pod
metadata: {name: web-a, labels: {app: web}}
spec:
  nodeName: node-a
  containers:
  - {name: nginx, image: nginx:1.27}
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, labels: {app: web}}
spec:
  nodeName: node-b
  containers:
  - {name: nginx, image: nginx:1.27}
";

/// `(zone, forZones, forNodes)` per endpoint.
fn hints(s: &EndpointSlice) -> Vec<(Option<String>, Vec<String>, Vec<String>)> {
    s.endpoints
        .iter()
        .map(|e| {
            let h = e.hints.clone().unwrap_or_default();
            (
                e.zone.clone(),
                h.for_zones.into_iter().map(|z| z.name).collect(),
                h.for_nodes.into_iter().map(|n| n.name).collect(),
            )
        })
        .collect()
}

#[test]
fn traffic_distribution_hints_each_endpoint_at_its_own_zone_or_node() {
    let mut w = world(ZONES);
    at(&mut w, 20);
    let s = |v: &str| v.to_owned();
    let slice = only_slice(&w, "web");
    assert_eq!(
        hints(&slice),
        [
            (Some(s("zone-a")), vec![s("zone-a")], vec![]),
            (Some(s("zone-b")), vec![s("zone-b")], vec![]),
        ]
    );
    // kube-proxy in zone-a keeps to its zone's endpoint.
    let config = ProxyConfig {
        node_name: s("node-a"),
        zone: Some(s("zone-a")),
        ..ProxyConfig::default()
    };
    let services = vec![service(&w, "web")];
    let state = ProxyState::from_objects(config, &services, std::slice::from_ref(&slice));
    let picked: Vec<String> = state
        .categorize(&state.services[0])
        .cluster
        .iter()
        .map(|e| e.endpoint())
        .collect();
    assert_eq!(picked, ["10.244.0.2:80"]);

    // PreferSameNode adds node hints (and keeps zone hints, trafficdist.go).
    let mut w = world(&ZONES.replace("PreferSameZone", "PreferSameNode"));
    at(&mut w, 20);
    assert_eq!(
        hints(&only_slice(&w, "web")),
        [
            (Some(s("zone-a")), vec![s("zone-a")], vec![s("node-a")]),
            (Some(s("zone-b")), vec![s("zone-b")], vec![s("node-b")]),
        ]
    );
    // Without trafficDistribution: no hints.
    let mut w = world(&ZONES.replace("  trafficDistribution: PreferSameZone\n", ""));
    at(&mut w, 20);
    assert_eq!(
        hints(&only_slice(&w, "web")),
        [
            (Some(s("zone-a")), vec![], vec![]),
            (Some(s("zone-b")), vec![], vec![]),
        ]
    );
}

#[test]
fn external_name_and_selectorless_services_get_no_controller_slices() {
    let mut w = world(
        "
apiVersion: v1
kind: Service
metadata: {name: search}
spec:
  type: ExternalName
  externalName: example.com
---
apiVersion: v1
kind: Service
metadata: {name: legacy}
spec:
  ports:
  - {port: 5432}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: legacy-1
  labels: {kubernetes.io/service-name: legacy}
addressType: IPv4
ports:
- {name: '', port: 5432, protocol: TCP}
endpoints:
- addresses: [192.168.1.10]
",
    );
    at(&mut w, 30);
    assert!(slices(&w, "search").is_empty());
    let legacy = only_slice(&w, "legacy");
    assert_eq!(legacy.metadata.name, "legacy-1");
    assert!(
        !legacy
            .metadata
            .labels
            .contains_key("endpointslice.kubernetes.io/managed-by")
    );
    let version = legacy.metadata.resource_version.clone();
    at(&mut w, 60);
    assert_eq!(only_slice(&w, "legacy").metadata.resource_version, version);
    assert_eq!(service(&w, "search").spec.cluster_ip, None);

    // ExternalName is a CNAME; the resolver ends at the target's address.
    let cname = dns::query(w.api(), "search.default.svc.cluster.local.", QType::A);
    assert_eq!(
        cname.to_string(),
        "search.default.svc.cluster.local. 30 IN CNAME example.com.\nexample.com. 30 IN A 23.192.228.80"
    );
    let r = dns::resolve(w.api(), "default", "search", QType::A);
    assert_eq!(r.name, "example.com");
    assert_eq!(r.answer.addresses(), [Ipv4Addr::new(23, 192, 228, 80)]);
    // The user's endpoint answers the reverse lookup.
    let ptr = dns::query(w.api(), "10.1.168.192.in-addr.arpa.", QType::Ptr);
    assert_eq!(
        ptr.to_string(),
        "10.1.168.192.in-addr.arpa. 30 IN PTR 192-168-1-10.legacy.default.svc.cluster.local."
    );
}

#[test]
fn load_balancers_get_pool_addresses_and_service_controller_events() {
    let mut w = world(
        "
apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  type: LoadBalancer
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: c}
spec:
  type: LoadBalancer
  loadBalancerIP: 172.18.255.240
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: d}
spec:
  type: LoadBalancer
  loadBalancerClass: example.com/other
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: e}
spec:
  type: LoadBalancer
  loadBalancerIP: 10.0.0.1
  ports: [{port: 80}]
",
    );
    let ingress = |w: &World, name: &str| -> Vec<(Option<String>, Option<String>)> {
        service(w, name)
            .status
            .load_balancer
            .ingress
            .iter()
            .map(|i| (i.ip.clone(), i.ip_mode.clone()))
            .collect()
    };
    let vip = |ip: &str| vec![(Some(ip.to_owned()), Some("VIP".to_owned()))];
    assert_eq!(ingress(&w, "a"), vip("172.18.255.200"));
    assert_eq!(ingress(&w, "b"), vip("172.18.255.201"));
    assert_eq!(ingress(&w, "c"), vip("172.18.255.240"));
    assert_eq!(ingress(&w, "d"), []);
    assert_eq!(ingress(&w, "e"), []);
    let normal = |r: &str, m: &str| ("Normal".to_owned(), r.to_owned(), m.to_owned());
    assert_eq!(
        events(&w, "a"),
        [
            normal("EnsuringLoadBalancer", "Ensuring load balancer"),
            normal("EnsuredLoadBalancer", "Ensured load balancer"),
        ]
    );
    assert!(events(&w, "d").is_empty());
    assert_eq!(
        events(&w, "e"),
        [
            normal("EnsuringLoadBalancer", "Ensuring load balancer"),
            (
                "Warning".to_owned(),
                "SyncLoadBalancerFailed".to_owned(),
                "Error syncing load balancer: failed to ensure load balancer: requested IP 10.0.0.1 is not in the load balancer pool 172.18.255.200-172.18.255.250".to_owned()
            ),
        ]
    );
    assert_eq!(
        service(&w, "a").metadata.finalizers,
        ["service.kubernetes.io/load-balancer-cleanup"]
    );
    // Re-applying the same manifest changes nothing; turning it into a ClusterIP Service
    // deletes the load balancer.
    assert_eq!(
        apply(
            &mut w,
            "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n"
        ),
        Ok(())
    );
    assert_eq!(ingress(&w, "a"), vip("172.18.255.200"));
    assert_eq!(events(&w, "a").len(), 2);
    assert_eq!(
        apply(
            &mut w,
            "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ports: [{port: 80}]\n"
        ),
        Ok(())
    );
    let a = service(&w, "a");
    assert_eq!(ingress(&w, "a"), []);
    assert!(a.metadata.finalizers.is_empty());
    assert_eq!(a.spec.ports[0].node_port, None);
    assert_eq!(
        events(&w, "a")[2..],
        [
            normal("DeletingLoadBalancer", "Deleting load balancer"),
            normal("DeletedLoadBalancer", "Deleted load balancer"),
        ]
    );

    // The Lab's pool.
    let mut w = world(
        "
apiVersion: nodelab.dev/v1alpha1
kind: Lab
metadata: {name: lb}
spec:
  loadBalancerPool: 192.168.50.0/30
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  type: LoadBalancer
  ports: [{port: 80}]
",
    );
    at(&mut w, 1);
    assert_eq!(ingress(&w, "a"), vip("192.168.50.0"));
}

#[test]
fn health_check_node_port_is_allocated_for_local_load_balancers() {
    let mut w = world(
        "
apiVersion: v1
kind: Service
metadata: {name: local}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  ports: [{port: 80, name: http}, {port: 443, name: https}]
---
apiVersion: v1
kind: Service
metadata: {name: np}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  ports: [{port: 80}]
",
    );
    at(&mut w, 1);
    let local = service(&w, "local");
    let hc = local.spec.health_check_node_port.unwrap_or_default();
    assert!((30000..=32767).contains(&hc), "{hc}");
    let node_ports: Vec<i32> = local
        .spec
        .ports
        .iter()
        .filter_map(|p| p.node_port)
        .collect();
    assert_eq!(node_ports.len(), 2);
    assert!(!node_ports.contains(&hc));
    // Dynamic node ports come from the upper band (the first 86 ports are for static use).
    assert!(
        node_ports.iter().all(|p| (30086..=32767).contains(p)),
        "{node_ports:?}"
    );
    assert_eq!(service(&w, "np").spec.health_check_node_port, None);
    // Switching to Cluster releases it; a requested one that is taken is refused.
    let taken = format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: other}}\nspec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n  healthCheckNodePort: {}\n  ports: [{{port: 80}}]\n",
        node_ports[0]
    );
    assert_eq!(
        apply(&mut w, &taken),
        Err(format!(
            "Service \"other\" is invalid: spec.healthCheckNodePort: Invalid value: {0}: failed to allocate requested HealthCheck NodePort {0}: provided port is already allocated",
            node_ports[0]
        ))
    );
}

#[test]
fn cluster_ips_are_random_in_the_upper_band_and_repeat_with_the_seed() {
    let yaml: String = (0..40)
        .map(|i| {
            format!("apiVersion: v1\nkind: Service\nmetadata: {{name: s{i}}}\nspec:\n  ports: [{{port: 80}}]\n---\n")
        })
        .collect();
    let ips = |w: &World| -> Vec<Ipv4Addr> {
        (0..40)
            .filter_map(|i| service(w, &format!("s{i}")).spec.cluster_ip?.parse().ok())
            .collect()
    };
    let first = ips(&world(&yaml));
    assert_eq!(first.len(), 40);
    assert_eq!(first, ips(&world(&yaml)), "same seed, same addresses");
    let lo = u32::from(Ipv4Addr::new(10, 96, 1, 1));
    let hi = u32::from(Ipv4Addr::new(10, 111, 255, 254));
    assert!(
        first.iter().all(|ip| (lo..=hi).contains(&u32::from(*ip))),
        "{first:?}"
    );
    // Spread over the /12, not handed out in order.
    let second_octets: std::collections::BTreeSet<u8> =
        first.iter().map(|ip| ip.octets()[1]).collect();
    assert!(second_octets.len() >= 8, "{second_octets:?}");
    let mut sorted = first.clone();
    sorted.sort();
    assert_ne!(sorted, first);
    // A static address in the lower band is honoured; taking it twice is refused.
    let mut w = world(
        "apiVersion: v1\nkind: Service\nmetadata: {name: fixed}\nspec:\n  clusterIP: 10.96.0.50\n  ports: [{port: 80}]\n",
    );
    assert_eq!(service(&w, "fixed").spec.cluster_ips, ["10.96.0.50"]);
    assert_eq!(
        apply(&mut w, "apiVersion: v1\nkind: Service\nmetadata: {name: again}\nspec:\n  clusterIP: 10.96.0.50\n  ports: [{port: 80}]\n"),
        Err("Service \"again\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.50\"}: failed to allocate IP 10.96.0.50: provided IP is already allocated".to_owned())
    );
    assert_eq!(
        apply(&mut w, "apiVersion: v1\nkind: Service\nmetadata: {name: far}\nspec:\n  clusterIP: 10.200.0.1\n  ports: [{port: 80}]\n"),
        Err("Service \"far\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.200.0.1\"}: failed to allocate IP 10.200.0.1: the provided IP (10.200.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12".to_owned())
    );
}

#[test]
fn invalid_services_are_refused_with_the_api_server_wording() {
    let cases: &[(&str, &str)] = &[
        (
            "spec:\n  selector: {app: x}\n",
            "spec.ports: Required value",
        ),
        (
            "spec:\n  ports: [{name: http, port: 80}, {name: http, port: 81}]\n",
            "spec.ports[1].name: Duplicate value: \"http\"",
        ),
        (
            "spec:\n  ports: [{port: 80}, {port: 81}]\n",
            "spec.ports[0].name: Required value, spec.ports[1].name: Required value",
        ),
        (
            "spec:\n  ports: [{port: 0}]\n",
            // `targetPort` defaults to `port`, so it is reported too.
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        ),
        (
            "spec:\n  ports: [{port: 80}, {port: 80, name: again}]\n",
            "spec.ports[0].name: Required value, spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}",
        ),
        (
            "spec:\n  type: NodePort\n  ports: [{port: 80, nodePort: 40000}]\n",
            "spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767",
        ),
        (
            "spec:\n  externalTrafficPolicy: Local\n  ports: [{port: 80}]\n",
            "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services",
        ),
        (
            "spec:\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}\n  ports: [{port: 80}]\n",
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400",
        ),
        (
            "spec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/33]\n  ports: [{port: 80}]\n",
            "spec.LoadBalancerSourceRanges[0]: Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        ),
        (
            "spec:\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports: [{port: 80}]\n",
            "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
        ),
        (
            "spec:\n  type: ExternalName\n",
            "spec.externalName: Required value",
        ),
        (
            "spec:\n  type: ExternalName\n  externalName: Not_A_Name\n",
            "spec.externalName: Invalid value: \"Not_A_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
        (
            "spec:\n  type: NodePort\n  clusterIP: None\n  ports: [{port: 80}]\n",
            "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services",
        ),
        (
            "spec:\n  trafficDistribution: Nearby\n  ports: [{port: 80}]\n",
            "spec.trafficDistribution: Unsupported value: \"Nearby\": supported values: \"PreferClose\", \"PreferSameZone\", \"PreferSameNode\"",
        ),
        (
            "spec:\n  healthCheckNodePort: 30000\n  ports: [{port: 80}]\n",
            "spec.healthCheckNodePort: Invalid value: 30000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
        (
            "spec:\n  ports: [{port: 80, nodePort: 30080}]\n",
            "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
        ),
        (
            "spec:\n  ports: [{port: 80, targetPort: my--port}]\n",
            "spec.ports[0].targetPort: Invalid value: \"my--port\": must not contain consecutive hyphens",
        ),
        (
            "spec:\n  loadBalancerClass: example.com/lb\n  ports: [{port: 80}]\n",
            "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'",
        ),
        (
            "spec:\n  externalIPs: [127.0.0.1]\n  ports: [{port: 80}]\n",
            "spec.externalIPs[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ),
        (
            "spec:\n  clusterIP: 10.96.0.300\n  ports: [{port: 80}]\n",
            "spec.clusterIPs[0]: Invalid value: \"10.96.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ),
    ];
    for (spec, message) in cases {
        let mut w = World::new(1);
        let yaml = format!("apiVersion: v1\nkind: Service\nmetadata: {{name: bad}}\n{spec}");
        assert_eq!(apply(&mut w, &yaml), Err((*message).to_owned()), "{spec}");
    }
}

#[test]
fn service_defaults_are_filled_in() {
    let w = world(
        "
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  sessionAffinity: ClientIP
  ports: [{port: 8080}]
",
    );
    let s = service(&w, "lb").spec;
    assert_eq!(s.external_traffic_policy.as_deref(), Some("Cluster"));
    assert_eq!(s.internal_traffic_policy.as_deref(), Some("Cluster"));
    assert_eq!(s.allocate_load_balancer_node_ports, Some(true));
    assert_eq!(
        s.session_affinity_config
            .and_then(|c| c.client_ip?.timeout_seconds),
        Some(10_800)
    );
    assert_eq!(s.ports[0].protocol.as_deref(), Some("TCP"));
    assert_eq!(
        s.ports[0].target_port,
        Some(nodelab_engine::api::meta::IntOrString::Int(8080))
    );
    assert_eq!(s.ip_families, ["IPv4"]);
    assert_eq!(s.ip_family_policy.as_deref(), Some("SingleStack"));
}

#[test]
fn dns_search_path_order_and_answers() {
    let mut w = world(WEB);
    at(&mut w, 20);
    let ip = service(&w, "web").spec.cluster_ip.unwrap_or_default();
    let tries = |r: &dns::Resolution| -> Vec<(String, String)> {
        r.tries
            .iter()
            .map(|q| (q.name.clone(), q.answer.to_string()))
            .collect()
    };
    let s = |v: &str| v.to_owned();
    // A short name is found with the first search domain.
    let r = dns::resolve(w.api(), "default", "web", QType::A);
    assert_eq!(
        tries(&r),
        [(
            s("web.default.svc.cluster.local."),
            format!("web.default.svc.cluster.local. 30 IN A {ip}")
        )]
    );
    // From another namespace `web.default` needs the second search domain.
    let r = dns::resolve(w.api(), "dev", "web.default", QType::A);
    assert_eq!(
        tries(&r),
        [
            (s("web.default.dev.svc.cluster.local."), s("NXDOMAIN")),
            (
                s("web.default.svc.cluster.local."),
                format!("web.default.svc.cluster.local. 30 IN A {ip}")
            ),
        ]
    );
    assert_eq!(r.name, "web.default.svc.cluster.local");
    // An unknown name: every search domain, then the name as is.
    let r = dns::resolve(w.api(), "default", "nope", QType::A);
    let names: Vec<String> = r.tries.iter().map(|q| q.name.clone()).collect();
    assert_eq!(
        names,
        [
            "nope.default.svc.cluster.local.",
            "nope.svc.cluster.local.",
            "nope.cluster.local.",
            "nope."
        ]
    );
    assert_eq!(r.answer.rcode, Rcode::NxDomain);
    // The full name has only four dots, fewer than ndots:5: the search list goes first and
    // the name as is comes last.
    let r = dns::resolve(
        w.api(),
        "default",
        "web.default.svc.cluster.local",
        QType::A,
    );
    let names: Vec<String> = r.tries.iter().map(|q| q.name.clone()).collect();
    assert_eq!(
        names,
        [
            "web.default.svc.cluster.local.default.svc.cluster.local.",
            "web.default.svc.cluster.local.svc.cluster.local.",
            "web.default.svc.cluster.local.cluster.local.",
            "web.default.svc.cluster.local."
        ]
    );
    assert_eq!(r.answer.addresses().len(), 1);
    // With the trailing dot it is asked once; with five dots it goes out as is first.
    let r = dns::resolve(
        w.api(),
        "default",
        "web.default.svc.cluster.local.",
        QType::A,
    );
    assert_eq!(r.tries.len(), 1);
    let r = dns::resolve(
        w.api(),
        "default",
        "10-244-0-2.web.default.svc.cluster.local",
        QType::A,
    );
    assert_eq!(
        tries(&r),
        [(
            s("10-244-0-2.web.default.svc.cluster.local."),
            s("10-244-0-2.web.default.svc.cluster.local. 30 IN A 10.244.0.2")
        )]
    );
    // SRV for the named port and PTR for the cluster IP and the pod.
    let srv = dns::query(
        w.api(),
        "_http._tcp.web.default.svc.cluster.local.",
        QType::Srv,
    );
    assert_eq!(
        srv.to_string(),
        "_http._tcp.web.default.svc.cluster.local. 30 IN SRV 0 100 80 web.default.svc.cluster.local."
    );
    let addr: Ipv4Addr = ip.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
    assert_eq!(
        dns::reverse(w.api(), addr).as_deref(),
        Some("web.default.svc.cluster.local.")
    );
    assert_eq!(
        dns::reverse(w.api(), Ipv4Addr::new(10, 244, 0, 2)).as_deref(),
        Some("10-244-0-2.web.default.svc.cluster.local.")
    );
    assert_eq!(
        dns::query(
            w.api(),
            "_http._udp.web.default.svc.cluster.local.",
            QType::Srv
        )
        .rcode,
        Rcode::NxDomain
    );
}

#[test]
fn headless_srv_targets_every_ready_endpoint() {
    let mut w = world(
        "
apiVersion: v1
kind: Service
metadata: {name: peers}
spec:
  clusterIP: None
  selector: {app: peers}
  ports: [{name: gossip, port: 7946, targetPort: 7000}]
---
apiVersion: v1
kind: Pod
metadata: {name: p1, labels: {app: peers}}
spec:
  containers: [{name: c, image: nginx:1.27}]
---
apiVersion: v1
kind: Pod
metadata: {name: p2, labels: {app: peers}}
spec:
  containers: [{name: c, image: nginx:1.27}]
",
    );
    at(&mut w, 20);
    let a = dns::query(w.api(), "peers.default.svc.cluster.local.", QType::A);
    assert_eq!(
        a.to_string(),
        "peers.default.svc.cluster.local. 30 IN A 10.244.0.2\npeers.default.svc.cluster.local. 30 IN A 10.244.0.3"
    );
    let srv = dns::query(
        w.api(),
        "_gossip._tcp.peers.default.svc.cluster.local.",
        QType::Srv,
    );
    assert_eq!(
        srv.to_string(),
        "_gossip._tcp.peers.default.svc.cluster.local. 30 IN SRV 0 50 7000 10-244-0-2.peers.default.svc.cluster.local.\n_gossip._tcp.peers.default.svc.cluster.local. 30 IN SRV 0 50 7000 10-244-0-3.peers.default.svc.cluster.local."
    );
    let one = dns::query(
        w.api(),
        "10-244-0-3.peers.default.svc.cluster.local.",
        QType::A,
    );
    assert_eq!(one.addresses(), [Ipv4Addr::new(10, 244, 0, 3)]);
}

#[test]
fn busybox_nslookup_in_a_pod_uses_cluster_dns() {
    let mut w = world(&format!(
        "{WEB}---
apiVersion: v1
kind: Pod
metadata: {{name: client}}
spec:
  containers:
  - name: c
    image: busybox:1.28
    command: [sh, -c, 'sleep 5; nslookup web; nslookup nope; sleep 3600']
"
    ));
    at(&mut w, 30);
    let ip = service(&w, "web").spec.cluster_ip.unwrap_or_default();
    let log: Vec<String> = w
        .logs(&ObjectRef::new(Kind::Pod, "default", "client"), None, false)
        .unwrap_or_default()
        .into_iter()
        .map(|l| l.text)
        .collect();
    assert_eq!(
        log,
        [
            "Server:    10.96.0.10".to_owned(),
            "Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local".to_owned(),
            String::new(),
            "Name:      web".to_owned(),
            format!("Address 1: {ip} web.default.svc.cluster.local"),
            "Server:    10.96.0.10".to_owned(),
            "Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local".to_owned(),
            String::new(),
            "nslookup: can't resolve 'nope'".to_owned(),
        ]
    );
}
