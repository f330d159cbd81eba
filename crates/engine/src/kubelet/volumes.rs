//! The volume manager and the container config the kubelet generates: pod volumes set up
//! before the sandbox (emptyDir, configMap, secret, downwardAPI, projected service-account
//! token, hostPath, persistentVolumeClaim), each container's mounts, and its environment
//! (`makeEnvironmentVariables`, whose errors are `CreateContainerConfigError`).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

use crate::api::config::{ConfigMap, Secret};
use crate::api::pod::{Container, Pod, Volume};
use crate::api::service::Service;
use crate::api::{Kind, Object, ObjectRef};
use crate::apiserver::ApiServer;
use crate::cri::fs::FsTree;
use crate::cri::host::MountPoint;

/// Where the service-account volume is mounted.
pub const SERVICE_ACCOUNT_MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Node-local storage that outlives pods: hostPath directories and provisioned
/// PersistentVolume data, by key (`hostPath:/data`, `pv:pvc-<uid>`).
pub type NodeStorage = BTreeMap<String, FsTree>;

/// A volume that could not be set up: its name and the `FailedMount` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountError {
    /// Volume name.
    pub volume: String,
    /// `MountVolume.SetUp failed for volume "x" : configmap "y" not found`.
    pub message: String,
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn config_map<'a>(api: &'a ApiServer, ns: &str, name: &str) -> Option<&'a ConfigMap> {
    match api.get(&ObjectRef::new(Kind::ConfigMap, ns, name)) {
        Some(Object::ConfigMap(c)) => Some(c),
        _ => None,
    }
}

fn secret<'a>(api: &'a ApiServer, ns: &str, name: &str) -> Option<&'a Secret> {
    match api.get(&ObjectRef::new(Kind::Secret, ns, name)) {
        Some(Object::Secret(s)) => Some(s),
        _ => None,
    }
}

/// A Secret's decoded data (`data` base64-decoded, `stringData` merged over it).
fn secret_data(s: &Secret) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = s
        .data
        .iter()
        .map(|(k, v)| {
            let bytes = BASE64.decode(v.trim()).unwrap_or_default();
            (k.clone(), String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect();
    out.extend(s.string_data.clone());
    out
}

/// The cluster CA bundle every namespace's `kube-root-ca.crt` ConfigMap publishes.
fn root_ca() -> BTreeMap<String, String> {
    BTreeMap::from([(
        "ca.crt".to_owned(),
        "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIbm9kZWxhYiBjYTANBgkqhkiG9w0BAQsFADAVMRMwEQYD\nVQQDEwprdWJlcm5ldGVzMB4XDTI2MDEwMTAwMDAwMFoXDTM2MDEwMTAwMDAwMFow\n-----END CERTIFICATE-----\n".to_owned(),
    )])
}

/// A bound service-account token (a JWT; its claims name the pod).
fn token(pod: &Pod) -> String {
    let header = BASE64.encode(r#"{"alg":"RS256","kid":"nodelab"}"#);
    let claims = BASE64.encode(format!(
        r#"{{"aud":["https://kubernetes.default.svc.cluster.local"],"kubernetes.io":{{"namespace":"{}","pod":{{"name":"{}","uid":"{}"}},"serviceaccount":{{"name":"{}"}}}},"sub":"system:serviceaccount:{}:{}"}}"#,
        pod.metadata.namespace,
        pod.metadata.name,
        pod.metadata.uid,
        pod.spec.service_account_name.as_deref().unwrap_or("default"),
        pod.metadata.namespace,
        pod.spec.service_account_name.as_deref().unwrap_or("default"),
    ));
    format!(
        "{}.{}.signature",
        header.trim_end_matches('='),
        claims.trim_end_matches('=')
    )
}

/// `fieldRef.fieldPath` of the downward API. `ips` are the pod and host IPs when the status
/// does not carry them yet (the kubelet knows them before it reports them).
fn field_ref(pod: &Pod, path: &str, ips: Option<(&str, &str)>) -> Option<String> {
    let m = &pod.metadata;
    let map = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    Some(match path {
        "metadata.name" => m.name.clone(),
        "metadata.namespace" => m.namespace.clone(),
        "metadata.uid" => m.uid.clone(),
        "metadata.labels" => map(&m.labels),
        "metadata.annotations" => map(&m.annotations),
        "spec.nodeName" => pod.spec.node_name.clone().unwrap_or_default(),
        "spec.serviceAccountName" => pod.spec.service_account_name.clone().unwrap_or_default(),
        "status.podIP" | "status.podIPs" => match ips {
            Some((ip, _)) => ip.to_owned(),
            None => pod.status.pod_ip.clone().unwrap_or_default(),
        },
        "status.hostIP" | "status.hostIPs" => match ips {
            Some((_, host)) => host.to_owned(),
            None => pod.status.host_ip.clone().unwrap_or_default(),
        },
        p => {
            let (field, key) = p.strip_suffix("']")?.split_once("['")?;
            match field {
                "metadata.labels" => m.labels.get(key).cloned().unwrap_or_default(),
                "metadata.annotations" => m.annotations.get(key).cloned().unwrap_or_default(),
                _ => return None,
            }
        }
    })
}

/// `resourceFieldRef` (`limits.memory`, `requests.cpu`, …) with its divisor.
fn resource_ref(pod: &Pod, v: &Value, default_container: &str) -> Option<String> {
    let resource = str_at(v, "resource")?;
    let name = str_at(v, "containerName").unwrap_or(default_container);
    let c = pod.all_containers().find(|c| c.name == name)?;
    let (kind, res) = resource.split_once('.')?;
    let map = if kind == "limits" {
        &c.resources.limits
    } else {
        &c.resources.requests
    };
    let divisor = v
        .get("divisor")
        .and_then(|d| match d {
            Value::String(s) => crate::api::quantity::Quantity::parse(s).ok(),
            Value::Number(n) => n.as_i64().map(crate::api::quantity::Quantity::from_units),
            _ => None,
        })
        .filter(|q| !q.is_zero());
    let value = map.get(res).copied();
    Some(match (res, value) {
        ("cpu", Some(q)) => {
            let d = divisor.map_or(1000, |d| d.milli_value().max(1));
            ((q.milli_value() + d - 1) / d).to_string()
        }
        (_, Some(q)) => {
            let d = divisor.map_or(1, |d| d.value().max(1));
            ((q.value() + d - 1) / d).to_string()
        }
        // No limit: the node's allocatable (we report the node default).
        ("cpu", None) => "4".to_owned(),
        (_, None) => (8i64 * 1024 * 1024 * 1024 - 100 * 1024 * 1024).to_string(),
    })
}

fn items(
    data: &BTreeMap<String, String>,
    spec: &Value,
    kind: &str,
) -> Result<Vec<(String, String)>, String> {
    match spec.get("items").and_then(Value::as_array) {
        None => Ok(data.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        Some(list) => list
            .iter()
            .map(|it| {
                let key = str_at(it, "key").unwrap_or_default();
                let path = str_at(it, "path").unwrap_or(key);
                data.get(key)
                    .map(|v| (path.to_owned(), v.clone()))
                    .ok_or_else(|| match kind {
                        "secret" => format!("references non-existent secret key: {key}"),
                        _ => format!("configmap references non-existent config key: {key}"),
                    })
            })
            .collect(),
    }
}

/// The volume plugin's name as it appears in unique volume names (`kubernetes.io/<plugin>/…`).
pub fn plugin_name(v: &Volume) -> &'static str {
    if v.empty_dir.is_some() {
        "empty-dir"
    } else if v.config_map.is_some() {
        "configmap"
    } else if v.secret.is_some() {
        "secret"
    } else if v.downward_api.is_some() {
        "downward-api"
    } else if v.projected.is_some() {
        "projected"
    } else if v.host_path.is_some() {
        "host-path"
    } else if v.persistent_volume_claim.is_some() {
        "csi"
    } else {
        "empty-dir"
    }
}

/// Sets up one volume's contents.
fn set_up(
    pod: &Pod,
    v: &Volume,
    api: &ApiServer,
    storage: &mut NodeStorage,
) -> Result<FsTree, String> {
    let ns = &pod.metadata.namespace;
    let optional = |spec: &Value| spec.get("optional").and_then(Value::as_bool) == Some(true);
    if let Some(spec) = &v.config_map {
        let name = str_at(spec, "name").unwrap_or_default();
        let mut t = match config_map(api, ns, name) {
            Some(cm) => FsTree::with_files(
                items(&cm.data, spec, "configmap")?
                    .iter()
                    .map(|(p, c)| (p.as_str(), c.clone())),
            ),
            None if optional(spec) => FsTree::default(),
            None => return Err(format!("configmap {name:?} not found")),
        };
        t.read_only = true;
        return Ok(t);
    }
    if let Some(spec) = &v.secret {
        let name = str_at(spec, "secretName").unwrap_or_default();
        let mut t = match secret(api, ns, name) {
            Some(s) => FsTree::with_files(
                items(&secret_data(s), spec, "secret")?
                    .iter()
                    .map(|(p, c)| (p.as_str(), c.clone())),
            ),
            None if optional(spec) => FsTree::default(),
            None => return Err(format!("secret {name:?} not found")),
        };
        t.read_only = true;
        return Ok(t);
    }
    if let Some(spec) = &v.downward_api {
        let mut t = downward_files(pod, spec)?;
        t.read_only = true;
        return Ok(t);
    }
    if let Some(spec) = &v.projected {
        let mut t = FsTree::default();
        for source in spec
            .get("sources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(s) = source.get("serviceAccountToken") {
                t.put(str_at(s, "path").unwrap_or("token"), token(pod));
            }
            if let Some(s) = source.get("configMap") {
                let name = str_at(s, "name").unwrap_or_default();
                let data = match config_map(api, ns, name) {
                    Some(cm) => cm.data.clone(),
                    None if name == "kube-root-ca.crt" => root_ca(),
                    None if optional(s) => BTreeMap::new(),
                    None => return Err(format!("configmap {name:?} not found")),
                };
                for (p, c) in items(&data, s, "configmap")? {
                    t.put(&p, c);
                }
            }
            if let Some(s) = source.get("secret") {
                let name = str_at(s, "name").unwrap_or_default();
                let data = match secret(api, ns, name) {
                    Some(sec) => secret_data(sec),
                    None if optional(s) => BTreeMap::new(),
                    None => return Err(format!("secret {name:?} not found")),
                };
                for (p, c) in items(&data, s, "secret")? {
                    t.put(&p, c);
                }
            }
            if let Some(s) = source.get("downwardAPI") {
                let d = downward_files(pod, s)?;
                for p in d.list("").unwrap_or_default() {
                    if let Ok(c) = d.read(&p) {
                        t.put(&p, c);
                    }
                }
            }
        }
        t.read_only = true;
        return Ok(t);
    }
    if let Some(spec) = &v.host_path {
        let path = str_at(spec, "path").unwrap_or("/");
        return Ok(storage
            .entry(format!("hostPath:{path}"))
            .or_default()
            .clone());
    }
    if let Some(spec) = &v.persistent_volume_claim {
        let claim = str_at(spec, "claimName").unwrap_or_default();
        let bound = match api.get(&ObjectRef::new(Kind::PersistentVolumeClaim, ns, claim)) {
            Some(Object::PersistentVolumeClaim(c)) => c.spec.volume_name.clone(),
            _ => return Err(format!("persistentvolumeclaim {claim:?} not found")),
        };
        let Some(volume) = bound else {
            return Err(format!("persistentvolumeclaim {claim:?} is not bound"));
        };
        return Ok(storage.entry(format!("pv:{volume}")).or_default().clone());
    }
    // emptyDir (and kinds we do not model: an empty directory).
    Ok(FsTree::default())
}

fn downward_files(pod: &Pod, spec: &Value) -> Result<FsTree, String> {
    let mut t = FsTree::default();
    for item in spec
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let path = str_at(item, "path").unwrap_or_default();
        let value = if let Some(f) = item.get("fieldRef") {
            let fp = str_at(f, "fieldPath").unwrap_or_default();
            field_ref(pod, fp, None).ok_or_else(|| format!("unsupported fieldPath: {fp}"))?
        } else if let Some(r) = item.get("resourceFieldRef") {
            resource_ref(pod, r, "").unwrap_or_default()
        } else {
            String::new()
        };
        t.put(path, value);
    }
    Ok(t)
}

/// Sets up every volume of the pod (`WaitForAttachAndMount`).
pub fn mount_all(
    pod: &Pod,
    api: &ApiServer,
    storage: &mut NodeStorage,
) -> Result<BTreeMap<String, FsTree>, MountError> {
    pod.spec
        .volumes
        .iter()
        .map(|v| {
            set_up(pod, v, api, storage)
                .map(|t| (v.name.clone(), t))
                .map_err(|e| MountError {
                    volume: v.name.clone(),
                    message: format!("MountVolume.SetUp failed for volume {:?} : {e}", v.name),
                })
        })
        .collect()
}

/// Writes hostPath and PVC volume contents back to node storage when the pod's volumes are
/// torn down (the data outlives the pod).
pub fn unmount_all(
    pod: &Pod,
    volumes: &BTreeMap<String, FsTree>,
    api: &ApiServer,
    storage: &mut NodeStorage,
) {
    for v in &pod.spec.volumes {
        let key = if let Some(spec) = &v.host_path {
            format!("hostPath:{}", str_at(spec, "path").unwrap_or("/"))
        } else if let Some(spec) = &v.persistent_volume_claim {
            let claim = str_at(spec, "claimName").unwrap_or_default();
            let key = ObjectRef::new(Kind::PersistentVolumeClaim, &pod.metadata.namespace, claim);
            match api.get(&key) {
                Some(Object::PersistentVolumeClaim(c)) => match &c.spec.volume_name {
                    Some(volume) => format!("pv:{volume}"),
                    None => continue,
                },
                _ => continue,
            }
        } else {
            continue;
        };
        if let Some(t) = volumes.get(&v.name) {
            storage.insert(key, t.clone());
        }
    }
}

/// Bytes held in `medium: Memory` emptyDirs (tmpfs is charged to the pod's memory).
pub fn memory_backed_bytes(pod: &Pod, volumes: &BTreeMap<String, FsTree>) -> u64 {
    pod.spec
        .volumes
        .iter()
        .filter(|v| {
            v.empty_dir
                .as_ref()
                .is_some_and(|e| e.medium.as_deref() == Some("Memory"))
        })
        .filter_map(|v| volumes.get(&v.name))
        .map(FsTree::bytes)
        .sum()
}

/// The container's mounts, as the kubelet passes them in `ContainerConfig.mounts`.
pub fn mounts(c: &Container) -> Vec<MountPoint> {
    c.volume_mounts
        .iter()
        .map(|m| MountPoint {
            container_path: m.mount_path.clone(),
            volume: m.name.clone(),
            sub_path: m.sub_path.clone().unwrap_or_default(),
            read_only: m.read_only == Some(true),
        })
        .collect()
}

/// The container's environment: service links, `envFrom`, then `env` (later wins), as in
/// `makeEnvironmentVariables`. An unresolvable reference is the
/// `CreateContainerConfigError` message.
pub fn environment(
    pod: &Pod,
    c: &Container,
    api: &ApiServer,
    ips: (&str, &str),
) -> Result<BTreeMap<String, String>, String> {
    let ns = &pod.metadata.namespace;
    let mut env = BTreeMap::from([
        (
            "PATH".to_owned(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_owned(),
        ),
        (
            "HOSTNAME".to_owned(),
            pod.spec
                .hostname
                .clone()
                .unwrap_or_else(|| pod.metadata.name.clone()),
        ),
    ]);
    if pod.spec.enable_service_links != Some(false) {
        for o in api.list(Kind::Service) {
            if let Object::Service(s) = o
                && (s.metadata.namespace == *ns)
            {
                service_env(s, &mut env);
            }
        }
    }
    env.insert("KUBERNETES_SERVICE_HOST".to_owned(), "10.96.0.1".to_owned());
    env.insert("KUBERNETES_SERVICE_PORT".to_owned(), "443".to_owned());
    env.insert(
        "KUBERNETES_PORT".to_owned(),
        "tcp://10.96.0.1:443".to_owned(),
    );
    for from in &c.env_from {
        let prefix = str_at(from, "prefix").unwrap_or_default();
        if let Some(r) = from.get("configMapRef") {
            let name = str_at(r, "name").unwrap_or_default();
            match config_map(api, ns, name) {
                Some(cm) => env.extend(
                    cm.data
                        .iter()
                        .map(|(k, v)| (format!("{prefix}{k}"), v.clone())),
                ),
                None if r.get("optional").and_then(Value::as_bool) == Some(true) => {}
                None => return Err(format!("configmap {name:?} not found")),
            }
        }
        if let Some(r) = from.get("secretRef") {
            let name = str_at(r, "name").unwrap_or_default();
            match secret(api, ns, name) {
                Some(s) => env.extend(
                    secret_data(s)
                        .into_iter()
                        .map(|(k, v)| (format!("{prefix}{k}"), v)),
                ),
                None if r.get("optional").and_then(Value::as_bool) == Some(true) => {}
                None => return Err(format!("secret {name:?} not found")),
            }
        }
    }
    for e in &c.env {
        let value = match (&e.value, &e.value_from) {
            (_, Some(from)) => {
                if let Some(f) = from.get("fieldRef") {
                    field_ref(pod, str_at(f, "fieldPath").unwrap_or_default(), Some(ips))
                        .unwrap_or_default()
                } else if let Some(r) = from.get("resourceFieldRef") {
                    resource_ref(pod, r, &c.name).unwrap_or_default()
                } else if let Some(r) = from.get("configMapKeyRef") {
                    let (name, key) = (
                        str_at(r, "name").unwrap_or_default(),
                        str_at(r, "key").unwrap_or_default(),
                    );
                    let optional = r.get("optional").and_then(Value::as_bool) == Some(true);
                    match config_map(api, ns, name).map(|cm| cm.data.get(key)) {
                        Some(Some(v)) => v.clone(),
                        _ if optional => continue,
                        Some(None) => {
                            return Err(format!(
                                "couldn't find key {key} in ConfigMap {ns}/{name}"
                            ));
                        }
                        None => return Err(format!("configmap {name:?} not found")),
                    }
                } else if let Some(r) = from.get("secretKeyRef") {
                    let (name, key) = (
                        str_at(r, "name").unwrap_or_default(),
                        str_at(r, "key").unwrap_or_default(),
                    );
                    let optional = r.get("optional").and_then(Value::as_bool) == Some(true);
                    match secret(api, ns, name).map(|s| secret_data(s).get(key).cloned()) {
                        Some(Some(v)) => v,
                        _ if optional => continue,
                        Some(None) => {
                            return Err(format!("couldn't find key {key} in Secret {ns}/{name}"));
                        }
                        None => return Err(format!("secret {name:?} not found")),
                    }
                } else {
                    String::new()
                }
            }
            (Some(v), None) => expand(v, &env),
            (None, None) => String::new(),
        };
        env.insert(e.name.clone(), value);
    }
    Ok(env)
}

/// `$(VAR)` expansion of env values and command arguments (`expansion.Expand`): known
/// variables are replaced, `$$` escapes, unknown references stay as written.
pub fn expand(text: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match env.get(name) {
                Some(v) => out.push_str(v),
                None => out.push_str(&format!("$({name})")),
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Docker-link style variables for a Service (`MYSERVICE_SERVICE_HOST`, …).
fn service_env(s: &Service, env: &mut BTreeMap<String, String>) {
    let Some(ip) = s
        .spec
        .cluster_ip
        .as_deref()
        .filter(|ip| *ip != "None" && !ip.is_empty())
    else {
        return;
    };
    let name = s.metadata.name.to_ascii_uppercase().replace('-', "_");
    env.insert(format!("{name}_SERVICE_HOST"), ip.to_owned());
    if let Some(p) = s.spec.ports.first() {
        let proto = p.protocol.as_deref().unwrap_or("TCP");
        env.insert(format!("{name}_SERVICE_PORT"), p.port.to_string());
        env.insert(
            format!("{name}_PORT"),
            format!("{}://{ip}:{}", proto.to_ascii_lowercase(), p.port),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_follows_kubernetes_rules() {
        let env = BTreeMap::from([("A".to_owned(), "1".to_owned())]);
        assert_eq!(expand("x$(A)y$(B)$$(A)", &env), "x1y$(B)$(A)");
    }
}
