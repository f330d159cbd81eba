//! Pod networking as the kubelet and CNI set it up (host-local IPAM over the node's pod
//! CIDR) and the cluster network a pod's processes see: cluster DNS through the pod's
//! resolver ([`crate::net::dns`]) and HTTP to pods.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::apiserver::{ApiServer, DNS_SERVICE_IP};
use crate::cri::host::Network;
use crate::cri::process::{DnsAnswer, HttpOutcome};
use crate::net::dns;
use crate::time::SimTime;

/// The cluster DNS domain.
pub const CLUSTER_DOMAIN: &str = dns::CLUSTER_DOMAIN;

/// host-local IPAM: hands out addresses of the node's pod CIDR in order, skipping the
/// network address and the gateway (`.1`), reusing released ones.
#[derive(Clone, Debug)]
pub struct Ipam {
    cidr: Ipv4Net,
    used: BTreeMap<Ipv4Addr, String>,
}

impl Ipam {
    /// An allocator over `cidr`.
    pub fn new(cidr: Ipv4Net) -> Ipam {
        Ipam {
            cidr,
            used: BTreeMap::new(),
        }
    }

    /// CNI ADD: the next free address for the sandbox `id`.
    pub fn allocate(&mut self, id: &str) -> Option<Ipv4Addr> {
        let ip = self
            .cidr
            .hosts()
            .skip(1)
            .find(|ip| !self.used.contains_key(ip))?;
        self.used.insert(ip, id.to_owned());
        Some(ip)
    }

    /// CNI DEL: frees the sandbox's address.
    pub fn release(&mut self, id: &str) {
        self.used.retain(|_, owner| owner != id);
    }

    /// The range it allocates from.
    pub fn cidr(&self) -> Ipv4Net {
        self.cidr
    }

    /// The gateway (the bridge's address).
    pub fn gateway(&self) -> Option<Ipv4Addr> {
        self.cidr.hosts().next()
    }
}

/// What the simulated internet serves on port 80, by address (the hosts of
/// [`crate::net::dns::UPSTREAM_HOSTS`]).
const INTERNET: &[(&str, &str)] = &[
    (
        "188.184.67.127",
        "<html><head></head><body><header>\n<title>http://info.cern.ch</title>\n</header>\n\n<h1>http://info.cern.ch - home of the first website</h1>\n</body></html>\n",
    ),
    (
        "23.192.228.80",
        "<!doctype html>\n<html>\n<head>\n    <title>Example Domain</title>\n</head>\n</html>\n",
    ),
];

/// The network as one pod sees it: the cluster DNS (search list of the pod's namespace)
/// and HTTP to the internet table.
pub struct ClusterNet<'a> {
    /// The object store (Services, EndpointSlices).
    pub api: &'a ApiServer,
    /// The pod's namespace.
    pub namespace: &'a str,
}

impl ClusterNet<'_> {
    /// The whole resolution (every search-list query and its answer), for traces.
    pub fn resolve(&self, name: &str) -> dns::Resolution {
        dns::resolve(self.api, self.namespace, name, dns::QType::A)
    }
}

impl Network for ClusterNet<'_> {
    fn lookup(&self, name: &str) -> DnsAnswer {
        let resolution = self.resolve(name);
        let addresses: Vec<String> = resolution
            .answer
            .addresses()
            .iter()
            .map(ToString::to_string)
            .collect();
        DnsAnswer {
            server: DNS_SERVICE_IP.to_string(),
            name: if addresses.is_empty() {
                name.to_owned()
            } else {
                resolution.name
            },
            addresses,
        }
    }

    fn http_get(&self, url: &str, _timeout_ms: u64, _now: SimTime) -> HttpOutcome {
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .unwrap_or(url);
        let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().unwrap_or(80u16)),
            None => (hostport, 80u16),
        };
        let ip = if host.parse::<Ipv4Addr>().is_ok() {
            host.to_owned()
        } else {
            match self.lookup(host).addresses.first() {
                Some(ip) => ip.clone(),
                None => return HttpOutcome::BadAddress,
            }
        };
        let remote = format!("{ip}:{port}");
        match INTERNET.iter().find(|(addr, _)| *addr == ip) {
            Some((_, body)) if port == 80 && (path.is_empty() || path == "index.html") => {
                HttpOutcome::Response {
                    remote,
                    status: 200,
                    reason: "OK".to_owned(),
                    body: (*body).to_owned(),
                    elapsed_ms: 120,
                }
            }
            Some(_) => HttpOutcome::Response {
                remote,
                status: 404,
                reason: "Not Found".to_owned(),
                body: String::new(),
                elapsed_ms: 120,
            },
            // Cluster traffic to Services and pods is routed by kube-proxy; until a request
            // finds a listener it is refused.
            None if ip.starts_with("10.") => HttpOutcome::Refused { remote },
            // Elsewhere nothing answers before the client's timeout.
            None => HttpOutcome::Timeout { remote },
        }
    }
}
