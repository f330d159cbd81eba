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

/// `ValidateService` (`pkg/apis/core/validation/validation.go`, v1.33) on a defaulted
/// Service, in its order. Allocation problems (an IP or node port already taken, a cluster
/// IP outside the range) are the allocators' and come from the API server.
fn service(svc: &Service, errs: &mut Vec<FieldError>) {
    use super::meta::IntOrString;
    let spec = &svc.spec;
    let ty = svc.service_type();
    // The registry strategy copies `clusterIP` into `clusterIPs` before validating.
    let cluster_ips: Vec<&str> = if spec.cluster_ips.is_empty() {
        spec.cluster_ip
            .as_deref()
            .filter(|ip| !ip.is_empty())
            .into_iter()
            .collect()
    } else {
        spec.cluster_ips.iter().map(String::as_str).collect()
    };
    let headless = cluster_ips == ["None"];
    if spec.ports.is_empty() && !headless && ty != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    match ty {
        "LoadBalancer" | "NodePort" if headless => errs.push(FieldError::invalid(
            "spec.clusterIPs[0]",
            "\"None\"",
            &format!("may not be set to 'None' for {ty} services"),
        )),
        "ExternalName" => {
            if !cluster_ips.is_empty() {
                errs.push(FieldError::forbidden(
                    "spec.clusterIPs",
                    "may not be set for ExternalName services",
                ));
            }
            if !spec.ip_families.is_empty() {
                errs.push(FieldError::forbidden(
                    "spec.ipFamilies",
                    "may not be set for ExternalName services",
                ));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(FieldError::forbidden(
                    "spec.ipFamilyPolicy",
                    "may not be set for ExternalName services",
                ));
            }
            // The value (a CNAME) may end with a dot to mark it fully qualified.
            let cname = spec
                .external_name
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('.');
            if cname.is_empty() {
                errs.push(FieldError::required("spec.externalName", ""));
            } else {
                for msg in dns1123_subdomain_errors(cname) {
                    errs.push(FieldError::invalid(
                        "spec.externalName",
                        format!("{cname:?}"),
                        &msg,
                    ));
                }
            }
        }
        _ => {}
    }
    let mut names = BTreeSet::new();
    for (i, p) in spec.ports.iter().enumerate() {
        let path = format!("spec.ports[{i}]");
        let name = p.name.as_deref().unwrap_or_default();
        if spec.ports.len() > 1 && name.is_empty() {
            errs.push(FieldError::required(format!("{path}.name"), ""));
        } else if !name.is_empty() {
            for msg in dns1123_label_errors(name) {
                errs.push(FieldError::invalid(
                    format!("{path}.name"),
                    format!("{name:?}"),
                    &msg,
                ));
            }
            if !names.insert(name) {
                errs.push(FieldError::duplicate(format!("{path}.name"), name));
            }
        }
        port_number(p.port, &format!("{path}.port"), errs);
        match &p.protocol {
            None => errs.push(FieldError::required(format!("{path}.protocol"), "")),
            Some(proto) => protocol(proto, &format!("{path}.protocol"), errs),
        }
        match &p.target_port {
            Some(IntOrString::Int(n)) => port_number(*n, &format!("{path}.targetPort"), errs),
            Some(IntOrString::String(s)) => {
                for msg in port_name_errors(s) {
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
    let affinities = ["ClientIP", "None"];
    match spec.session_affinity.as_deref() {
        None | Some("") => errs.push(FieldError::required("spec.sessionAffinity", "")),
        Some(a) if !affinities.contains(&a) => errs.push(FieldError::not_supported(
            "spec.sessionAffinity",
            a,
            &affinities,
        )),
        Some("ClientIP") => client_ip_affinity(spec, errs),
        Some(_) => {
            if spec.session_affinity_config.is_some() {
                errs.push(FieldError::forbidden(
                    "spec.sessionAffinityConfig",
                    "must not be set when session affinity is None",
                ));
            }
        }
    }
    // ValidateServiceClusterIPsRelatedFields.
    if ty != "ExternalName" {
        if let Some(ip) = spec.cluster_ip.as_deref().filter(|ip| !ip.is_empty())
            && !spec.cluster_ips.is_empty()
            && spec.cluster_ips[0] != ip
        {
            errs.push(FieldError::invalid(
                "spec.clusterIPs",
                go_string_slice(&spec.cluster_ips),
                "first value must match `clusterIP`",
            ));
        }
        for (i, ip) in cluster_ips.iter().enumerate() {
            if i == 0 && *ip == "None" {
                continue;
            }
            if ip.parse::<std::net::IpAddr>().is_err() {
                errs.push(FieldError::invalid(
                    format!("spec.clusterIPs[{i}]"),
                    format!("{ip:?}"),
                    INVALID_IP_MSG,
                ));
            }
        }
        let policies = ["PreferDualStack", "RequireDualStack", "SingleStack"];
        if let Some(p) = &spec.ip_family_policy
            && !policies.contains(&p.as_str())
        {
            errs.push(FieldError::not_supported(
                "spec.ipFamilyPolicy",
                p,
                &policies,
            ));
        }
        for (i, f) in spec.ip_families.iter().enumerate() {
            if !["IPv4", "IPv6"].contains(&f.as_str()) {
                errs.push(FieldError::not_supported(
                    format!("spec.ipFamilies[{i}]"),
                    f,
                    &["IPv4", "IPv6"],
                ));
            }
        }
    }
    for (i, ip) in spec.external_ips.iter().enumerate() {
        let path = format!("spec.externalIPs[{i}]");
        match ip.parse::<std::net::IpAddr>() {
            Err(_) => errs.push(FieldError::invalid(path, format!("{ip:?}"), INVALID_IP_MSG)),
            Ok(addr) => {
                if let Some(msg) = special_ip_problem(addr) {
                    errs.push(FieldError::invalid(path, format!("{ip:?}"), &msg));
                }
            }
        }
    }
    let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    if !types.contains(&ty) {
        errs.push(FieldError::not_supported("spec.type", ty, &types));
    }
    for (i, p) in spec.ports.iter().enumerate() {
        if let Some(np) = p.node_port {
            if ty == "ClusterIP" {
                errs.push(FieldError::forbidden(
                    format!("spec.ports[{i}].nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            } else if !super::super::apiserver::NODE_PORT_RANGE.contains(&np) {
                // The node-port allocator's ErrNotInRange.
                errs.push(FieldError::invalid(
                    format!("spec.ports[{i}].nodePort"),
                    np,
                    "provided port is not in the valid range. The range of valid ports is 30000-32767",
                ));
            }
        }
    }
    let mut node_ports = BTreeSet::new();
    for (i, p) in spec.ports.iter().enumerate() {
        if let Some(np) = p.node_port.filter(|np| *np != 0)
            && !node_ports.insert((p.protocol.as_deref().unwrap_or_default(), np))
        {
            errs.push(FieldError {
                path: format!("spec.ports[{i}].nodePort"),
                detail: format!("Duplicate value: {np}"),
            });
        }
    }
    let mut ports = BTreeSet::new();
    for (i, p) in spec.ports.iter().enumerate() {
        let proto = p.protocol.as_deref().unwrap_or_default();
        if !ports.insert((proto, p.port)) {
            // `field.Duplicate(portPath, key)` with the internal `core.ServicePort` key,
            // printed with `%#v`.
            errs.push(FieldError {
                path: format!("spec.ports[{i}]"),
                detail: format!(
                    "Duplicate value: core.ServicePort{{Name:\"\", Protocol:{proto:?}, AppProtocol:(*string)(nil), Port:{}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}",
                    p.port
                ),
            });
        }
    }
    if !spec.load_balancer_source_ranges.is_empty() {
        // Upstream names this field with a capital L.
        let path = "spec.LoadBalancerSourceRanges";
        if ty != "LoadBalancer" {
            errs.push(FieldError::forbidden(
                path,
                "may only be used when `type` is 'LoadBalancer'",
            ));
        }
        for (i, value) in spec.load_balancer_source_ranges.iter().enumerate() {
            // Values may be space-padded (a leftover of the annotation form).
            let value = value.trim();
            if value.parse::<ipnet::IpNet>().is_err() {
                errs.push(FieldError::invalid(
                    format!("{path}[{i}]"),
                    format!("{value:?}"),
                    "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
                ));
            }
        }
    }
    if spec.allocate_load_balancer_node_ports.is_some() && ty != "LoadBalancer" {
        errs.push(FieldError::forbidden(
            "spec.allocateLoadBalancerNodePorts",
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if let Some(class) = &spec.load_balancer_class {
        if ty != "LoadBalancer" {
            errs.push(FieldError::forbidden(
                "spec.loadBalancerClass",
                "may only be used when `type` is 'LoadBalancer'",
            ));
        } else {
            for msg in qualified_name_errors(class) {
                errs.push(FieldError::invalid(
                    "spec.loadBalancerClass",
                    format!("{class:?}"),
                    &msg,
                ));
            }
        }
    }
    // validateServiceExternalTrafficPolicy.
    let etp = spec.external_traffic_policy.as_deref().unwrap_or_default();
    if !super::defaults::externally_accessible(svc) {
        if !etp.is_empty() {
            errs.push(FieldError::invalid(
                "spec.externalTrafficPolicy",
                format!("{etp:?}"),
                "may only be set for externally-accessible services",
            ));
        }
    } else if etp.is_empty() {
        errs.push(FieldError::required("spec.externalTrafficPolicy", ""));
    } else if !["Cluster", "Local"].contains(&etp) {
        errs.push(FieldError::not_supported(
            "spec.externalTrafficPolicy",
            etp,
            &["Cluster", "Local"],
        ));
    }
    let needs_health_check = ty == "LoadBalancer" && etp == "Local";
    if let Some(hc) = spec.health_check_node_port.filter(|p| *p != 0) {
        if !needs_health_check {
            errs.push(FieldError::invalid(
                "spec.healthCheckNodePort",
                hc,
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            ));
        } else {
            port_number(hc, "spec.healthCheckNodePort", errs);
        }
    }
    // validateServiceInternalTrafficFieldsValue.
    match spec.internal_traffic_policy.as_deref() {
        None if matches!(ty, "ClusterIP" | "NodePort" | "LoadBalancer") => {
            errs.push(FieldError::required("spec.internalTrafficPolicy", ""));
        }
        Some(p) if !["Cluster", "Local"].contains(&p) => errs.push(FieldError::not_supported(
            "spec.internalTrafficPolicy",
            p,
            &["Cluster", "Local"],
        )),
        _ => {}
    }
    // validateServiceTrafficDistribution, with the PreferSameTrafficDistribution gate on
    // (alpha in v1.33, on by default from v1.34), as kube-proxy's view assumes.
    if let Some(td) = &spec.traffic_distribution {
        let supported = ["PreferClose", "PreferSameZone", "PreferSameNode"];
        if !supported.contains(&td.as_str()) {
            errs.push(FieldError::not_supported(
                "spec.trafficDistribution",
                td,
                &supported,
            ));
        }
    }
}

/// `validateClientIPAffinityConfig`.
fn client_ip_affinity(spec: &super::service::ServiceSpec, errs: &mut Vec<FieldError>) {
    let why = "when session affinity type is ClientIP";
    let Some(config) = &spec.session_affinity_config else {
        errs.push(FieldError::required("spec.sessionAffinityConfig", why));
        return;
    };
    let Some(client) = &config.client_ip else {
        errs.push(FieldError::required(
            "spec.sessionAffinityConfig.clientIP",
            why,
        ));
        return;
    };
    let path = "spec.sessionAffinityConfig.clientIP.timeoutSeconds";
    match client.timeout_seconds {
        None => errs.push(FieldError::required(path, why)),
        // `core.MaxClientIPServiceAffinitySeconds` (1 day).
        Some(t) if t <= 0 || t > 86_400 => errs.push(FieldError::invalid(
            path,
            t,
            "must be greater than 0 and less than 86400",
        )),
        Some(_) => {}
    }
}

/// `validation.IsValidIP`'s message for an unparsable address.
const INVALID_IP_MSG: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

/// `ValidateNonSpecialIP`: external IPs may not be unspecified, loopback or link-local.
fn special_ip_problem(ip: std::net::IpAddr) -> Option<String> {
    use std::net::IpAddr;
    if ip.is_unspecified() {
        return Some(format!("may not be unspecified ({ip})"));
    }
    if ip.is_loopback() {
        return Some("may not be in the loopback range (127.0.0.0/8, ::1/128)".to_owned());
    }
    match ip {
        IpAddr::V4(v4) if v4.is_link_local() => {
            Some("may not be in the link-local range (169.254.0.0/16, fe80::/10)".to_owned())
        }
        IpAddr::V4(v4) if v4.octets()[..3] == [224, 0, 0] => Some(
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".to_owned(),
        ),
        _ => None,
    }
}

/// Go's `%#v` of a `[]string`.
fn go_string_slice(values: &[String]) -> String {
    let inner: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[]string{{{}}}", inner.join(", "))
}

/// `validation.IsDNS1123Label`: every message.
fn dns1123_label_errors(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    if value.len() > 63 {
        out.push("must be no more than 63 characters".to_owned());
    }
    if !is_dns1123_label_chars(value) {
        if is_dns1123_subdomain(value) {
            out.push("must not contain dots".to_owned());
        } else {
            out.push(DNS1123_LABEL_MSG.to_owned());
        }
    }
    out
}

/// `validation.IsDNS1123Subdomain`: every message.
fn dns1123_subdomain_errors(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    if value.len() > 253 {
        out.push("must be no more than 253 characters".to_owned());
    }
    if !value.split('.').all(is_dns1123_label_chars) {
        out.push(DNS1123_SUBDOMAIN_MSG.to_owned());
    }
    out
}

/// The DNS-1123 label pattern without the length limit.
fn is_dns1123_label_chars(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// `validation.IsValidPortName`: every message, in upstream order.
fn port_name_errors(name: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if name.len() > 15 {
        out.push("must be no more than 15 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || name.is_empty()
    {
        out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        out.push("must contain at least one letter (a-z)");
    }
    if name.contains("--") {
        out.push("must not contain consecutive hyphens");
    }
    if name.starts_with('-') || name.ends_with('-') {
        out.push("must not begin or end with a hyphen");
    }
    out
}

/// `validation.IsQualifiedName` (`[prefix/]name`): every message.
fn qualified_name_errors(value: &str) -> Vec<String> {
    const NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    let mut out = Vec::new();
    let (prefix, name) = match value.split_once('/') {
        Some((p, n)) if !n.contains('/') => (Some(p), n),
        Some(_) => {
            out.push(format!("a qualified name {NAME_MSG_LONG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
            return out;
        }
        None => (None, value),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            out.push("prefix part must be non-empty".to_owned());
        } else {
            out.extend(
                dns1123_subdomain_errors(p)
                    .into_iter()
                    .map(|m| format!("prefix part {m}")),
            );
        }
    }
    if name.is_empty() {
        out.push("name part must be non-empty".to_owned());
    } else if name.len() > 63 {
        out.push("name part must be no more than 63 characters".to_owned());
    }
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !ok {
        out.push(NAME_MSG.to_owned());
    }
    out
}

/// The start of `IsQualifiedName`'s message for a value with more than one `/`.
const NAME_MSG_LONG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

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
