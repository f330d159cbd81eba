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

/// `SetDefaults_Service`.
fn service(svc: &mut Service) {
    let spec = &mut svc.spec;
    let ty = spec
        .type_
        .get_or_insert_with(|| "ClusterIP".to_owned())
        .clone();
    spec.session_affinity
        .get_or_insert_with(|| "None".to_owned());
    if spec.session_affinity.as_deref() == Some("ClientIP") {
        let cfg = spec
            .session_affinity_config
            .get_or_insert_with(SessionAffinityConfig::default);
        cfg.client_ip
            .get_or_insert_with(ClientIpConfig::default)
            .timeout_seconds
            .get_or_insert(DEFAULT_CLIENT_IP_AFFINITY_SECONDS);
    }
    for p in &mut spec.ports {
        p.protocol.get_or_insert_with(|| "TCP".to_owned());
        if p.target_port.is_none() {
            p.target_port = Some(super::meta::IntOrString::Int(p.port));
        }
    }
    if ty != "ExternalName" {
        spec.internal_traffic_policy
            .get_or_insert_with(|| "Cluster".to_owned());
    }
    if ty == "NodePort" || ty == "LoadBalancer" {
        spec.external_traffic_policy
            .get_or_insert_with(|| "Cluster".to_owned());
    }
    if ty == "LoadBalancer" {
        spec.allocate_load_balancer_node_ports.get_or_insert(true);
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
}
