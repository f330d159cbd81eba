//! Deployments and ReplicaSets: the Kubernetes documentation's Deployment examples run as
//! written. The Deployment controller creates `<deployment>-<pod-template-hash>`, the
//! ReplicaSet controller creates `<replicaset>-<5 characters>` pods through the API server,
//! the scheduler and kubelet run them, and the controllers' status, conditions and events use
//! upstream's words (`pkg/controller/deployment`, `pkg/controller/replicaset`).

use std::collections::{BTreeMap, BTreeSet};

use nodelab_engine::api::apps::{Deployment, ReplicaSet};
use nodelab_engine::api::meta::OwnerReference;
use nodelab_engine::api::pod::Pod;
use nodelab_engine::controllers::util::{compute_hash, is_pod_ready};
use nodelab_engine::report::workloads::{deployments_table, replicasets_table};
use nodelab_engine::{Kind, Object, ObjectRef, SimTime, World, decode_manifests};

/// `https://k8s.io/examples/controllers/nginx-deployment.yaml` (kubernetes/website
/// `content/en/examples/controllers/nginx-deployment.yaml`, stored version
/// 3389c10e6a8eb36cadbfe89cdb28acd00b020388; CC BY 4.0), unmodified.
const NGINX_DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app.kubernetes.io/name: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: nginx
  template:
    metadata:
      labels:
        app.kubernetes.io/name: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
";

/// `https://k8s.io/examples/service/networking/run-my-nginx.yaml` (kubernetes/website
/// `content/en/examples/service/networking/run-my-nginx.yaml`; CC BY 4.0), the conventional
/// YAML of the stored KYAML version 7a090ad7363dc8f01a2304c43a0fa3d27b25b540.
const RUN_MY_NGINX: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-nginx
spec:
  selector:
    matchLabels:
      run: my-nginx
  replicas: 2
  template:
    metadata:
      labels:
        run: my-nginx
    spec:
      containers:
      - name: my-nginx
        image: nginx
        ports:
        - containerPort: 80
";

/// The `rand.String` alphabet.
const ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

fn world(yaml: &str, seed: u64) -> World {
    let m = decode_manifests("test.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"));
    World::from_manifests(&m, Some(seed)).unwrap_or_else(|e| panic!("{e}"))
}

fn apply(w: &mut World, yaml: &str) {
    let m = decode_manifests("test.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"));
    w.apply_manifests(&m).unwrap_or_else(|e| panic!("{e}"));
}

fn at(w: &mut World, secs: u64) {
    w.advance_to(SimTime::from_secs(secs));
}

fn deployment(w: &World, name: &str) -> Deployment {
    match w
        .api()
        .get(&ObjectRef::new(Kind::Deployment, "default", name))
    {
        Some(Object::Deployment(d)) => d.clone(),
        _ => panic!("deployment {name} not found"),
    }
}

fn replica_sets(w: &World) -> Vec<ReplicaSet> {
    w.list(Kind::ReplicaSet)
        .filter_map(|o| match o {
            Object::ReplicaSet(rs) => Some(rs.clone()),
            _ => None,
        })
        .collect()
}

fn pods(w: &World) -> Vec<Pod> {
    w.list(Kind::Pod)
        .filter_map(|o| match o {
            Object::Pod(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn names(pods: &[Pod]) -> BTreeSet<String> {
    pods.iter().map(|p| p.metadata.name.clone()).collect()
}

/// Pods not being deleted.
fn live(w: &World) -> Vec<Pod> {
    pods(w)
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .collect()
}

/// Messages of the events with this reason, in order.
fn messages(w: &World, reason: &str) -> Vec<String> {
    w.events()
        .all()
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| e.message.clone())
        .collect()
}

fn owner(kind: &str, name: &str, uid: &str) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".to_owned(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        uid: uid.to_owned(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

fn conditions(d: &Deployment) -> Vec<(String, String, String, String)> {
    d.status
        .conditions
        .iter()
        .map(|c| {
            (
                c.type_.clone(),
                c.status.clone(),
                c.reason.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn cond(t: &str, s: &str, r: &str, m: &str) -> (String, String, String, String) {
    (t.to_owned(), s.to_owned(), r.to_owned(), m.to_owned())
}

#[test]
fn nginx_deployment_runs_three_pods_through_one_replica_set() {
    let mut w = world(NGINX_DEPLOYMENT, 1);
    at(&mut w, 60);
    let d = deployment(&w, "nginx-deployment");
    let hash = compute_hash(&d.spec.template, None);
    assert!(hash.chars().all(|c| "456789bcdf".contains(c)), "{hash}");
    let rss = replica_sets(&w);
    assert_eq!(rss.len(), 1);
    let rs = &rss[0];
    let rs_name = format!("nginx-deployment-{hash}");
    assert_eq!(rs.metadata.name, rs_name);

    let labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), "nginx".to_owned()),
        ("pod-template-hash".to_owned(), hash.clone()),
    ]);
    assert_eq!(rs.metadata.labels, labels);
    assert_eq!(rs.spec.selector.match_labels, labels);
    assert_eq!(rs.spec.template.metadata.labels, labels);
    assert_eq!(
        rs.metadata.owner_references,
        [owner("Deployment", "nginx-deployment", &d.metadata.uid)]
    );
    assert_eq!(
        rs.metadata.annotations,
        BTreeMap::from([
            (
                "deployment.kubernetes.io/desired-replicas".to_owned(),
                "3".to_owned()
            ),
            (
                "deployment.kubernetes.io/max-replicas".to_owned(),
                "4".to_owned()
            ),
            (
                "deployment.kubernetes.io/revision".to_owned(),
                "1".to_owned()
            ),
        ])
    );
    assert_eq!(rs.spec.replicas, Some(3));
    assert_eq!(
        (
            rs.status.replicas,
            rs.status.fully_labeled_replicas,
            rs.status.ready_replicas,
            rs.status.available_replicas,
            rs.status.observed_generation
        ),
        (3, Some(3), Some(3), Some(3), Some(1))
    );

    let ps = pods(&w);
    assert_eq!(ps.len(), 3);
    for p in &ps {
        let suffix = p
            .metadata
            .name
            .strip_prefix(&format!("{rs_name}-"))
            .unwrap_or_else(|| panic!("{} is not {rs_name}-xxxxx", p.metadata.name));
        assert_eq!(suffix.len(), 5);
        assert!(suffix.chars().all(|c| ALPHABET.contains(c)), "{suffix}");
        assert_eq!(p.metadata.generate_name, format!("{rs_name}-"));
        assert_eq!(p.metadata.labels, labels);
        assert_eq!(
            p.metadata.owner_references,
            [owner("ReplicaSet", &rs_name, &rs.metadata.uid)]
        );
        assert_eq!(p.status.phase.as_deref(), Some("Running"));
        assert!(is_pod_ready(p), "{} not ready", p.metadata.name);
        // The same admission as a kubectl-applied pod: defaults and the token volume.
        assert_eq!(p.spec.service_account_name.as_deref(), Some("default"));
        assert!(
            p.spec
                .volumes
                .iter()
                .any(|v| v.name.starts_with("kube-api-access-"))
        );
    }

    assert_eq!(
        d.metadata
            .annotations
            .get("deployment.kubernetes.io/revision")
            .map(String::as_str),
        Some("1")
    );
    let s = &d.status;
    assert_eq!(
        (
            s.observed_generation,
            s.replicas,
            s.updated_replicas,
            s.ready_replicas,
            s.available_replicas,
            s.unavailable_replicas
        ),
        (Some(1), Some(3), Some(3), Some(3), Some(3), None)
    );
    // The order a real cluster shows after a first rollout (Available was re-added when it
    // turned True, Progressing when it turned NewReplicaSetAvailable).
    assert_eq!(
        conditions(&d),
        [
            cond(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability."
            ),
            cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                &format!("ReplicaSet \"{rs_name}\" has successfully progressed.")
            ),
        ]
    );

    assert_eq!(
        messages(&w, "ScalingReplicaSet"),
        [format!("Scaled up replica set {rs_name} from 0 to 3")]
    );
    let created: BTreeSet<String> = messages(&w, "SuccessfulCreate")
        .iter()
        .filter_map(|m| m.strip_prefix("Created pod: ").map(str::to_owned))
        .collect();
    assert_eq!(created, names(&ps));
    let sources: BTreeSet<(String, String)> = w
        .events()
        .all()
        .iter()
        .filter(|e| matches!(e.reason.as_str(), "ScalingReplicaSet" | "SuccessfulCreate"))
        .map(|e| (e.object.to_string(), e.source.clone()))
        .collect();
    assert_eq!(
        sources,
        BTreeSet::from([
            (
                "deployment/nginx-deployment".to_owned(),
                "deployment-controller".to_owned()
            ),
            (
                format!("replicaset/{rs_name}"),
                "replicaset-controller".to_owned()
            ),
        ])
    );

    // kubectl get deployments / replicasets, as the Deployment page shows them.
    assert_eq!(
        deployments_table(&w),
        "NAME               READY   UP-TO-DATE   AVAILABLE   AGE\n\
         nginx-deployment   3/3     3            3           60s\n"
    );
    assert_eq!(
        replicasets_table(&w),
        format!(
            "NAME{}   DESIRED   CURRENT   READY   AGE\n{rs_name}   3         3         3       60s\n",
            " ".repeat(rs_name.len() - 4)
        )
    );
}

#[test]
fn the_status_reports_progress_while_pods_start() {
    let w = world(NGINX_DEPLOYMENT, 1);
    // At t = 0 the pods exist but none is ready yet.
    let d = deployment(&w, "nginx-deployment");
    let rs_name = replica_sets(&w)[0].metadata.name.clone();
    assert_eq!(
        (
            d.status.replicas,
            d.status.updated_replicas,
            d.status.available_replicas,
            d.status.unavailable_replicas
        ),
        (Some(3), Some(3), None, Some(3))
    );
    assert_eq!(
        conditions(&d),
        [
            cond(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability."
            ),
            cond(
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                &format!("ReplicaSet \"{rs_name}\" is progressing.")
            ),
        ]
    );
    assert_eq!(
        deployments_table(&w),
        "NAME               READY   UP-TO-DATE   AVAILABLE   AGE\n\
         nginx-deployment   0/3     3            0           0s\n"
    );
}

#[test]
fn a_deleted_pod_is_replaced() {
    let mut w = world(NGINX_DEPLOYMENT, 1);
    at(&mut w, 60);
    let before = names(&pods(&w));
    let victim = before.iter().next().cloned().unwrap_or_default();
    assert!(w.delete(&ObjectRef::new(Kind::Pod, "default", &victim)));
    // The victim is Terminating and no longer counts: a replacement exists at once.
    let now = live(&w);
    assert_eq!(now.len(), 3);
    let added: Vec<String> = names(&now).difference(&before).cloned().collect();
    assert_eq!(added.len(), 1, "{now:?}");
    assert_eq!(
        messages(&w, "SuccessfulCreate").last(),
        Some(&format!("Created pod: {}", added[0]))
    );
    at(&mut w, 120);
    let after = pods(&w);
    assert_eq!(after.len(), 3, "the victim is gone");
    assert!(!names(&after).contains(&victim));
    assert!(after.iter().all(is_pod_ready));
    let d = deployment(&w, "nginx-deployment");
    assert_eq!(d.status.available_replicas, Some(3));
    assert_eq!(messages(&w, "ScalingReplicaSet").len(), 1, "no scaling");
}

#[test]
fn scaling_up_and_down_keeps_one_replica_set_and_deletes_the_newest_pods() {
    let mut w = world(NGINX_DEPLOYMENT, 1);
    at(&mut w, 60);
    let originals = pods(&w);
    let rs_name = replica_sets(&w)[0].metadata.name.clone();
    apply(
        &mut w,
        &NGINX_DEPLOYMENT.replace("replicas: 3", "replicas: 5"),
    );
    at(&mut w, 120);
    let scaled_up = names(&live(&w));
    assert_eq!(scaled_up.len(), 5);
    assert!(live(&w).iter().all(is_pod_ready));
    let rs = &replica_sets(&w)[0];
    assert_eq!(replica_sets(&w).len(), 1, "scaling makes no new ReplicaSet");
    assert_eq!(
        rs.metadata
            .annotations
            .get("deployment.kubernetes.io/desired-replicas")
            .map(String::as_str),
        Some("5")
    );
    assert_eq!(
        rs.metadata
            .annotations
            .get("deployment.kubernetes.io/max-replicas")
            .map(String::as_str),
        Some("7"),
        "5 + ceil(25% of 5)"
    );

    apply(
        &mut w,
        &NGINX_DEPLOYMENT.replace("replicas: 3", "replicas: 1"),
    );
    assert_eq!(
        messages(&w, "ScalingReplicaSet"),
        [
            format!("Scaled up replica set {rs_name} from 0 to 3"),
            format!("Scaled up replica set {rs_name} from 3 to 5"),
            format!("Scaled down replica set {rs_name} from 5 to 1"),
        ]
    );
    // All five are Running, ready and on the one node; the two added at 60 s have been ready
    // for less time on the logarithmic scale (2^35 ns ≤ 60 s < 2^36 ns ≤ 120 s), so they go
    // first (ActivePodsWithRanks).
    let deleted: Vec<String> = messages(&w, "SuccessfulDelete")
        .iter()
        .filter_map(|m| m.strip_prefix("Deleted pod: ").map(str::to_owned))
        .collect();
    assert_eq!(deleted.len(), 4);
    let first_two: BTreeSet<String> = deleted[..2].iter().cloned().collect();
    let added: BTreeSet<String> = scaled_up.difference(&names(&originals)).cloned().collect();
    assert_eq!(first_two, added);
    let survivor = live(&w);
    assert_eq!(survivor.len(), 1);
    assert!(names(&originals).contains(&survivor[0].metadata.name));
    at(&mut w, 180);
    assert_eq!(pods(&w).len(), 1, "the deleted pods terminated");
    let d = deployment(&w, "nginx-deployment");
    assert_eq!(
        (d.status.replicas, d.status.available_replicas),
        (Some(1), Some(1))
    );
    assert_eq!(
        d.metadata
            .annotations
            .get("deployment.kubernetes.io/revision")
            .map(String::as_str),
        Some("1")
    );
}

#[test]
fn a_template_change_rolls_out_a_new_replica_set_within_surge_and_unavailability() {
    let mut w = world(NGINX_DEPLOYMENT, 1);
    at(&mut w, 60);
    let old_name = replica_sets(&w)[0].metadata.name.clone();
    // kubectl set image deployment/nginx-deployment nginx=nginx:1.16.1
    apply(&mut w, &NGINX_DEPLOYMENT.replace("1.14.2", "1.16.1"));
    let d = deployment(&w, "nginx-deployment");
    let new_name = format!("nginx-deployment-{}", compute_hash(&d.spec.template, None));
    assert_ne!(new_name, old_name);
    // maxSurge 25% of 3 → 1, maxUnavailable 25% of 3 → 0: never more than 4 pods, never fewer
    // than 3 ready ones that are not being deleted.
    while w.now() < SimTime::from_secs(120) {
        let Some(_) = w.step() else { break };
        let live = live(&w);
        assert!(live.len() <= 4, "{} pods at {:?}", live.len(), w.now());
        let ready = live.iter().filter(|p| is_pod_ready(p)).count();
        assert!(ready >= 3, "{ready} ready at {:?}", w.now());
    }
    at(&mut w, 120);
    // The sequence of the Deployment page's `kubectl describe deployments`.
    assert_eq!(
        messages(&w, "ScalingReplicaSet"),
        [
            format!("Scaled up replica set {old_name} from 0 to 3"),
            format!("Scaled up replica set {new_name} from 0 to 1"),
            format!("Scaled down replica set {old_name} from 3 to 2"),
            format!("Scaled up replica set {new_name} from 1 to 2"),
            format!("Scaled down replica set {old_name} from 2 to 1"),
            format!("Scaled up replica set {new_name} from 2 to 3"),
            format!("Scaled down replica set {old_name} from 1 to 0"),
        ]
    );
    let rss: BTreeMap<String, ReplicaSet> = replica_sets(&w)
        .into_iter()
        .map(|rs| (rs.metadata.name.clone(), rs))
        .collect();
    assert_eq!(rss.len(), 2, "the old ReplicaSet is kept for rollbacks");
    let revision = |rs: &ReplicaSet| {
        rs.metadata
            .annotations
            .get("deployment.kubernetes.io/revision")
            .cloned()
    };
    assert_eq!(rss[&old_name].spec.replicas, Some(0));
    assert_eq!(revision(&rss[&old_name]).as_deref(), Some("1"));
    assert_eq!(rss[&new_name].spec.replicas, Some(3));
    assert_eq!(revision(&rss[&new_name]).as_deref(), Some("2"));
    let ps = pods(&w);
    assert_eq!(ps.len(), 3);
    assert!(
        ps.iter()
            .all(|p| p.metadata.name.starts_with(&format!("{new_name}-"))
                && p.spec.containers[0].image.as_deref() == Some("nginx:1.16.1"))
    );
    let d = deployment(&w, "nginx-deployment");
    assert_eq!(
        d.metadata
            .annotations
            .get("deployment.kubernetes.io/revision")
            .map(String::as_str),
        Some("2")
    );
    assert_eq!(
        conditions(&d)[1],
        cond(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{new_name}\" has successfully progressed.")
        )
    );

    // Rolling back to the first template brings the old ReplicaSet back as revision 3.
    apply(&mut w, NGINX_DEPLOYMENT);
    at(&mut w, 180);
    let rs = replica_sets(&w)
        .into_iter()
        .find(|rs| rs.metadata.name == old_name)
        .unwrap_or_default();
    assert_eq!(rs.spec.replicas, Some(3));
    assert_eq!(revision(&rs).as_deref(), Some("3"));
    assert_eq!(
        rs.metadata
            .annotations
            .get("deployment.kubernetes.io/revision-history")
            .map(String::as_str),
        Some("1")
    );
    assert_eq!(replica_sets(&w).len(), 2, "no third ReplicaSet");
}

#[test]
fn deleting_the_deployment_deletes_its_replica_sets_and_pods() {
    let mut w = world(NGINX_DEPLOYMENT, 1);
    at(&mut w, 60);
    assert!(w.delete(&ObjectRef::new(
        Kind::Deployment,
        "default",
        "nginx-deployment"
    )));
    // Background propagation: the ReplicaSet goes now, the pods terminate gracefully.
    assert!(replica_sets(&w).is_empty());
    assert_eq!(pods(&w).len(), 3);
    assert!(live(&w).is_empty(), "all pods are Terminating");
    at(&mut w, 120);
    assert!(pods(&w).is_empty());
    assert_eq!(
        messages(&w, "SuccessfulCreate").len(),
        3,
        "nothing recreated"
    );
    assert_eq!(messages(&w, "Killing").len(), 3);
}

#[test]
fn the_same_seed_gives_the_same_names() {
    let run = |seed| {
        let mut w = world(NGINX_DEPLOYMENT, seed);
        at(&mut w, 30);
        let rs = replica_sets(&w)[0].metadata.name.clone();
        (rs, names(&pods(&w)))
    };
    let (a_rs, a_pods) = run(7);
    let (b_rs, b_pods) = run(7);
    let (c_rs, c_pods) = run(8);
    assert_eq!((&a_rs, &a_pods), (&b_rs, &b_pods));
    assert_eq!(a_rs, c_rs, "the ReplicaSet name is the template's hash");
    assert_ne!(a_pods, c_pods, "pod names come from the seeded generator");
}

#[test]
fn a_selector_that_does_not_match_the_template_is_rejected() {
    let bad = NGINX_DEPLOYMENT.replace(
        "      labels:\n        app.kubernetes.io/name: nginx\n",
        "      labels:\n        app: x\n",
    );
    let errors: Vec<String> = match decode_manifests("bad.yaml", &bad) {
        Ok(_) => vec![],
        Err(e) => e.iter().map(ToString::to_string).collect(),
    };
    assert_eq!(
        errors,
        [
            "bad.yaml:14:7: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`"
        ]
    );
    let mut w = World::new(1);
    let d: Deployment = serde_json::from_value(serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {
            "selector": {"matchLabels": {"app": "y"}},
            "template": {"metadata": {"labels": {"app": "x"}},
                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
        }
    }))
    .unwrap_or_default();
    let err = w.apply(Object::Deployment(d)).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "Deployment \"x\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`"
        )
    );
    assert!(replica_sets(&w).is_empty() && pods(&w).is_empty());
}

#[test]
fn recreate_waits_for_the_old_pods_to_be_gone() {
    let yaml = NGINX_DEPLOYMENT.replace(
        "  replicas: 3\n",
        "  replicas: 3\n  strategy:\n    type: Recreate\n",
    );
    let mut w = world(&yaml, 1);
    at(&mut w, 60);
    let old_name = replica_sets(&w)[0].metadata.name.clone();
    apply(&mut w, &yaml.replace("1.14.2", "1.16.1"));
    let scaling = messages(&w, "ScalingReplicaSet");
    assert_eq!(
        scaling.last(),
        Some(&format!("Scaled down replica set {old_name} from 3 to 0"))
    );
    assert_eq!(
        replica_sets(&w).len(),
        1,
        "no new ReplicaSet while old pods run"
    );
    at(&mut w, 120);
    let new_name = replica_sets(&w)
        .into_iter()
        .map(|rs| rs.metadata.name)
        .find(|n| *n != old_name)
        .unwrap_or_default();
    assert_eq!(
        messages(&w, "ScalingReplicaSet")[2..],
        [format!("Scaled up replica set {new_name} from 0 to 3")]
    );
    // The new ReplicaSet appeared only after the last old pod was removed.
    let created = w
        .events()
        .all()
        .iter()
        .find(|e| e.message.contains(&format!("{new_name} from 0 to 3")))
        .map(|e| e.time);
    let last_kill = w
        .events()
        .all()
        .iter()
        .filter(|e| e.reason == "Killing")
        .map(|e| e.time)
        .max();
    assert!(created > last_kill, "{created:?} after {last_kill:?}");
    assert_eq!(live(&w).len(), 3);
}

#[test]
fn min_ready_seconds_delays_availability() {
    let yaml =
        NGINX_DEPLOYMENT.replace("  replicas: 3\n", "  replicas: 3\n  minReadySeconds: 10\n");
    let mut w = world(&yaml, 1);
    at(&mut w, 5);
    let rs = &replica_sets(&w)[0];
    assert_eq!(rs.spec.min_ready_seconds, Some(10));
    assert_eq!(
        (rs.status.ready_replicas, rs.status.available_replicas),
        (Some(3), None),
        "ready, not yet available"
    );
    let d = deployment(&w, "nginx-deployment");
    assert_eq!(conditions(&d)[0].2, "MinimumReplicasUnavailable");
    // The pods turned ready within the first few seconds; 10 s later they count.
    at(&mut w, 16);
    let rs = &replica_sets(&w)[0];
    assert_eq!(rs.status.available_replicas, Some(3));
    let d = deployment(&w, "nginx-deployment");
    assert_eq!(d.status.available_replicas, Some(3));
    assert_eq!(conditions(&d)[0].2, "MinimumReplicasAvailable");
}

#[test]
fn a_rollout_without_progress_times_out() {
    let yaml = NGINX_DEPLOYMENT
        .replace(
            "  replicas: 3\n",
            "  replicas: 3\n  progressDeadlineSeconds: 30\n",
        )
        .replace("nginx:1.14.2", "registry.example/missing:1");
    let mut w = world(&yaml, 1);
    let rs_name = replica_sets(&w)[0].metadata.name.clone();
    at(&mut w, 25);
    let d = deployment(&w, "nginx-deployment");
    assert_eq!(conditions(&d)[1].2, "ReplicaSetUpdated");
    at(&mut w, 40);
    let d = deployment(&w, "nginx-deployment");
    assert_eq!(
        conditions(&d),
        [
            cond(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability."
            ),
            cond(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                &format!("ReplicaSet \"{rs_name}\" has timed out progressing.")
            ),
        ]
    );
    // Timed out one second after lastUpdateTime + 30 s.
    let c = &d.status.conditions[1];
    assert_eq!(c.last_update_time.as_deref(), Some("2026-01-01T00:00:31Z"));
}

#[test]
fn run_my_nginx_runs_two_pods_labelled_for_the_service() {
    let mut w = world(RUN_MY_NGINX, 1);
    at(&mut w, 60);
    let ps = live(&w);
    assert_eq!(ps.len(), 2);
    for p in &ps {
        assert_eq!(
            p.metadata.labels.get("run").map(String::as_str),
            Some("my-nginx")
        );
        assert!(p.metadata.name.starts_with("my-nginx-"));
        assert!(is_pod_ready(p));
        assert!(p.status.pod_ip.is_some());
    }
    assert_eq!(
        deployments_table(&w),
        "NAME       READY   UP-TO-DATE   AVAILABLE   AGE\n\
         my-nginx   2/2     2            2           60s\n"
    );
}

/// The ReplicaSet page's "Non-Template Pod acquisitions": bare pods whose labels match a
/// running ReplicaSet's selector are acquired by it and, being over the desired count,
/// deleted at once.
#[test]
fn a_replica_set_acquires_matching_bare_pods_and_deletes_the_surplus() {
    let rs_yaml = "apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
  labels:
    app: guestbook
    tier: frontend
spec:
  replicas: 3
  selector:
    matchLabels:
      tier: frontend
  template:
    metadata:
      labels:
        tier: frontend
    spec:
      containers:
      - name: php-redis
        image: nginx:1.27
";
    let bare = "apiVersion: v1
kind: Pod
metadata:
  name: pod1
  labels:
    tier: frontend
spec:
  containers:
  - name: hello1
    image: busybox:1.36
    command: ['sh', '-c', 'echo Hello Kubernetes! && sleep 3600']
---
apiVersion: v1
kind: Pod
metadata:
  name: pod2
  labels:
    tier: frontend
spec:
  containers:
  - name: hello2
    image: busybox:1.36
    command: ['sh', '-c', 'echo Hello Kubernetes! && sleep 3600']
";
    let mut w = world(rs_yaml, 1);
    at(&mut w, 30);
    let before = names(&live(&w));
    apply(&mut w, bare);
    assert_eq!(
        messages(&w, "SuccessfulDelete"),
        ["Deleted pod: pod1", "Deleted pod: pod2"]
    );
    assert_eq!(names(&live(&w)), before);
    at(&mut w, 40);
    assert_eq!(pods(&w).len(), 3);
}

/// The Deployment page's "Proportional scaling": 10 replicas, maxSurge 3, maxUnavailable 2,
/// an update to an image that cannot be pulled gets stuck at 8 old + 5 new; scaling to 15
/// then adds 3 to the old and 2 to the new ReplicaSet ("bigger proportions go to the
/// ReplicaSets with the most replicas").
#[test]
fn scaling_during_a_stuck_rollout_is_proportional() {
    let yaml = NGINX_DEPLOYMENT.replace(
        "  replicas: 3\n",
        "  replicas: 10\n  strategy:\n    rollingUpdate:\n      maxSurge: 3\n      maxUnavailable: 2\n",
    );
    let mut w = world(&yaml, 1);
    at(&mut w, 60);
    let old_name = replica_sets(&w)[0].metadata.name.clone();
    // The page uses nginx:sometag; any tag of nginx resolves here, so a missing repository.
    apply(
        &mut w,
        &yaml.replace("nginx:1.14.2", "registry.example/nginx:sometag"),
    );
    at(&mut w, 120);
    let sizes = |w: &World| -> BTreeMap<bool, (Option<i32>, i32, Option<i32>)> {
        replica_sets(w)
            .into_iter()
            .map(|rs| {
                (
                    rs.metadata.name == old_name,
                    (
                        rs.spec.replicas,
                        rs.status.replicas,
                        rs.status.ready_replicas,
                    ),
                )
            })
            .collect()
    };
    // kubectl get rs: new 5/5/0, old 8/8/8.
    assert_eq!(
        sizes(&w),
        BTreeMap::from([(false, (Some(5), 5, None)), (true, (Some(8), 8, Some(8)))])
    );
    apply(
        &mut w,
        &yaml
            .replace("nginx:1.14.2", "registry.example/nginx:sometag")
            .replace("replicas: 10", "replicas: 15"),
    );
    at(&mut w, 180);
    // kubectl get rs: new 7/7/0, old 11/11/11.
    assert_eq!(
        sizes(&w),
        BTreeMap::from([
            (false, (Some(7), 7, None)),
            (true, (Some(11), 11, Some(11)))
        ])
    );
}

/// A change of replicas and template at once is a scaling event first (the active
/// ReplicaSet takes the new size), then a rollout; an old ReplicaSet is never scaled up by
/// the rollout even while its status still counts the pods it is about to delete.
#[test]
fn scaling_and_changing_the_template_at_once_scales_first() {
    let ten = NGINX_DEPLOYMENT.replace("replicas: 3", "replicas: 10");
    let mut w = world(&ten, 1);
    at(&mut w, 60);
    let old_name = replica_sets(&w)[0].metadata.name.clone();
    apply(
        &mut w,
        &NGINX_DEPLOYMENT
            .replace("replicas: 3", "replicas: 4")
            .replace("1.14.2", "1.16.1"),
    );
    at(&mut w, 120);
    let scaling = messages(&w, "ScalingReplicaSet");
    assert_eq!(
        scaling[1],
        format!("Scaled down replica set {old_name} from 10 to 4")
    );
    assert!(scaling[2].ends_with("from 0 to 1"), "{scaling:?}");
    let old_ups = scaling[1..]
        .iter()
        .filter(|m| m.starts_with(&format!("Scaled up replica set {old_name} ")))
        .count();
    assert_eq!(old_ups, 0, "{scaling:?}");
    assert_eq!(live(&w).len(), 4);
}
