//! kube-scheduler, reduced to what a node course needs: filter nodes by `nodeName`,
//! `nodeSelector`, unschedulable/taints and resource requests; pick the least-allocated fit;
//! bind, or report `FailedScheduling` with the scheduler's message.

use std::collections::BTreeMap;

use crate::api::pod::{Pod, PodCondition};
use crate::api::{Kind, Object, ObjectRef};
use crate::ctx::Ctx;
use crate::events::EventType;

/// The scheduler's reporting name.
pub const SCHEDULER_NAME: &str = "default-scheduler";

/// CPU (millicores) and memory (bytes) a pod requests: the sum over app containers, or the
/// largest init container if larger (`resourcehelper.PodRequests`), plus overhead.
pub fn pod_requests(pod: &Pod) -> (i64, i64) {
    let get = |c: &crate::api::pod::Container, r: &str| {
        c.resources.requests.get(r).map_or(0, |q| {
            if r == "cpu" {
                q.milli_value()
            } else {
                q.value()
            }
        })
    };
    let mut cpu: i64 = pod.spec.containers.iter().map(|c| get(c, "cpu")).sum();
    let mut mem: i64 = pod.spec.containers.iter().map(|c| get(c, "memory")).sum();
    for c in &pod.spec.init_containers {
        cpu = cpu.max(get(c, "cpu"));
        mem = mem.max(get(c, "memory"));
    }
    cpu += pod.spec.overhead.get("cpu").map_or(0, |q| q.milli_value());
    mem += pod.spec.overhead.get("memory").map_or(0, |q| q.value());
    (cpu, mem)
}

/// Tries to bind every pending pod that names no node. Pods are taken in creation order.
pub fn schedule_pending(ctx: &mut Ctx<'_>) {
    let pending: Vec<ObjectRef> = ctx
        .api
        .list(Kind::Pod)
        .filter_map(|o| match o {
            Object::Pod(p)
                if p.spec.node_name.is_none() && p.metadata.deletion_timestamp.is_none() =>
            {
                Some(o.reference())
            }
            _ => None,
        })
        .collect();
    if pending.is_empty() {
        return;
    }
    let nodes: Vec<crate::api::node::Node> = ctx
        .api
        .list(Kind::Node)
        .filter_map(|o| {
            if let Object::Node(n) = o {
                Some(n.clone())
            } else {
                None
            }
        })
        .collect();
    // The scheduler cache: requests of the pods bound to each node. Pods that finished
    // (Succeeded or Failed) no longer hold resources.
    let mut used: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for o in ctx.api.list(Kind::Pod) {
        if let Object::Pod(p) = o
            && let Some(n) = &p.spec.node_name
            && !matches!(p.status.phase.as_deref(), Some("Succeeded" | "Failed"))
        {
            let (c, m) = pod_requests(p);
            let e = used.entry(n.clone()).or_default();
            *e = (e.0 + c, e.1 + m, e.2 + 1);
        }
    }
    for key in pending {
        schedule_one(ctx, &key, &nodes, &mut used);
    }
}

fn schedule_one(
    ctx: &mut Ctx<'_>,
    key: &ObjectRef,
    nodes: &[crate::api::node::Node],
    used: &mut BTreeMap<String, (i64, i64, i64)>,
) {
    let Some(Object::Pod(pod)) = ctx.api.get(key) else {
        return;
    };
    let (cpu, mem) = pod_requests(pod);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut best: Option<(i64, String)> = None;
    for node in nodes {
        let name = &node.metadata.name;
        let alloc = |r: &str| {
            node.status.allocatable.get(r).map_or(0, |q| {
                if r == "cpu" {
                    q.milli_value()
                } else {
                    q.value()
                }
            })
        };
        let (ucpu, umem, upods) = used.get(name).copied().unwrap_or_default();
        let mut fails = Vec::new();
        if node.spec.unschedulable == Some(true) {
            fails.push("node(s) were unschedulable".to_owned());
        }
        if !pod
            .spec
            .node_selector
            .iter()
            .all(|(k, v)| node.metadata.labels.get(k) == Some(v))
        {
            fails.push("node(s) didn't match Pod's node affinity/selector".to_owned());
        }
        if upods + 1 > alloc("pods") {
            fails.push("Too many pods".to_owned());
        }
        if cpu > 0 && ucpu + cpu > alloc("cpu") {
            fails.push("Insufficient cpu".to_owned());
        }
        if mem > 0 && umem + mem > alloc("memory") {
            fails.push("Insufficient memory".to_owned());
        }
        if fails.is_empty() {
            // NodeResourcesFit LeastAllocated: prefer the node with the most free CPU + memory share.
            // In i128: a node may have an absurd capacity (the product would overflow i64).
            let share =
                |free: i64, total: i64| (i128::from(free) * 1000 / i128::from(total.max(1))) as i64;
            let score = share(alloc("cpu") - ucpu - cpu, alloc("cpu"))
                + share(alloc("memory") - umem - mem, alloc("memory"));
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, name.clone()));
            }
        } else {
            for f in fails {
                *reasons.entry(f).or_default() += 1;
            }
        }
    }
    match best {
        Some((_, node)) => {
            let e = used.entry(node.clone()).or_default();
            *e = (e.0 + cpu, e.1 + mem, e.2 + 1);
            let now = ctx.now.rfc3339();
            ctx.api.modify_pod(key, |pod| {
                pod.spec.node_name = Some(node.clone());
                set_condition(pod, "PodScheduled", "True", None, None, now);
                pod.status.phase.get_or_insert_with(|| "Pending".to_owned());
            });
            let msg = format!(
                "Successfully assigned {}/{} to {node}",
                key.namespace, key.name
            );
            // Caused by the event that created the pod (a ReplicaSet's `SuccessfulCreate`).
            let cause = ctx
                .events
                .change_of(key)
                .map(|index| crate::events::Cause::Event { index });
            ctx.event_caused(
                EventType::Normal,
                key,
                "Scheduled",
                msg,
                SCHEDULER_NAME,
                None,
                cause,
            );
        }
        None => {
            // The scheduler's FitError message (pkg/scheduler/framework/types.go): reasons sorted.
            let mut parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
            parts.sort();
            let total = nodes.len();
            let msg = if total == 0 {
                "no nodes available to schedule pods".to_owned()
            } else {
                format!(
                    "0/{total} nodes are available: {}. preemption: 0/{total} nodes are available: {total} No preemption victims found for incoming pod..",
                    parts.join(", ")
                )
            };
            let already = pod
                .status
                .conditions
                .iter()
                .any(|c| c.type_ == "PodScheduled" && c.message.as_deref() == Some(&msg));
            if !already {
                let now = ctx.now.rfc3339();
                let condition_msg = msg.clone();
                ctx.api.modify_pod(key, |pod| {
                    set_condition(
                        pod,
                        "PodScheduled",
                        "False",
                        Some("Unschedulable"),
                        Some(condition_msg),
                        now,
                    );
                    pod.status.phase = Some("Pending".to_owned());
                });
                ctx.event(
                    EventType::Warning,
                    key,
                    "FailedScheduling",
                    msg,
                    SCHEDULER_NAME,
                    None,
                );
            }
        }
    }
}

/// Sets a pod condition, keeping `lastTransitionTime` when the status did not change.
pub fn set_condition(
    pod: &mut Pod,
    type_: &str,
    status: &str,
    reason: Option<&str>,
    message: Option<String>,
    now: String,
) {
    set_condition_in(
        &mut pod.status.conditions,
        type_,
        status,
        reason,
        message,
        now,
    );
}

/// [`set_condition`] on a condition list.
pub fn set_condition_in(
    conditions: &mut Vec<PodCondition>,
    type_: &str,
    status: &str,
    reason: Option<&str>,
    message: Option<String>,
    now: String,
) {
    let existing = conditions.iter_mut().find(|c| c.type_ == type_);
    match existing {
        Some(c) => {
            if c.status != status {
                c.last_transition_time = Some(now);
            }
            c.status = status.to_owned();
            c.reason = reason.map(str::to_owned);
            c.message = message;
        }
        None => conditions.push(PodCondition {
            type_: type_.to_owned(),
            status: status.to_owned(),
            last_probe_time: None,
            last_transition_time: Some(now),
            reason: reason.map(str::to_owned),
            message,
        }),
    }
}
