//! Validation as the API server does it (`pkg/apis/core/validation`,
//! `k8s.io/apimachinery/pkg/util/validation`), reporting every problem with its field path.

use std::collections::BTreeSet;

use super::field::FieldError;
use super::object::Object;
use super::pod::{Container, PodSpec, Probe};
use super::quantity::Quantity;
use super::service::Service;

const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// Validates an (already defaulted) object; `Err` holds every problem found.
pub fn validate(object: &Object) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    let meta = object.meta();
    if meta.name.is_empty() && meta.generate_name.is_empty() {
        errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else if !meta.name.is_empty() {
        match object {
            Object::Service(_) | Object::Namespace(_) => {
                dns1035_or_label(object, &meta.name, &mut errs)
            }
            _ => {
                if !is_dns1123_subdomain(&meta.name) {
                    errs.push(FieldError::invalid(
                        "metadata.name",
                        format!("{:?}", meta.name),
                        DNS1123_SUBDOMAIN_MSG,
                    ));
                }
            }
        }
    }
    if object.kind().namespaced()
        && !meta.namespace.is_empty()
        && !is_dns1123_label(&meta.namespace)
    {
        errs.push(FieldError::invalid(
            "metadata.namespace",
            format!("{:?}", meta.namespace),
            DNS1123_LABEL_MSG,
        ));
    }
    match object {
        Object::Pod(pod) => pod_spec(&pod.spec, "spec", &mut errs),
        Object::Deployment(d) => {
            replicas(d.spec.replicas, &mut errs);
            selector_matches_template(
                &d.spec.selector,
                &d.spec.template.metadata.labels,
                &mut errs,
            );
            pod_spec(&d.spec.template.spec, "spec.template.spec", &mut errs);
        }
        Object::ReplicaSet(rs) => {
            replicas(rs.spec.replicas, &mut errs);
            selector_matches_template(
                &rs.spec.selector,
                &rs.spec.template.metadata.labels,
                &mut errs,
            );
            pod_spec(&rs.spec.template.spec, "spec.template.spec", &mut errs);
        }
        Object::Service(svc) => service(svc, &mut errs),
        Object::RuntimeClass(rc) => {
            if rc.handler.is_empty() {
                errs.push(FieldError::required("handler", ""));
            } else if !is_dns1123_label(&rc.handler) {
                errs.push(FieldError::invalid(
                    "handler",
                    format!("{:?}", rc.handler),
                    DNS1123_LABEL_MSG,
                ));
            }
        }
        Object::Node(_)
        | Object::Namespace(_)
        | Object::ConfigMap(_)
        | Object::PersistentVolumeClaim(_)
        | Object::Secret(_)
        | Object::EndpointSlice(_) => {}
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

fn dns1035_or_label(object: &Object, name: &str, errs: &mut Vec<FieldError>) {
    let (ok, msg) = match object {
        Object::Service(_) => (is_dns1035_label(name), DNS1035_LABEL_MSG),
        _ => (is_dns1123_label(name), DNS1123_LABEL_MSG),
    };
    if !ok {
        errs.push(FieldError::invalid(
            "metadata.name",
            format!("{name:?}"),
            msg,
        ));
    }
}

fn replicas(n: Option<i32>, errs: &mut Vec<FieldError>) {
    if let Some(n) = n.filter(|n| *n < 0) {
        errs.push(FieldError::invalid(
            "spec.replicas",
            n,
            "must be greater than or equal to 0",
        ));
    }
}

fn selector_matches_template(
    selector: &super::meta::LabelSelector,
    labels: &std::collections::BTreeMap<String, String>,
    errs: &mut Vec<FieldError>,
) {
    if selector.match_labels.is_empty() && selector.match_expressions.is_empty() {
        errs.push(FieldError::required("spec.selector", ""));
    } else if !selector.matches(labels) {
        let rendered = labels
            .iter()
            .map(|(k, v)| format!("{k:?}:{v:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        errs.push(FieldError::invalid(
            "spec.template.metadata.labels",
            format!("map[string]string{{{rendered}}}"),
            "`selector` does not match template `labels`",
        ));
    }
}

fn pod_spec(spec: &PodSpec, path: &str, errs: &mut Vec<FieldError>) {
    if spec.containers.is_empty() {
        errs.push(FieldError::required(format!("{path}.containers"), ""));
    }
    if let Some(p) = &spec.restart_policy
        && !["Always", "OnFailure", "Never"].contains(&p.as_str())
    {
        errs.push(FieldError::not_supported(
            format!("{path}.restartPolicy"),
            p,
            &["Always", "Never", "OnFailure"],
        ));
    }
    if let Some(d) = &spec.dns_policy {
        let ok = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
        if !ok.contains(&d.as_str()) {
            errs.push(FieldError::not_supported(
                format!("{path}.dnsPolicy"),
                d,
                &ok,
            ));
        }
    }
    if let Some(g) = spec.termination_grace_period_seconds.filter(|g| *g < 0) {
        errs.push(FieldError::invalid(
            format!("{path}.terminationGracePeriodSeconds"),
            g,
            "must be greater than or equal to 0",
        ));
    }
    let mut volumes = BTreeSet::new();
    for (i, v) in spec.volumes.iter().enumerate() {
        if !volumes.insert(v.name.as_str()) {
            errs.push(FieldError::duplicate(
                format!("{path}.volumes[{i}].name"),
                &v.name,
            ));
        }
    }
    let mut names = BTreeSet::new();
    let groups = [
        ("initContainers", &spec.init_containers),
        ("containers", &spec.containers),
    ];
    for (field, list) in groups {
        for (i, c) in list.iter().enumerate() {
            let cpath = format!("{path}.{field}[{i}]");
            if !c.name.is_empty() && !names.insert(c.name.as_str()) {
                errs.push(FieldError::duplicate(format!("{cpath}.name"), &c.name));
            }
            container(c, &cpath, field == "initContainers", &volumes, errs);
        }
    }
}

fn container(
    c: &Container,
    path: &str,
    init: bool,
    volumes: &BTreeSet<&str>,
    errs: &mut Vec<FieldError>,
) {
    if c.name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    } else if !is_dns1123_label(&c.name) {
        errs.push(FieldError::invalid(
            format!("{path}.name"),
            format!("{:?}", c.name),
            DNS1123_LABEL_MSG,
        ));
    }
    if c.image.as_deref().is_none_or(|i| i.trim().is_empty()) {
        errs.push(FieldError::required(format!("{path}.image"), ""));
    }
    if let Some(p) = &c.image_pull_policy
        && !["Always", "IfNotPresent", "Never"].contains(&p.as_str())
    {
        errs.push(FieldError::not_supported(
            format!("{path}.imagePullPolicy"),
            p,
            &["Always", "IfNotPresent", "Never"],
        ));
    }
    match (&c.restart_policy, init) {
        (None, _) => {}
        (Some(p), true) if p == "Always" => {}
        (Some(p), true) => errs.push(FieldError::not_supported(
            format!("{path}.restartPolicy"),
            p,
            &["Always"],
        )),
        (Some(_), false) => errs.push(FieldError::forbidden(
            format!("{path}.restartPolicy"),
            "may not be set for non-init containers without ContainerRestartRules feature enabled",
        )),
    }
    let mut port_names = BTreeSet::new();
    for (i, p) in c.ports.iter().enumerate() {
        let ppath = format!("{path}.ports[{i}]");
        port_number(p.container_port, &format!("{ppath}.containerPort"), errs);
        if let Some(name) = &p.name {
            if let Some(msg) = iana_svc_name_problem(name) {
                errs.push(FieldError::invalid(
                    format!("{ppath}.name"),
                    format!("{name:?}"),
                    msg,
                ));
            } else if !port_names.insert(name.as_str()) {
                errs.push(FieldError::duplicate(format!("{ppath}.name"), name));
            }
        }
        if let Some(proto) = &p.protocol {
            protocol(proto, &format!("{ppath}.protocol"), errs);
        }
    }
    for (i, m) in c.volume_mounts.iter().enumerate() {
        if !volumes.contains(m.name.as_str()) {
            errs.push(FieldError::not_found(
                format!("{path}.volumeMounts[{i}].name"),
                &m.name,
            ));
        }
        if m.mount_path.is_empty() {
            errs.push(FieldError::required(
                format!("{path}.volumeMounts[{i}].mountPath"),
                "",
            ));
        }
    }
    resources(c, path, errs);
    let probes = [
        ("livenessProbe", &c.liveness_probe),
        ("readinessProbe", &c.readiness_probe),
        ("startupProbe", &c.startup_probe),
    ];
    for (field, probe_opt) in probes {
        if let Some(p) = probe_opt {
            if init && c.restart_policy.is_none() {
                errs.push(FieldError::forbidden(
                    format!("{path}.{field}"),
                    "may not be set for init containers without restartPolicy=Always",
                ));
            }
            probe(
                p,
                &format!("{path}.{field}"),
                field != "readinessProbe",
                errs,
            );
        }
    }
}

fn resources(c: &Container, path: &str, errs: &mut Vec<FieldError>) {
    let r = &c.resources;
    for (section, map) in [("limits", &r.limits), ("requests", &r.requests)] {
        for (name, q) in map {
            if q.milli_value() < 0 {
                errs.push(FieldError::invalid(
                    format!("{path}.resources.{section}[{name}]"),
                    format!("{:?}", q.canonical()),
                    "must be greater than or equal to 0",
                ));
            }
        }
    }
    for (name, req) in &r.requests {
        if let Some(limit) = r.limits.get(name)
            && req.milli_value() > limit.milli_value()
        {
            errs.push(FieldError::invalid(
                format!("{path}.resources.requests"),
                format!("{:?}", req.canonical()),
                &format!(
                    "must be less than or equal to {name} limit of {}",
                    Quantity::canonical(limit)
                ),
            ));
        }
    }
}

fn probe(p: &Probe, path: &str, success_must_be_one: bool, errs: &mut Vec<FieldError>) {
    let handlers = [
        p.exec.is_some(),
        p.http_get.is_some(),
        p.tcp_socket.is_some(),
        p.grpc.is_some(),
    ];
    match handlers.iter().filter(|h| **h).count() {
        0 => errs.push(FieldError::required(
            path.to_owned(),
            "must specify a handler type",
        )),
        1 => {}
        _ => errs.push(FieldError::forbidden(
            path.to_owned(),
            "may not specify more than 1 handler type",
        )),
    }
    let checks = [
        ("initialDelaySeconds", p.initial_delay_seconds, 0),
        ("timeoutSeconds", p.timeout_seconds, 1),
        ("periodSeconds", p.period_seconds, 1),
        ("successThreshold", p.success_threshold, 1),
        ("failureThreshold", p.failure_threshold, 1),
    ];
    for (field, value, min) in checks {
        if let Some(v) = value.filter(|v| *v < min) {
            let why = if min == 0 {
                "must be greater than or equal to 0"
            } else {
                "must be greater than or equal to 1"
            };
            errs.push(FieldError::invalid(format!("{path}.{field}"), v, why));
        }
    }
    if success_must_be_one && let Some(s) = p.success_threshold.filter(|s| *s != 1) {
        errs.push(FieldError::invalid(
            format!("{path}.successThreshold"),
            s,
            "must be 1",
        ));
    }
    if let Some(h) = &p.http_get
        && let super::meta::IntOrString::Int(n) = h.port
    {
        port_number(n, &format!("{path}.httpGet.port"), errs);
    }
}

fn service(svc: &Service, errs: &mut Vec<FieldError>) {
    let spec = &svc.spec;
    let ty = svc.service_type();
    let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    if !types.contains(&ty) {
        errs.push(FieldError::not_supported("spec.type", ty, &types));
        return;
    }
    if ty == "ExternalName" {
        if spec.external_name.as_deref().is_none_or(str::is_empty) {
            errs.push(FieldError::required("spec.externalName", ""));
        }
        return;
    }
    let headless = spec.cluster_ip.as_deref() == Some("None");
    if spec.ports.is_empty() && !headless {
        errs.push(FieldError::required("spec.ports", ""));
    }
    if let Some(a) = &spec.session_affinity
        && !["ClientIP", "None"].contains(&a.as_str())
    {
        errs.push(FieldError::not_supported(
            "spec.sessionAffinity",
            a,
            &["ClientIP", "None"],
        ));
    }
    let mut names = BTreeSet::new();
    for (i, p) in spec.ports.iter().enumerate() {
        let path = format!("spec.ports[{i}]");
        match p.name.as_deref() {
            None | Some("") if spec.ports.len() > 1 => {
                errs.push(FieldError::required(format!("{path}.name"), ""))
            }
            Some(n) if !n.is_empty() => {
                if !is_dns1123_label(n) {
                    errs.push(FieldError::invalid(
                        format!("{path}.name"),
                        format!("{n:?}"),
                        DNS1123_LABEL_MSG,
                    ));
                } else if !names.insert(n) {
                    errs.push(FieldError::duplicate(format!("{path}.name"), n));
                }
            }
            _ => {}
        }
        port_number(p.port, &format!("{path}.port"), errs);
        if let Some(proto) = &p.protocol {
            protocol(proto, &format!("{path}.protocol"), errs);
        }
        if let Some(np) = p.node_port {
            if ty == "ClusterIP" {
                errs.push(FieldError::forbidden(
                    format!("{path}.nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            } else if !(30000..=32767).contains(&np) {
                errs.push(FieldError::invalid(
                    format!("{path}.nodePort"),
                    np,
                    "provided port is not in the valid range. The range of valid ports is 30000-32767",
                ));
            }
        }
        match &p.target_port {
            Some(super::meta::IntOrString::Int(n)) => {
                port_number(*n, &format!("{path}.targetPort"), errs)
            }
            Some(super::meta::IntOrString::String(s)) => {
                if let Some(msg) = iana_svc_name_problem(s) {
                    errs.push(FieldError::invalid(
                        format!("{path}.targetPort"),
                        format!("{s:?}"),
                        msg,
                    ));
                }
            }
            None => {}
        }
    }
    for (field, value) in [
        ("spec.externalTrafficPolicy", &spec.external_traffic_policy),
        ("spec.internalTrafficPolicy", &spec.internal_traffic_policy),
    ] {
        if let Some(v) = value
            && !["Cluster", "Local"].contains(&v.as_str())
        {
            errs.push(FieldError::not_supported(field, v, &["Cluster", "Local"]));
        }
    }
    if spec.external_traffic_policy.is_some() && ty == "ClusterIP" {
        errs.push(FieldError::invalid(
            "spec.externalTrafficPolicy",
            format!(
                "{:?}",
                spec.external_traffic_policy.as_deref().unwrap_or_default()
            ),
            "may only be set for externally-accessible services",
        ));
    }
}

fn port_number(n: i32, path: &str, errs: &mut Vec<FieldError>) {
    if !(1..=65535).contains(&n) {
        errs.push(FieldError::invalid(
            path.to_owned(),
            n,
            "must be between 1 and 65535, inclusive",
        ));
    }
}

fn protocol(p: &str, path: &str, errs: &mut Vec<FieldError>) {
    if !["SCTP", "TCP", "UDP"].contains(&p) {
        errs.push(FieldError::not_supported(
            path.to_owned(),
            p,
            &["SCTP", "TCP", "UDP"],
        ));
    }
}

/// `IsValidPortName`: at most 15 characters, lowercase alphanumerics and '-', at least one
/// letter, no leading/trailing or double '-'.
fn iana_svc_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > 15 {
        return Some("must be no more than 15 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if name.contains("--") {
        return Some("must not contain consecutive hyphens");
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some("must contain at least one letter (a-z)");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("must not begin or end with a hyphen");
    }
    None
}

/// `IsDNS1123Label`.
pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// `IsDNS1123Subdomain`.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

/// `IsDNS1035Label`.
pub fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_dns1123_label("web-1"));
        assert!(!is_dns1123_label("Web"));
        assert!(!is_dns1123_label("-web"));
        assert!(is_dns1123_subdomain("a.b-c.d"));
        assert!(!is_dns1123_subdomain("a..b"));
        assert!(is_dns1035_label("svc"));
        assert!(!is_dns1035_label("1svc"));
    }

    #[test]
    fn port_names_follow_iana_rules() {
        assert_eq!(iana_svc_name_problem("http"), None);
        assert!(iana_svc_name_problem("8080").is_some());
        assert!(iana_svc_name_problem("a-very-long-port-name").is_some());
        assert!(iana_svc_name_problem("http--x").is_some());
    }
}
