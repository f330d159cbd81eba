//! `kubectl get pods|svc|endpointslices -o wide` on simulated worlds, compared with the text
//! kubectl prints (columns and cell formats of `printPod`, `printService`,
//! `printEndpointSlice` in kubernetes/kubernetes `pkg/printers/internalversion/printers.go`).

use nodelab_engine::report::kubectl::{Resource, get};
use nodelab_engine::{SimTime, World, decode_manifests};

fn world_from(name: &str, text: &str, secs: u64) -> World {
    let manifests = decode_manifests(name, text).unwrap_or_else(|e| panic!("{e:?}"));
    let mut w = World::from_manifests(&manifests, Some(1)).unwrap_or_else(|e| panic!("{e}"));
    w.advance_to(SimTime::from_secs(secs));
    w
}

fn scenario(path: &str, secs: u64) -> World {
    let file = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    world_from(path, &text, secs)
}

fn text(w: &World, r: Resource, wide: bool) -> String {
    get(w, r, Some("default"), wide).render(Some("default"))
}

#[test]
fn service_web_tables_at_90s() {
    let w = scenario("lessons/scenarios/service-web.yaml", 90);
    assert_eq!(
        text(&w, Resource::Pods, true),
        "\
NAME     READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES
client   1/1     Running   0          90s   10.244.0.2   node-1   <none>           <none>
web-1    1/1     Running   0          90s   10.244.0.3   node-1   <none>           <none>
web-2    1/1     Running   0          90s   10.244.1.2   node-2   <none>           <none>
web-3    1/1     Running   0          90s   10.244.1.3   node-2   <none>           <none>
"
    );
    assert_eq!(
        text(&w, Resource::Services, true),
        "\
NAME   TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)   AGE   SELECTOR
web    ClusterIP   10.97.105.117   <none>        80/TCP    90s   app=web
"
    );
    assert_eq!(
        text(&w, Resource::EndpointSlices, true),
        "\
NAME        ADDRESSTYPE   PORTS   ENDPOINTS                          AGE
web-sbtp5   IPv4          80      10.244.0.3,10.244.1.2,10.244.1.3   90s
"
    );
    assert_eq!(
        get(&w, Resource::Services, None, false).render(None),
        "\
NAMESPACE   NAME   TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)   AGE
default     web    ClusterIP   10.97.105.117   <none>        80/TCP    90s
"
    );
    assert_eq!(
        text(&w, Resource::Pods, false).lines().next(),
        Some("NAME     READY   STATUS    RESTARTS   AGE")
    );
}

const NODEPORT_LB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 5
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
        tier: front
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web-np
spec:
  type: NodePort
  selector:
    app: web
    tier: front
  ports:
  - name: http
    port: 80
    nodePort: 30080
  - name: metrics
    port: 9113
    protocol: UDP
    nodePort: 30913
---
apiVersion: v1
kind: Service
metadata:
  name: web-lb
spec:
  type: LoadBalancer
  selector:
    app: web
  ports:
  - port: 443
    targetPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  type: ExternalName
  externalName: db.example.com
";

#[test]
fn node_port_load_balancer_external_name_and_more_endpoints() {
    let w = world_from("np.yaml", NODEPORT_LB, 150);
    // ExternalName: no cluster IP, the external name as EXTERNAL-IP, no ports; NodePort:
    // `port:nodePort/PROTO`; LoadBalancer: the ingress IP the load balancer assigned.
    assert_eq!(
        text(&w, Resource::Services, true),
        "\
NAME     TYPE           CLUSTER-IP       EXTERNAL-IP      PORT(S)                       AGE     SELECTOR
db       ExternalName   <none>           db.example.com   <none>                        2m30s   <none>
web-lb   LoadBalancer   10.96.153.110    172.18.255.200   443:30236/TCP                 2m30s   app=web
web-np   NodePort       10.102.125.252   <none>           80:30080/TCP,9113:30913/UDP   2m30s   app=web,tier=front
"
    );
    // Five ready endpoints: the first three and ` + 2 more...` (`listWithMoreString`).
    assert_eq!(
        text(&w, Resource::EndpointSlices, true),
        "\
NAME           ADDRESSTYPE   PORTS     ENDPOINTS                                      AGE
web-lb-p5h7t   IPv4          80        10.244.0.2,10.244.0.3,10.244.0.4 + 2 more...   2m30s
web-np-trfd8   IPv4          80,9113   10.244.0.2,10.244.0.3,10.244.0.4 + 2 more...   2m30s
"
    );
}

#[test]
fn empty_namespace_says_no_resources_found() {
    let w = world_from("np.yaml", NODEPORT_LB, 1);
    assert_eq!(
        get(&w, Resource::Pods, Some("kube-public"), true).render(Some("kube-public")),
        "No resources found in kube-public namespace.\n"
    );
}
