//! Defaulting as the API server applies it on create (`pkg/apis/core/v1/defaults.go`,
//! `pkg/apis/apps/v1/defaults.go`, plus the admission plugins every cluster runs:
//! ServiceAccount, DefaultTolerationSeconds, Priority).

use serde_json::json;

use super::object::Object;
use super::pod::{Container, PodSpec, Probe, Toleration};
use super::service::{ClientIpConfig, Service, SessionAffinityConfig};

/// Default termination grace period (`v1.DefaultTerminationGracePeriodSeconds`).
pub const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS: i64 = 30;
/// Default ClientIP affinity timeout (`v1.DefaultClientIPServiceAffinitySeconds`, 3 h).
pub const DEFAULT_CLIENT_IP_AFFINITY_SECONDS: i32 = 10_800;
/// How long DefaultTolerationSeconds lets a pod stay on a not-ready or unreachable node.
pub const DEFAULT_NOT_READY_TOLERATION_SECONDS: i64 = 300;

/// Fills in every defaulted field of `object`. Idempotent.
pub fn apply(object: &mut Object) {
    if object.kind().namespaced() && object.meta().namespace.is_empty() {
        object.meta_mut().namespace = "default".to_owned();
    }
    object.set_type_meta();
    match object {
        Object::Pod(pod) => pod_spec(&mut pod.spec, true),
        Object::Service(svc) => service(svc),
        Object::Deployment(d) => {
            d.spec.replicas.get_or_insert(1);
            d.spec.revision_history_limit.get_or_insert(10);
            d.spec.progress_deadline_seconds.get_or_insert(600);
            d.spec.strategy.get_or_insert_with(|| {
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
            });
            pod_spec(&mut d.spec.template.spec, false);
        }
        Object::ReplicaSet(rs) => {
            rs.spec.replicas.get_or_insert(1);
            pod_spec(&mut rs.spec.template.spec, false);
        }
        Object::Namespace(ns) => {
            ns.status.phase.get_or_insert_with(|| "Active".to_owned());
        }
        Object::Secret(s) => {
            s.type_.get_or_insert_with(|| "Opaque".to_owned());
        }
        Object::PersistentVolumeClaim(c) => {
            c.spec
                .storage_class_name
                .get_or_insert_with(|| "standard".to_owned());
            c.spec
                .volume_mode
                .get_or_insert_with(|| "Filesystem".to_owned());
        }
        Object::Node(_)
        | Object::RuntimeClass(_)
        | Object::ConfigMap(_)
        | Object::EndpointSlice(_) => {}
    }
}

/// `SetDefaults_PodSpec` and the per-container defaults. `admission` adds what admission
/// plugins add to real pods (not to templates).
fn pod_spec(spec: &mut PodSpec, admission: bool) {
    spec.restart_policy
        .get_or_insert_with(|| "Always".to_owned());
    spec.dns_policy
        .get_or_insert_with(|| "ClusterFirst".to_owned());
    spec.termination_grace_period_seconds
        .get_or_insert(DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".to_owned());
    spec.security_context.get_or_insert_with(|| json!({}));
    for c in spec
        .init_containers
        .iter_mut()
        .chain(spec.containers.iter_mut())
    {
        container(c);
    }
    if admission {
        let sa = spec
            .service_account_name
            .get_or_insert_with(|| "default".to_owned())
            .clone();
        spec.service_account.get_or_insert(sa);
        spec.enable_service_links.get_or_insert(true);
        spec.priority.get_or_insert(0);
        spec.preemption_policy
            .get_or_insert_with(|| "PreemptLowerPriority".to_owned());
        for key in [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ] {
            if !spec
                .tolerations
                .iter()
                .any(|t| t.key.as_deref() == Some(key))
            {
                spec.tolerations.push(Toleration {
                    key: Some(key.to_owned()),
                    operator: Some("Exists".to_owned()),
                    value: None,
                    effect: Some("NoExecute".to_owned()),
                    toleration_seconds: Some(DEFAULT_NOT_READY_TOLERATION_SECONDS),
                });
            }
        }
    }
}

fn container(c: &mut Container) {
    if c.image_pull_policy.is_none() {
        c.image_pull_policy =
            Some(default_pull_policy(c.image.as_deref().unwrap_or_default()).to_owned());
    }
    c.termination_message_path
        .get_or_insert_with(|| "/dev/termination-log".to_owned());
    c.termination_message_policy
        .get_or_insert_with(|| "File".to_owned());
    for p in &mut c.ports {
        p.protocol.get_or_insert_with(|| "TCP".to_owned());
    }
    // SetDefaults_Pod: a limit without a request makes the request equal to the limit.
    for (name, limit) in &c.resources.limits {
        c.resources.requests.entry(name.clone()).or_insert(*limit);
    }
    for probe in [
        &mut c.liveness_probe,
        &mut c.readiness_probe,
        &mut c.startup_probe,
    ]
    .into_iter()
    .flatten()
    {
        self::probe(probe);
    }
}

/// `SetDefaults_Probe` and `SetDefaults_HTTPGetAction`.
fn probe(p: &mut Probe) {
    p.timeout_seconds.get_or_insert(1);
    p.period_seconds.get_or_insert(10);
    p.success_threshold.get_or_insert(1);
    p.failure_threshold.get_or_insert(3);
    if let Some(h) = &mut p.http_get {
        h.path.get_or_insert_with(|| "/".to_owned());
        h.scheme.get_or_insert_with(|| "HTTP".to_owned());
    }
}

/// `SetDefaults_Container`: `Always` for `:latest` or no tag, else `IfNotPresent`.
pub fn default_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

/// `SetDefaults_Service` (`pkg/apis/core/v1/defaults.go`): `sessionAffinity: None` (which
/// drops any `sessionAffinityConfig`), a complete ClientIP config with the 10800 s timeout
/// when any part of it is missing, `type: ClusterIP`, per port `protocol: TCP` and
/// `targetPort` = `port` (also for `0` and `""`), `externalTrafficPolicy: Cluster` for
/// externally-accessible Services, `internalTrafficPolicy: Cluster` for ClusterIP, NodePort
/// and LoadBalancer, `allocateLoadBalancerNodePorts: true` and `ipMode: VIP` on load-balancer
/// ingress IPs for LoadBalancer.
fn service(svc: &mut Service) {
    let spec = &mut svc.spec;
    let affinity = spec
        .session_affinity
        .get_or_insert_with(|| "None".to_owned())
        .clone();
    if affinity == "None" {
        spec.session_affinity_config = None;
    }
    if affinity == "ClientIP"
        && spec
            .session_affinity_config
            .as_ref()
            .and_then(|c| c.client_ip.as_ref())
            .and_then(|c| c.timeout_seconds)
            .is_none()
    {
        spec.session_affinity_config = Some(SessionAffinityConfig {
            client_ip: Some(ClientIpConfig {
                timeout_seconds: Some(DEFAULT_CLIENT_IP_AFFINITY_SECONDS),
            }),
        });
    }
    let ty = spec
        .type_
        .get_or_insert_with(|| "ClusterIP".to_owned())
        .clone();
    for p in &mut spec.ports {
        p.protocol.get_or_insert_with(|| "TCP".to_owned());
        let unset = match &p.target_port {
            None => true,
            Some(super::meta::IntOrString::Int(n)) => *n == 0,
            Some(super::meta::IntOrString::String(s)) => s.is_empty(),
        };
        if unset {
            p.target_port = Some(super::meta::IntOrString::Int(p.port));
        }
    }
    if externally_accessible(svc) {
        svc.spec
            .external_traffic_policy
            .get_or_insert_with(|| "Cluster".to_owned());
    }
    let spec = &mut svc.spec;
    if matches!(ty.as_str(), "ClusterIP" | "NodePort" | "LoadBalancer") {
        spec.internal_traffic_policy
            .get_or_insert_with(|| "Cluster".to_owned());
    }
    if ty == "LoadBalancer" {
        spec.allocate_load_balancer_node_ports.get_or_insert(true);
        for ingress in &mut svc.status.load_balancer.ingress {
            if ingress.ip.as_deref().is_some_and(|ip| !ip.is_empty()) && ingress.ip_mode.is_none() {
                ingress.ip_mode = Some("VIP".to_owned());
            }
        }
    }
}

/// `apiservice.ExternallyAccessible`: LoadBalancer, NodePort, or ClusterIP with external IPs.
pub fn externally_accessible(svc: &Service) -> bool {
    match svc.service_type() {
        "LoadBalancer" | "NodePort" => true,
        "ClusterIP" => !svc.spec.external_ips.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:latest"), "Always");
        assert_eq!(default_pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(default_pull_policy("localhost:5000/app"), "Always");
        assert_eq!(default_pull_policy("localhost:5000/app:v1"), "IfNotPresent");
        assert_eq!(default_pull_policy("nginx@sha256:abc"), "IfNotPresent");
    }

    fn defaulted(yaml: &str) -> Service {
        let mut svc: Service = serde_saphyr::from_str(yaml).unwrap_or_default();
        service(&mut svc);
        svc
    }

    #[test]
    fn service_defaults_follow_set_defaults_service() {
        let svc =
            defaulted("spec:\n  type: LoadBalancer\n  ports:\n  - port: 80\n    targetPort: 0\n");
        let s = &svc.spec;
        assert_eq!(s.session_affinity.as_deref(), Some("None"));
        assert_eq!(s.external_traffic_policy.as_deref(), Some("Cluster"));
        assert_eq!(s.internal_traffic_policy.as_deref(), Some("Cluster"));
        assert_eq!(s.allocate_load_balancer_node_ports, Some(true));
        assert_eq!(s.ports[0].protocol.as_deref(), Some("TCP"));
        assert_eq!(
            s.ports[0].target_port,
            Some(super::super::meta::IntOrString::Int(80))
        );
        // A ClusterIP Service with external IPs is externally accessible too.
        let svc = defaulted("spec:\n  externalIPs: [1.2.3.4]\n  ports:\n  - port: 80\n");
        assert_eq!(svc.spec.external_traffic_policy.as_deref(), Some("Cluster"));
        let svc = defaulted("spec:\n  ports:\n  - port: 80\n");
        assert_eq!(svc.spec.external_traffic_policy, None);
    }

    #[test]
    fn session_affinity_config_is_completed_or_dropped() {
        let svc = defaulted(
            "spec:\n  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP: {}\n",
        );
        let timeout = svc
            .spec
            .session_affinity_config
            .and_then(|c| c.client_ip?.timeout_seconds);
        assert_eq!(timeout, Some(10_800));
        let svc =
            defaulted("spec:\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 60\n");
        assert_eq!(svc.spec.session_affinity_config, None);
    }
}
