//! `kubectl get pods|svc|endpointslices [-o wide]` as tables of cells, with kubectl's columns
//! and cell formats from the server-side table printers (`printPod`, `printService`,
//! `printEndpointSlice` in kubernetes/kubernetes `pkg/printers/internalversion/printers.go`)
//! and AGE from `translateTimestampSince` (`duration.HumanDuration`, here
//! [`crate::time::human_duration`]).

use std::fmt;

use crate::api::discovery::{Endpoint, EndpointPort, EndpointSlice};
use crate::api::service::Service;
use crate::api::{Kind, Object};
use crate::time::{SimTime, human_duration};
use crate::world::World;

use super::{pod_rows, rfc3339_to_ms, table};

/// A resource `kubectl get` can list here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// `pods` (`po`, `pod`).
    Pods,
    /// `services` (`svc`, `service`).
    Services,
    /// `endpointslices` (`endpointslice`, `endpointslices.discovery.k8s.io`).
    EndpointSlices,
}

impl Resource {
    /// Every resource, in the order a UI switcher shows them.
    pub const ALL: [Resource; 3] = [Resource::Pods, Resource::Services, Resource::EndpointSlices];

    /// The resource a `kubectl get` argument names (plural, singular or short name, as
    /// discovery lists them).
    pub fn parse(text: &str) -> Option<Resource> {
        match text {
            "pods" | "pod" | "po" => Some(Resource::Pods),
            "services" | "service" | "svc" => Some(Resource::Services),
            "endpointslices"
            | "endpointslice"
            | "endpointslices.discovery.k8s.io"
            | "endpointslice.discovery.k8s.io" => Some(Resource::EndpointSlices),
            _ => None,
        }
    }

    /// The plural name (`pods`, `services`, `endpointslices`).
    pub fn plural(self) -> &'static str {
        match self {
            Resource::Pods => "pods",
            Resource::Services => "services",
            Resource::EndpointSlices => "endpointslices",
        }
    }

    /// The name a learner types (`pods`, `svc`, `endpointslices`).
    pub fn short(self) -> &'static str {
        match self {
            Resource::Pods => "pods",
            Resource::Services => "svc",
            Resource::EndpointSlices => "endpointslices",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}

/// A `kubectl get` result: column headers (upper case, as kubectl prints them) and rows of
/// cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubectlTable {
    /// Column headers.
    pub headers: Vec<&'static str>,
    /// One row per object, one cell per header.
    pub rows: Vec<Vec<String>>,
}

impl KubectlTable {
    /// kubectl's text: tabwriter-aligned columns, or `No resources found in NS namespace.`
    /// when there are no rows (kubectl prints that to stderr; here it is the whole text).
    pub fn render(&self, namespace: Option<&str>) -> String {
        if self.rows.is_empty() {
            return match namespace {
                Some(ns) => format!("No resources found in {ns} namespace.\n"),
                None => "No resources found\n".to_owned(),
            };
        }
        table(&self.headers, &self.rows)
    }
}

/// `kubectl get RESOURCE [-o wide]` in `namespace` (`None`: `--all-namespaces`, which adds
/// a NAMESPACE column first) at the world's current time.
pub fn get(world: &World, resource: Resource, namespace: Option<&str>, wide: bool) -> KubectlTable {
    let mut t = match resource {
        Resource::Pods => pods(world, namespace, wide),
        Resource::Services => services(world, namespace, wide),
        Resource::EndpointSlices => endpoint_slices(world, namespace),
    };
    if namespace.is_none() {
        t.headers.insert(0, "NAMESPACE");
    }
    t
}

fn in_namespace(ns: &str, namespace: Option<&str>) -> bool {
    namespace.is_none_or(|n| n == ns)
}

/// AGE: `translateTimestampSince(creationTimestamp)`; `<unknown>` without a timestamp.
fn age(now: SimTime, created: Option<&str>) -> String {
    match created {
        Some(ts) => human_duration(now.as_millis().saturating_sub(rfc3339_to_ms(ts))),
        None => "<unknown>".to_owned(),
    }
}

fn pods(world: &World, namespace: Option<&str>, wide: bool) -> KubectlTable {
    let mut headers = vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"];
    if wide {
        headers.extend(["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
    }
    let rows = pod_rows(world)
        .into_iter()
        .filter(|r| in_namespace(&r.namespace, namespace))
        .map(|r| {
            let mut cells = Vec::new();
            if namespace.is_none() {
                cells.push(r.namespace);
            }
            cells.extend([r.name, r.ready, r.status, r.restarts, r.age]);
            if wide {
                cells.extend([r.ip, r.node, "<none>".to_owned(), "<none>".to_owned()]);
            }
            cells
        })
        .collect();
    KubectlTable { headers, rows }
}

fn services(world: &World, namespace: Option<&str>, wide: bool) -> KubectlTable {
    let mut headers = vec![
        "NAME",
        "TYPE",
        "CLUSTER-IP",
        "EXTERNAL-IP",
        "PORT(S)",
        "AGE",
    ];
    if wide {
        headers.push("SELECTOR");
    }
    let rows = world
        .list(Kind::Service)
        .filter_map(|o| match o {
            Object::Service(s) if in_namespace(&s.metadata.namespace, namespace) => {
                let mut cells = Vec::new();
                if namespace.is_none() {
                    cells.push(s.metadata.namespace.clone());
                }
                cells.extend(service_cells(s, world.now(), wide));
                Some(cells)
            }
            _ => None,
        })
        .collect();
    KubectlTable { headers, rows }
}

/// `printService`: NAME, TYPE, CLUSTER-IP (`spec.clusterIPs[0]`, `<none>`), EXTERNAL-IP
/// (`getServiceExternalIP`), PORT(S) (`makePortString`), AGE and, wide, SELECTOR
/// (`labels.FormatLabels`).
pub fn service_cells(svc: &Service, now: SimTime, wide: bool) -> Vec<String> {
    let type_ = svc
        .spec
        .type_
        .clone()
        .unwrap_or_else(|| "ClusterIP".to_owned());
    let cluster_ip = svc
        .spec
        .cluster_ips
        .first()
        .or(svc.spec.cluster_ip.as_ref())
        .cloned()
        .unwrap_or_else(|| "<none>".to_owned());
    let ports = port_string(svc);
    let mut cells = vec![
        svc.metadata.name.clone(),
        type_,
        cluster_ip,
        external_ip(svc, wide),
        if ports.is_empty() {
            "<none>".to_owned()
        } else {
            ports
        },
        age(now, svc.metadata.creation_timestamp.as_deref()),
    ];
    if wide {
        // labels.FormatLabels: sorted `k=v` joined by commas, `<none>` when empty.
        let selector: Vec<String> = svc
            .spec
            .selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        cells.push(if selector.is_empty() {
            "<none>".to_owned()
        } else {
            selector.join(",")
        });
    }
    cells
}

/// `getServiceExternalIP`: external IPs for ClusterIP and NodePort (`<none>` without), the
/// load balancer's ingress (deduplicated and sorted, clipped to 16 characters unless wide)
/// then external IPs for LoadBalancer (`<pending>` with neither), the external name for
/// ExternalName.
fn external_ip(svc: &Service, wide: bool) -> String {
    let externals = &svc.spec.external_ips;
    match svc.spec.type_.as_deref().unwrap_or("ClusterIP") {
        "ClusterIP" | "NodePort" => {
            if externals.is_empty() {
                "<none>".to_owned()
            } else {
                externals.join(",")
            }
        }
        "LoadBalancer" => {
            // loadBalancerStatusStringer: a sets.String, so sorted and unique.
            let mut ingress: Vec<&str> = svc
                .status
                .load_balancer
                .ingress
                .iter()
                .filter_map(|i| {
                    i.ip.as_deref()
                        .filter(|s| !s.is_empty())
                        .or(i.hostname.as_deref().filter(|s| !s.is_empty()))
                })
                .collect();
            ingress.sort_unstable();
            ingress.dedup();
            let mut lb = ingress.join(",");
            const LOAD_BALANCER_WIDTH: usize = 16;
            if !wide && lb.len() > LOAD_BALANCER_WIDTH {
                lb.truncate(LOAD_BALANCER_WIDTH - 3);
                lb.push_str("...");
            }
            if !externals.is_empty() {
                let mut all: Vec<&str> = Vec::new();
                if !lb.is_empty() {
                    all.extend(lb.split(','));
                }
                all.extend(externals.iter().map(String::as_str));
                all.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".to_owned()
            }
        }
        "ExternalName" => svc.spec.external_name.clone().unwrap_or_default(),
        _ => "<unknown>".to_owned(),
    }
}

/// `makePortString`: `PORT/PROTOCOL`, or `PORT:NODEPORT/PROTOCOL` with a node port, joined
/// by commas.
fn port_string(svc: &Service) -> String {
    svc.spec
        .ports
        .iter()
        .map(|p| {
            let proto = p.protocol.as_deref().unwrap_or("TCP");
            match p.node_port {
                Some(n) if n > 0 => format!("{}:{n}/{proto}", p.port),
                _ => format!("{}/{proto}", p.port),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn endpoint_slices(world: &World, namespace: Option<&str>) -> KubectlTable {
    let headers = vec!["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"];
    let rows = world
        .list(Kind::EndpointSlice)
        .filter_map(|o| match o {
            Object::EndpointSlice(s) if in_namespace(&s.metadata.namespace, namespace) => {
                let mut cells = Vec::new();
                if namespace.is_none() {
                    cells.push(s.metadata.namespace.clone());
                }
                cells.extend(endpoint_slice_cells(s, world.now()));
                Some(cells)
            }
            _ => None,
        })
        .collect();
    KubectlTable { headers, rows }
}

/// `printEndpointSlice`: NAME, ADDRESSTYPE, PORTS (`formatDiscoveryPorts`), ENDPOINTS
/// (`formatDiscoveryEndpoints`), AGE. `-o wide` adds no column.
pub fn endpoint_slice_cells(slice: &EndpointSlice, now: SimTime) -> Vec<String> {
    vec![
        slice.metadata.name.clone(),
        slice.address_type.clone(),
        discovery_ports(&slice.ports),
        discovery_endpoints(&slice.endpoints),
        age(now, slice.metadata.creation_timestamp.as_deref()),
    ]
}

/// The first three of `items` joined by commas, then ` + N more...`; `<unset>` when empty
/// (`listWithMoreString`).
fn list_with_more(items: Vec<String>) -> String {
    const MAX: usize = 3;
    let count = items.len();
    let shown = items.into_iter().take(MAX).collect::<Vec<_>>().join(",");
    if count > MAX {
        format!("{shown} + {} more...", count - MAX)
    } else if shown.is_empty() {
        "<unset>".to_owned()
    } else {
        shown
    }
}

/// `formatDiscoveryPorts`: each port's number, else its name, else `*`.
fn discovery_ports(ports: &[EndpointPort]) -> String {
    list_with_more(
        ports
            .iter()
            .map(|p| match (p.port, &p.name) {
                (Some(n), _) => n.to_string(),
                (None, Some(name)) => name.clone(),
                (None, None) => "*".to_owned(),
            })
            .collect(),
    )
}

/// `formatDiscoveryEndpoints`: every address of every endpoint (ready or not).
fn discovery_endpoints(endpoints: &[Endpoint]) -> String {
    list_with_more(
        endpoints
            .iter()
            .flat_map(|e| e.addresses.iter().cloned())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(n: Option<i32>, name: Option<&str>) -> EndpointPort {
        EndpointPort {
            port: n,
            name: name.map(str::to_owned),
            ..EndpointPort::default()
        }
    }

    fn ep(addr: &str) -> Endpoint {
        Endpoint {
            addresses: vec![addr.to_owned()],
            ..Endpoint::default()
        }
    }

    #[test]
    fn discovery_columns_truncate_after_three_like_list_with_more_string() {
        assert_eq!(discovery_ports(&[]), "<unset>");
        assert_eq!(
            discovery_ports(&[
                port(Some(80), None),
                port(None, Some("http")),
                port(None, None)
            ]),
            "80,http,*"
        );
        assert_eq!(
            discovery_ports(&[
                port(Some(1), None),
                port(Some(2), None),
                port(Some(3), None),
                port(Some(4), None),
                port(Some(5), None),
            ]),
            "1,2,3 + 2 more..."
        );
        let eps: Vec<Endpoint> = (1..=5).map(|i| ep(&format!("10.244.0.{i}"))).collect();
        assert_eq!(
            discovery_endpoints(&eps),
            "10.244.0.1,10.244.0.2,10.244.0.3 + 2 more..."
        );
        assert_eq!(discovery_endpoints(&eps[..1]), "10.244.0.1");
        assert_eq!(discovery_endpoints(&[]), "<unset>");
    }

    #[test]
    fn resource_names_parse_like_kubectl() {
        assert_eq!(Resource::parse("svc"), Some(Resource::Services));
        assert_eq!(Resource::parse("po"), Some(Resource::Pods));
        assert_eq!(
            Resource::parse("endpointslices.discovery.k8s.io"),
            Some(Resource::EndpointSlices)
        );
        assert_eq!(Resource::parse("deploy"), None);
    }
}
