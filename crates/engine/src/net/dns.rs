//! Cluster DNS: CoreDNS with the `kubernetes` plugin as kubeadm (and kind) configure it
//! (`kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough …; ttl 30 }`,
//! then `forward . /etc/resolv.conf`), answering from Services and EndpointSlices (never from
//! pods) as the DNS specification describes (kubernetes/dns `docs/specification.md`, schema
//! 1.0.1); and a pod's stub resolver with the `resolv.conf` the kubelet writes for
//! `dnsPolicy: ClusterFirst` (search list `<ns>.svc.cluster.local svc.cluster.local
//! cluster.local`, `nameserver 10.96.0.10`, `options ndots:5`).
//!
//! Records:
//! - `<svc>.<ns>.svc.cluster.local A <cluster IP>`; for a headless Service one `A` per ready
//!   endpoint, `NXDOMAIN` when none is ready;
//! - `<hostname>.<svc>.<ns>.svc.cluster.local A <endpoint IP>`, where an endpoint's hostname
//!   is its `hostname` field or its IP with dashes (`10-244-0-5`, CoreDNS's form);
//! - `_<port>._<proto>.<svc>.<ns>.svc.cluster.local SRV 0 <weight> <port> <target>` for named
//!   ports: the Service name as target for a cluster IP, one record per ready endpoint with
//!   its hostname record as target (and the endpoint's port) for a headless Service; CoreDNS
//!   spreads weight 100 over the records of a priority (`floor(100 / n)`);
//! - ExternalName: `CNAME <externalName>.`, followed by the target's records (CoreDNS resolves
//!   the target through itself);
//! - `PTR` for cluster IPs and ready endpoint IPs; `<a-b-c-d>.<ns>.pod.cluster.local A
//!   a.b.c.d` for any address (`pods insecure`); `dns-version.cluster.local TXT "1.0.1"`;
//! - other names are forwarded upstream (a small table of internet hosts) or `NXDOMAIN`.
//!
//! Every answer has TTL 30 s. The `default/kubernetes` (10.96.0.1) and `kube-system/kube-dns`
//! (10.96.0.10) Services exist even when no such object is stored. CoreDNS's `loadbalance`
//! plugin shuffles `A` records per answer; here they stay in slice order so runs repeat.

use std::fmt;
use std::net::Ipv4Addr;

use crate::api::discovery::{Endpoint, EndpointSlice};
use crate::api::service::Service;
use crate::api::{Kind, Object};
use crate::apiserver::{ApiServer, DNS_SERVICE_IP, KUBERNETES_SERVICE_IP};

/// The cluster domain (`--cluster-domain`, kubeadm's `DefaultServiceDNSDomain`).
pub const CLUSTER_DOMAIN: &str = "cluster.local";
/// TTL of every answer (kubeadm's Corefile: `ttl 30`).
pub const TTL: u32 = 30;
/// The DNS schema version (`dns-version.<zone>` TXT).
pub const SCHEMA_VERSION: &str = "1.0.1";
/// `options ndots:5` of a ClusterFirst pod.
pub const NDOTS: usize = 5;

/// Well-known internet hosts the upstream resolver answers for.
pub const UPSTREAM_HOSTS: &[(&str, Ipv4Addr)] = &[
    ("info.cern.ch", Ipv4Addr::new(188, 184, 67, 127)),
    ("example.com", Ipv4Addr::new(23, 192, 228, 80)),
];

/// A query type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QType {
    /// IPv4 address.
    A,
    /// Alias.
    Cname,
    /// Service locator.
    Srv,
    /// Reverse pointer.
    Ptr,
    /// Text.
    Txt,
}

impl QType {
    /// `A`, `CNAME`, `SRV`, `PTR`, `TXT`.
    pub fn as_str(self) -> &'static str {
        match self {
            QType::A => "A",
            QType::Cname => "CNAME",
            QType::Srv => "SRV",
            QType::Ptr => "PTR",
            QType::Txt => "TXT",
        }
    }
}

/// Record data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// The canonical name (fully qualified, with the trailing dot).
    Cname(String),
    /// A service locator.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight among records of the same priority.
        weight: u16,
        /// Port.
        port: u16,
        /// Target host (fully qualified).
        target: String,
    },
    /// A reverse pointer (fully qualified).
    Ptr(String),
    /// Text.
    Txt(String),
}

/// One resource record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Owner name, fully qualified with the trailing dot.
    pub name: String,
    /// Time to live in seconds.
    pub ttl: u32,
    /// Data.
    pub data: RData,
}

impl fmt::Display for Record {
    /// Zone-file form, as the specification writes it:
    /// `kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} IN ", self.name, self.ttl)?;
        match &self.data {
            RData::A(ip) => write!(f, "A {ip}"),
            RData::Cname(t) => write!(f, "CNAME {t}"),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => write!(f, "SRV {priority} {weight} {port} {target}"),
            RData::Ptr(t) => write!(f, "PTR {t}"),
            RData::Txt(t) => write!(f, "TXT {t:?}"),
        }
    }
}

/// The response code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rcode {
    /// The name exists (the answer may still be empty: NODATA).
    NoError,
    /// The name does not exist.
    NxDomain,
}

/// A DNS response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Response code.
    pub rcode: Rcode,
    /// Answer section.
    pub records: Vec<Record>,
}

impl Answer {
    fn nxdomain() -> Answer {
        Answer {
            rcode: Rcode::NxDomain,
            records: Vec::new(),
        }
    }

    fn records(records: Vec<Record>) -> Answer {
        Answer {
            rcode: Rcode::NoError,
            records,
        }
    }

    /// The `A` addresses, in order (after any CNAME).
    pub fn addresses(&self) -> Vec<Ipv4Addr> {
        self.records
            .iter()
            .filter_map(|r| match r.data {
                RData::A(ip) => Some(ip),
                _ => None,
            })
            .collect()
    }

    /// The last CNAME target (without the trailing dot), if the answer has one.
    pub fn canonical_name(&self) -> Option<String> {
        self.records.iter().rev().find_map(|r| match &r.data {
            RData::Cname(t) => Some(t.trim_end_matches('.').to_owned()),
            _ => None,
        })
    }
}

impl fmt::Display for Answer {
    /// `NXDOMAIN`, `NOERROR (no records)`, or the records one per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.rcode, self.records.is_empty()) {
            (Rcode::NxDomain, _) => f.write_str("NXDOMAIN"),
            (Rcode::NoError, true) => f.write_str("NOERROR (no records)"),
            (Rcode::NoError, false) => {
                let lines: Vec<String> = self.records.iter().map(ToString::to_string).collect();
                f.write_str(&lines.join("\n"))
            }
        }
    }
}

/// One query the resolver sent and what came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The name asked, fully qualified with the trailing dot.
    pub name: String,
    /// The type asked.
    pub qtype: QType,
    /// The response.
    pub answer: Answer,
}

/// What a pod's resolver did for one lookup: every query in order, and the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The queries tried, in order (the search-list expansion).
    pub tries: Vec<Query>,
    /// The answer the lookup ends with: the first that exists, else the last `NXDOMAIN`.
    pub answer: Answer,
    /// The name that answered (fully qualified, no trailing dot), or the name looked up.
    pub name: String,
}

/// A pod's `/etc/resolv.conf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvConf {
    /// `search` domains.
    pub search: Vec<String>,
    /// `nameserver`.
    pub nameserver: Ipv4Addr,
    /// `options ndots:N`.
    pub ndots: usize,
}

impl ResolvConf {
    /// What the kubelet writes for a `ClusterFirst` pod in `namespace`.
    pub fn cluster_first(namespace: &str) -> ResolvConf {
        ResolvConf {
            search: vec![
                format!("{namespace}.svc.{CLUSTER_DOMAIN}"),
                format!("svc.{CLUSTER_DOMAIN}"),
                CLUSTER_DOMAIN.to_owned(),
            ],
            nameserver: DNS_SERVICE_IP,
            ndots: NDOTS,
        }
    }

    /// The file's text.
    pub fn render(&self) -> String {
        format!(
            "search {}\nnameserver {}\noptions ndots:{}\n",
            self.search.join(" "),
            self.nameserver,
            self.ndots
        )
    }

    /// The fully qualified names the resolver tries for `name`, in order: a name ending in
    /// a dot only as is; a name with at least `ndots` dots as is first, then with each
    /// search domain; any other name with each search domain first, then as is.
    pub fn candidates(&self, name: &str) -> Vec<String> {
        if name.ends_with('.') {
            return vec![name.to_owned()];
        }
        let searched = self.search.iter().map(|d| format!("{name}.{d}."));
        let as_is = format!("{name}.");
        if name.matches('.').count() >= self.ndots {
            std::iter::once(as_is).chain(searched).collect()
        } else {
            searched.chain(std::iter::once(as_is)).collect()
        }
    }
}

/// Looks `name` up as a pod in `namespace` does (ClusterFirst): each candidate of the search
/// list in turn until one exists.
pub fn resolve(api: &ApiServer, namespace: &str, name: &str, qtype: QType) -> Resolution {
    let conf = ResolvConf::cluster_first(namespace);
    let mut tries = Vec::new();
    for candidate in conf.candidates(name) {
        let answer = query(api, &candidate, qtype);
        let found = answer.rcode == Rcode::NoError;
        tries.push(Query {
            name: candidate.clone(),
            qtype,
            answer: answer.clone(),
        });
        if found {
            let name = answer
                .canonical_name()
                .unwrap_or_else(|| candidate.trim_end_matches('.').to_owned());
            return Resolution {
                tries,
                answer,
                name,
            };
        }
    }
    Resolution {
        answer: tries
            .last()
            .map(|q| q.answer.clone())
            .unwrap_or_else(Answer::nxdomain),
        tries,
        name: name.trim_end_matches('.').to_owned(),
    }
}

/// What cluster DNS answers for one fully qualified name.
pub fn query(api: &ApiServer, name: &str, qtype: QType) -> Answer {
    query_depth(api, name, qtype, 0)
}

fn query_depth(api: &ApiServer, name: &str, qtype: QType, depth: u32) -> Answer {
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    let owner = format!("{lower}.");
    let record = |data: RData| Record {
        name: owner.clone(),
        ttl: TTL,
        data,
    };
    if let Some(rest) = lower.strip_suffix(".in-addr.arpa") {
        if qtype != QType::Ptr {
            return Answer::records(Vec::new());
        }
        let octets: Vec<u8> = rest.split('.').filter_map(|o| o.parse().ok()).collect();
        let [d, c, b, a] = octets[..] else {
            return Answer::nxdomain();
        };
        return match reverse(api, Ipv4Addr::new(a, b, c, d)) {
            Some(target) => Answer::records(vec![record(RData::Ptr(target))]),
            None => Answer::nxdomain(),
        };
    }
    let Some(labels) = lower
        .strip_suffix(CLUSTER_DOMAIN)
        .and_then(|l| l.strip_suffix('.').or((l.is_empty()).then_some(l)))
    else {
        return upstream(&lower, qtype, &owner);
    };
    let labels: Vec<&str> = if labels.is_empty() {
        Vec::new()
    } else {
        labels.split('.').collect()
    };
    match labels.as_slice() {
        ["dns-version"] if qtype == QType::Txt => {
            Answer::records(vec![record(RData::Txt(SCHEMA_VERSION.to_owned()))])
        }
        ["dns-version"] => Answer::records(Vec::new()),
        [ip, _ns, "pod"] => match pod_ip(ip) {
            Some(addr) if qtype == QType::A => Answer::records(vec![record(RData::A(addr))]),
            Some(_) => Answer::records(Vec::new()),
            None => Answer::nxdomain(),
        },
        [svc, ns, "svc"] => service_records(api, ns, svc, qtype, &owner, depth),
        [port, proto, svc, ns, "svc"] if port.starts_with('_') && proto.starts_with('_') => {
            srv_records(api, ns, svc, &port[1..], &proto[1..], qtype, &owner)
        }
        [host, svc, ns, "svc"] => endpoint_records(api, ns, svc, host, qtype, &owner),
        // The zone, the type level and existing namespaces hold no records of their own
        // (NODATA); an unknown namespace is NXDOMAIN (CoreDNS `errNsNotExposed`).
        [] | ["svc" | "pod"] => Answer::records(Vec::new()),
        [ns, "svc" | "pod"] if api.namespace_exists(ns) => Answer::records(Vec::new()),
        _ => Answer::nxdomain(),
    }
}

/// `forward . /etc/resolv.conf`: the node's resolver knows a few internet hosts.
fn upstream(name: &str, qtype: QType, owner: &str) -> Answer {
    match UPSTREAM_HOSTS.iter().find(|(host, _)| *host == name) {
        Some((_, ip)) if qtype == QType::A => Answer::records(vec![Record {
            name: owner.to_owned(),
            ttl: TTL,
            data: RData::A(*ip),
        }]),
        Some(_) => Answer::records(Vec::new()),
        None => Answer::nxdomain(),
    }
}

/// `10-244-0-5` → 10.244.0.5.
fn pod_ip(label: &str) -> Option<Ipv4Addr> {
    label.replace('-', ".").parse().ok()
}

/// A Service as DNS sees it.
struct DnsService {
    name: String,
    namespace: String,
    /// `None` for headless.
    cluster_ip: Option<Ipv4Addr>,
    external_name: Option<String>,
    /// `(name, protocol, port)`.
    ports: Vec<(String, String, i32)>,
}

fn builtin_services() -> [DnsService; 2] {
    [
        DnsService {
            name: "kubernetes".to_owned(),
            namespace: "default".to_owned(),
            cluster_ip: Some(KUBERNETES_SERVICE_IP),
            external_name: None,
            ports: vec![("https".to_owned(), "TCP".to_owned(), 443)],
        },
        DnsService {
            name: "kube-dns".to_owned(),
            namespace: "kube-system".to_owned(),
            cluster_ip: Some(DNS_SERVICE_IP),
            external_name: None,
            ports: vec![
                ("dns".to_owned(), "UDP".to_owned(), 53),
                ("dns-tcp".to_owned(), "TCP".to_owned(), 53),
                ("metrics".to_owned(), "TCP".to_owned(), 9153),
            ],
        },
    ]
}

fn dns_service(svc: &Service) -> DnsService {
    DnsService {
        name: svc.metadata.name.clone(),
        namespace: svc.metadata.namespace.clone(),
        cluster_ip: svc
            .spec
            .cluster_ip
            .as_deref()
            .and_then(|ip| ip.parse().ok()),
        external_name: (svc.service_type() == "ExternalName")
            .then(|| svc.spec.external_name.clone())
            .flatten(),
        ports: svc
            .spec
            .ports
            .iter()
            .map(|p| {
                (
                    p.name.clone().unwrap_or_default(),
                    p.protocol.clone().unwrap_or_else(|| "TCP".to_owned()),
                    p.port,
                )
            })
            .collect(),
    }
}

/// Every Service DNS serves, stored ones first (a stored `kubernetes` or `kube-dns` hides
/// the built-in one).
fn services(api: &ApiServer) -> Vec<DnsService> {
    let mut out: Vec<DnsService> = api
        .list(Kind::Service)
        .filter_map(|o| match o {
            Object::Service(s) => Some(dns_service(s)),
            _ => None,
        })
        .collect();
    for b in builtin_services() {
        if !out
            .iter()
            .any(|s| s.name == b.name && s.namespace == b.namespace)
        {
            out.push(b);
        }
    }
    out
}

fn find_service(api: &ApiServer, ns: &str, name: &str) -> Option<DnsService> {
    services(api)
        .into_iter()
        .find(|s| s.namespace == ns && s.name == name)
}

/// The ready endpoints of a Service's slices, in slice-name order (`ready` unset counts as
/// ready), each with the slice's ports.
fn ready_endpoints(api: &ApiServer, ns: &str, svc: &str) -> Vec<(Endpoint, EndpointSlice)> {
    api.list(Kind::EndpointSlice)
        .filter_map(|o| match o {
            Object::EndpointSlice(s)
                if s.metadata.namespace == ns
                    && s.address_type == "IPv4"
                    && s.metadata
                        .labels
                        .get(crate::proxy::SERVICE_NAME_LABEL)
                        .map(String::as_str)
                        == Some(svc) =>
            {
                Some(s)
            }
            _ => None,
        })
        .flat_map(|s| {
            s.endpoints
                .iter()
                .filter(|e| e.conditions.ready != Some(false))
                .map(move |e| (e.clone(), s.clone()))
        })
        .collect()
}

/// CoreDNS's endpoint hostname: the `hostname` field, else the IP with dashes.
fn endpoint_hostname(ep: &Endpoint) -> Option<String> {
    ep.hostname
        .clone()
        .or_else(|| ep.addresses.first().map(|a| a.replace('.', "-")))
}

fn endpoint_ip(ep: &Endpoint) -> Option<Ipv4Addr> {
    ep.addresses.first()?.parse().ok()
}

fn service_records(
    api: &ApiServer,
    ns: &str,
    name: &str,
    qtype: QType,
    owner: &str,
    depth: u32,
) -> Answer {
    let Some(svc) = find_service(api, ns, name) else {
        return Answer::nxdomain();
    };
    let record = |data: RData| Record {
        name: owner.to_owned(),
        ttl: TTL,
        data,
    };
    if let Some(target) = &svc.external_name {
        let target = format!("{}.", target.trim_end_matches('.').to_ascii_lowercase());
        let mut records = vec![record(RData::Cname(target.clone()))];
        if qtype != QType::Cname && depth < 8 {
            records.extend(query_depth(api, &target, qtype, depth + 1).records);
        }
        return Answer::records(records);
    }
    match (svc.cluster_ip, qtype) {
        (Some(ip), QType::A) => Answer::records(vec![record(RData::A(ip))]),
        (None, QType::A) => {
            let mut ips: Vec<Ipv4Addr> = Vec::new();
            for (ep, _) in ready_endpoints(api, ns, name) {
                if let Some(ip) = endpoint_ip(&ep)
                    && !ips.contains(&ip)
                {
                    ips.push(ip);
                }
            }
            if ips.is_empty() {
                // "If there are no ready endpoints for the headless Service, the answer
                // should be NXDOMAIN."
                Answer::nxdomain()
            } else {
                Answer::records(ips.into_iter().map(|ip| record(RData::A(ip))).collect())
            }
        }
        _ => Answer::records(Vec::new()),
    }
}

fn srv_records(
    api: &ApiServer,
    ns: &str,
    name: &str,
    port: &str,
    proto: &str,
    qtype: QType,
    owner: &str,
) -> Answer {
    let Some(svc) = find_service(api, ns, name) else {
        return Answer::nxdomain();
    };
    let svc_fqdn = format!("{name}.{ns}.svc.{CLUSTER_DOMAIN}.");
    let matches = |n: &str, p: &str| !n.is_empty() && n == port && p.eq_ignore_ascii_case(proto);
    let mut targets: Vec<(u16, String)> = Vec::new();
    if svc.cluster_ip.is_some() {
        for (n, p, number) in &svc.ports {
            if matches(n, p) {
                targets.push((u16::try_from(*number).unwrap_or(0), svc_fqdn.clone()));
            }
        }
    } else if svc.external_name.is_none() {
        for (ep, slice) in ready_endpoints(api, ns, name) {
            let Some(host) = endpoint_hostname(&ep) else {
                continue;
            };
            for p in &slice.ports {
                let n = p.name.as_deref().unwrap_or_default();
                let pr = p.protocol.as_deref().unwrap_or("TCP");
                if matches(n, pr) {
                    let number = p.port.and_then(|n| u16::try_from(n).ok()).unwrap_or(0);
                    targets.push((number, format!("{host}.{svc_fqdn}")));
                }
            }
        }
    }
    if targets.is_empty() {
        return Answer::nxdomain();
    }
    if qtype != QType::Srv {
        return Answer::records(Vec::new());
    }
    // CoreDNS (`plugin/backend_lookup.go` SRV): priority 0, weight floor(100 / n).
    let weight = (100 / targets.len()) as u16;
    Answer::records(
        targets
            .into_iter()
            .map(|(port, target)| Record {
                name: owner.to_owned(),
                ttl: TTL,
                data: RData::Srv {
                    priority: 0,
                    weight,
                    port,
                    target,
                },
            })
            .collect(),
    )
}

fn endpoint_records(
    api: &ApiServer,
    ns: &str,
    name: &str,
    host: &str,
    qtype: QType,
    owner: &str,
) -> Answer {
    if find_service(api, ns, name).is_none() {
        return Answer::nxdomain();
    }
    let ips: Vec<Ipv4Addr> = ready_endpoints(api, ns, name)
        .into_iter()
        .filter(|(ep, _)| endpoint_hostname(ep).as_deref() == Some(host))
        .filter_map(|(ep, _)| endpoint_ip(&ep))
        .collect();
    if ips.is_empty() {
        return Answer::nxdomain();
    }
    if qtype != QType::A {
        return Answer::records(Vec::new());
    }
    Answer::records(
        ips.into_iter()
            .map(|ip| Record {
                name: owner.to_owned(),
                ttl: TTL,
                data: RData::A(ip),
            })
            .collect(),
    )
}

/// The `PTR` target of an address: the Service whose cluster IP it is, else the hostname
/// record of a ready endpoint with that address (fully qualified, with the trailing dot).
pub fn reverse(api: &ApiServer, ip: Ipv4Addr) -> Option<String> {
    let all = services(api);
    if let Some(svc) = all.iter().find(|s| s.cluster_ip == Some(ip)) {
        return Some(format!(
            "{}.{}.svc.{CLUSTER_DOMAIN}.",
            svc.name, svc.namespace
        ));
    }
    for svc in all.iter().filter(|s| s.external_name.is_none()) {
        for (ep, _) in ready_endpoints(api, &svc.namespace, &svc.name) {
            if endpoint_ip(&ep) == Some(ip)
                && let Some(host) = endpoint_hostname(&ep)
            {
                return Some(format!(
                    "{host}.{}.{}.svc.{CLUSTER_DOMAIN}.",
                    svc.name, svc.namespace
                ));
            }
        }
    }
    None
}

/// The `in-addr.arpa` name of an address (`10.96.0.1` → `1.0.96.10.in-addr.arpa.`).
pub fn reverse_name(ip: Ipv4Addr) -> String {
    let [a, b, c, d] = ip.octets();
    format!("{d}.{c}.{b}.{a}.in-addr.arpa.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_list_order_follows_ndots() {
        let conf = ResolvConf::cluster_first("dev");
        assert_eq!(
            conf.render(),
            "search dev.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
        assert_eq!(
            conf.candidates("web"),
            [
                "web.dev.svc.cluster.local.",
                "web.svc.cluster.local.",
                "web.cluster.local.",
                "web."
            ]
        );
        // Five dots: tried as is first.
        assert_eq!(
            conf.candidates("a.b.c.d.e.f")[0],
            "a.b.c.d.e.f.",
            "ndots satisfied"
        );
        assert_eq!(conf.candidates("web.dev.svc.cluster.local.").len(), 1);
    }

    #[test]
    fn builtin_services_and_pods_resolve() {
        let api = ApiServer::new();
        let a = query(&api, "kubernetes.default.svc.cluster.local.", QType::A);
        assert_eq!(
            a.to_string(),
            "kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1"
        );
        let srv = query(
            &api,
            "_https._tcp.kubernetes.default.svc.cluster.local.",
            QType::Srv,
        );
        assert_eq!(
            srv.to_string(),
            "_https._tcp.kubernetes.default.svc.cluster.local. 30 IN SRV 0 100 443 kubernetes.default.svc.cluster.local."
        );
        let ptr = query(&api, &reverse_name(DNS_SERVICE_IP), QType::Ptr);
        assert_eq!(
            ptr.to_string(),
            "10.0.96.10.in-addr.arpa. 30 IN PTR kube-dns.kube-system.svc.cluster.local."
        );
        let pod = query(&api, "10-244-0-5.default.pod.cluster.local.", QType::A);
        assert_eq!(pod.addresses(), [Ipv4Addr::new(10, 244, 0, 5)]);
        let txt = query(&api, "dns-version.cluster.local.", QType::Txt);
        assert_eq!(
            txt.to_string(),
            "dns-version.cluster.local. 30 IN TXT \"1.0.1\""
        );
        assert_eq!(
            query(&api, "nope.default.svc.cluster.local.", QType::A).rcode,
            Rcode::NxDomain
        );
    }
}
