//! Predict-questions: queries the engine answers by running a scenario, and grading a
//! learner's response against that answer.
//!
//! The file never holds the answer: [`answer`] simulates the scenario (deterministically,
//! with the Lab's seed) and reads the state the query asks about.

use std::collections::BTreeSet;
use std::fmt;

use nodelab_engine::api::pod::Pod;
use nodelab_engine::net::trace::Source;
use nodelab_engine::world::{ClientOptions, TrafficSpec};
use nodelab_engine::{Kind, Manifest, Object, ObjectRef, SimTime, World};
use serde::{Deserialize, Serialize};

use crate::model::{Question, QuestionKind};

/// What a predict-question asks the engine. Pods are `NAME` or `NAMESPACE/NAME`; times are
/// durations from the scenario's start (`90s`, `3m`); `container` defaults to the pod's
/// first container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum PredictQuery {
    /// `status.containerStatuses[].restartCount` at `at` (number).
    #[serde(rename_all = "camelCase")]
    RestartCount {
        /// Pod.
        pod: String,
        /// Container.
        #[serde(default)]
        container: Option<String>,
        /// When.
        at: String,
    },
    /// `status.phase` at `at` (text: `Pending`, `Running`, `Succeeded`, `Failed`).
    PodPhase {
        /// Pod.
        pod: String,
        /// When.
        at: String,
    },
    /// The STATUS column of `kubectl get pods` at `at` (text: `Running`,
    /// `CrashLoopBackOff`, `OOMKilled`, `ImagePullBackOff`, …).
    PodStatus {
        /// Pod.
        pod: String,
        /// When.
        at: String,
    },
    /// Whether the pod's `Ready` condition is `True` at `at` (true/false).
    Ready {
        /// Pod.
        pod: String,
        /// When.
        at: String,
    },
    /// The reason of the container's last termination (`lastState.terminated`, or `state`
    /// if it is terminated now) at `at` (text: `OOMKilled`, `Error`, `Completed`, or
    /// `none`).
    TerminationReason {
        /// Pod.
        pod: String,
        /// Container.
        #[serde(default)]
        container: Option<String>,
        /// When.
        at: String,
    },
    /// The exit code of that termination (number; -1 if none).
    ExitCode {
        /// Pod.
        pod: String,
        /// Container.
        #[serde(default)]
        container: Option<String>,
        /// When.
        at: String,
    },
    /// `status.qosClass` once the pod is admitted (text).
    QosClass {
        /// Pod.
        pod: String,
    },
    /// How many events with this reason were recorded up to `at`, optionally only about
    /// one object (`pod/NAME`, `NAME` for a pod) (number).
    EventCount {
        /// Event reason (`BackOff`, `Unhealthy`, `Killing`, …).
        reason: String,
        /// The object (`pod/web`, `node/node-1`, `web`).
        #[serde(default)]
        object: Option<String>,
        /// When.
        at: String,
    },
    /// How many CRI calls of `method` the kubelets made up to `at` (number).
    CriCallCount {
        /// CRI method (`PullImage`, `RunPodSandbox`, …).
        method: String,
        /// Only this node's kubelet.
        #[serde(default)]
        node: Option<String>,
        /// When.
        at: String,
    },
    /// The order in which the kubelet first called each of `methods` (list of method
    /// names; the question's `items` carry them as `value`).
    CriCallOrder {
        /// The methods to order.
        methods: Vec<String>,
        /// Up to when (default 5m).
        #[serde(default)]
        at: Option<String>,
    },
    /// How many endpoints of the Service's EndpointSlices are `ready` at `at` (number).
    ReadyEndpoints {
        /// Service (`NAME` or `NAMESPACE/NAME`).
        service: String,
        /// When.
        at: String,
    },
    /// At `at`, `from` sends `request` requests (new connection each) to `to`: the pod
    /// that serves the last one (text: pod name, or `none` if it failed).
    #[serde(rename_all = "camelCase")]
    EndpointFor {
        /// `pod/NAME`, `node/NAME` or `external:IP`.
        from: String,
        /// `HOST[:PORT]`.
        to: String,
        /// Which request (1-based).
        request: u32,
        /// When.
        at: String,
    },
    /// At `at`, `from` sends `requests` requests to `to`: how many different pods served
    /// them (number).
    DistinctEndpoints {
        /// Client.
        from: String,
        /// Destination.
        to: String,
        /// How many requests.
        requests: u32,
        /// When.
        at: String,
    },
    /// At `at`, `from` sends `requests` requests to `to`: how many `pod` served (number).
    RequestsTo {
        /// Client.
        from: String,
        /// Destination.
        to: String,
        /// How many requests.
        requests: u32,
        /// The backend pod's name.
        pod: String,
        /// When.
        at: String,
    },
    /// The rules a node's kube-proxy has programmed at `at`: with `contains`, how many
    /// lines of its rules text (`iptables-save`, `ipvsadm -Ln` + ipsets + iptables, `nft
    /// -f`) contain it; without, its rule count (number).
    RuleCount {
        /// Node (default: the first).
        #[serde(default)]
        node: Option<String>,
        /// Count only lines containing this.
        #[serde(default)]
        contains: Option<String>,
        /// When.
        at: String,
    },
}

/// An answer the engine computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Answer {
    /// A count or code.
    Number(i64),
    /// A name or state.
    Text(String),
    /// Yes or no.
    Bool(bool),
    /// An order.
    List(Vec<String>),
}

impl Answer {
    /// The canonical text: numbers in decimal, `true`/`false`, list items joined by `, `.
    /// Option `value`s are compared with this.
    pub fn canonical(&self) -> String {
        match self {
            Answer::Number(n) => n.to_string(),
            Answer::Text(t) => t.clone(),
            Answer::Bool(b) => b.to_string(),
            Answer::List(items) => items.join(", "),
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// Why a query could not be answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PredictError {
    /// A duration did not parse.
    #[error("{0}")]
    BadTime(String),
    /// The pod is not in the scenario.
    #[error("pods {0:?} not found in the scenario")]
    NoPod(String),
    /// The container is not in the pod.
    #[error("container {container:?} not found in pod {pod:?}")]
    NoContainer {
        /// Pod.
        pod: String,
        /// Container.
        container: String,
    },
    /// The Service is not in the scenario.
    #[error("services {0:?} not found in the scenario")]
    NoService(String),
    /// The node does not exist.
    #[error("nodes {0:?} not found in the scenario")]
    NoNode(String),
    /// The scenario failed to load.
    #[error("{0}")]
    Scenario(String),
    /// Traffic could not be sent.
    #[error("traffic: {0}")]
    Traffic(String),
    /// The query is malformed.
    #[error("{0}")]
    Invalid(String),
}

fn at_time(text: &str) -> Result<SimTime, PredictError> {
    nodelab_engine::time::parse_duration(text)
        .map(SimTime::from_millis)
        .map_err(PredictError::BadTime)
}

fn pod_ref(text: &str) -> ObjectRef {
    let text = text.trim_start_matches("pod/");
    let (ns, name) = text.split_once('/').unwrap_or(("default", text));
    ObjectRef::new(Kind::Pod, ns, name)
}

/// The world at `at`, built from the scenario's manifests.
fn world_at(manifests: &[Manifest], at: SimTime) -> Result<World, PredictError> {
    let mut world = World::from_manifests(manifests, None)
        .map_err(|e| PredictError::Scenario(e.to_string()))?;
    world.advance_to(at);
    Ok(world)
}

fn pod<'a>(world: &'a World, name: &str) -> Result<&'a Pod, PredictError> {
    match world.api().get(&pod_ref(name)) {
        Some(Object::Pod(p)) => Ok(p),
        _ => Err(PredictError::NoPod(name.to_owned())),
    }
}

/// Checks that the query names things the scenario has, before running it long.
fn check_names(manifests: &[Manifest], query: &PredictQuery) -> Result<(), PredictError> {
    let world = world_at(manifests, SimTime::ZERO)?;
    let check_pod = |name: &str, container: Option<&str>| -> Result<(), PredictError> {
        let p = pod(&world, name)?;
        if let Some(c) = container
            && !p.all_containers().any(|x| x.name == c)
        {
            return Err(PredictError::NoContainer {
                pod: name.to_owned(),
                container: c.to_owned(),
            });
        }
        Ok(())
    };
    match query {
        PredictQuery::RestartCount { pod, container, .. }
        | PredictQuery::TerminationReason { pod, container, .. }
        | PredictQuery::ExitCode { pod, container, .. } => check_pod(pod, container.as_deref()),
        PredictQuery::PodPhase { pod, .. }
        | PredictQuery::PodStatus { pod, .. }
        | PredictQuery::Ready { pod, .. }
        | PredictQuery::QosClass { pod } => check_pod(pod, None),
        PredictQuery::RequestsTo { pod, from, .. } => {
            check_pod(pod, None)?;
            check_source(&world, from)
        }
        PredictQuery::EndpointFor { from, .. } | PredictQuery::DistinctEndpoints { from, .. } => {
            check_source(&world, from)
        }
        PredictQuery::ReadyEndpoints { service, .. } => {
            let (ns, name) = service.split_once('/').unwrap_or(("default", service));
            match world.api().get(&ObjectRef::new(Kind::Service, ns, name)) {
                Some(_) => Ok(()),
                None => Err(PredictError::NoService(service.clone())),
            }
        }
        PredictQuery::RuleCount { node: Some(n), .. }
        | PredictQuery::CriCallCount { node: Some(n), .. } => {
            if world.proxies().contains_key(n) {
                Ok(())
            } else {
                Err(PredictError::NoNode(n.clone()))
            }
        }
        PredictQuery::CriCallOrder { methods, .. } if methods.len() < 2 => Err(
            PredictError::Invalid("criCallOrder needs at least two methods".to_owned()),
        ),
        _ => Ok(()),
    }
}

fn check_source(world: &World, from: &str) -> Result<(), PredictError> {
    match Source::parse(from).map_err(|e| PredictError::Invalid(format!("from: {e}")))? {
        Source::Pod(key) => match world.api().get(&key) {
            Some(_) => Ok(()),
            None => Err(PredictError::NoPod(key.name)),
        },
        Source::Node(n) if !world.proxies().contains_key(&n) => Err(PredictError::NoNode(n)),
        _ => Ok(()),
    }
}

/// The container's status (the first container when none is named).
fn container_status<'a>(
    p: &'a Pod,
    pod_name: &str,
    container: Option<&str>,
) -> Result<Option<&'a nodelab_engine::api::pod::ContainerStatus>, PredictError> {
    let name = match container {
        Some(c) => c.to_owned(),
        None => p
            .spec
            .containers
            .first()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
    };
    if !p.all_containers().any(|c| c.name == name) {
        return Err(PredictError::NoContainer {
            pod: pod_name.to_owned(),
            container: name,
        });
    }
    Ok(p.status
        .container_statuses
        .iter()
        .chain(p.status.init_container_statuses.iter())
        .find(|s| s.name == name))
}

fn traffic(
    manifests: &[Manifest],
    from: &str,
    to: &str,
    requests: u32,
    at: &str,
) -> Result<Vec<Option<String>>, PredictError> {
    let mut world = world_at(manifests, at_time(at)?)?;
    let source = Source::parse(from).map_err(|e| PredictError::Invalid(format!("from: {e}")))?;
    let run = world
        .send(TrafficSpec {
            from: source,
            to: to.to_owned(),
            requests,
            path: "/".to_owned(),
            client: ClientOptions::default(),
        })
        .map_err(PredictError::Traffic)?;
    Ok(run
        .results
        .iter()
        .map(|r| if r.outcome.ok() { r.pod.clone() } else { None })
        .collect())
}

/// Runs the scenario and answers the query.
pub fn answer(manifests: &[Manifest], query: &PredictQuery) -> Result<Answer, PredictError> {
    check_names(manifests, query)?;
    Ok(match query {
        PredictQuery::RestartCount {
            pod: name,
            container,
            at,
        } => {
            let world = world_at(manifests, at_time(at)?)?;
            let p = pod(&world, name)?;
            let n = container_status(p, name, container.as_deref())?.map_or(0, |s| s.restart_count);
            Answer::Number(i64::from(n))
        }
        PredictQuery::PodPhase { pod: name, at } => {
            let world = world_at(manifests, at_time(at)?)?;
            let p = pod(&world, name)?;
            Answer::Text(
                p.status
                    .phase
                    .clone()
                    .unwrap_or_else(|| "Pending".to_owned()),
            )
        }
        PredictQuery::PodStatus { pod: name, at } => {
            let world = world_at(manifests, at_time(at)?)?;
            let p = pod(&world, name)?;
            Answer::Text(nodelab_engine::report::print_pod(p, world.now()).status)
        }
        PredictQuery::Ready { pod: name, at } => {
            let world = world_at(manifests, at_time(at)?)?;
            let p = pod(&world, name)?;
            Answer::Bool(
                p.status
                    .conditions
                    .iter()
                    .any(|c| c.type_ == "Ready" && c.status == "True"),
            )
        }
        PredictQuery::TerminationReason {
            pod: name,
            container,
            at,
        }
        | PredictQuery::ExitCode {
            pod: name,
            container,
            at,
        } => {
            let world = world_at(manifests, at_time(at)?)?;
            let p = pod(&world, name)?;
            let terminated = container_status(p, name, container.as_deref())?.and_then(|s| {
                s.state
                    .terminated
                    .as_ref()
                    .or(s.last_state.terminated.as_ref())
            });
            if matches!(query, PredictQuery::ExitCode { .. }) {
                Answer::Number(terminated.map_or(-1, |t| i64::from(t.exit_code)))
            } else {
                Answer::Text(
                    terminated
                        .and_then(|t| t.reason.clone())
                        .unwrap_or_else(|| "none".to_owned()),
                )
            }
        }
        PredictQuery::QosClass { pod: name } => {
            let world = world_at(manifests, SimTime::from_secs(1))?;
            let p = pod(&world, name)?;
            Answer::Text(p.status.qos_class.clone().unwrap_or_default())
        }
        PredictQuery::EventCount { reason, object, at } => {
            let world = world_at(manifests, at_time(at)?)?;
            let wanted = object.as_deref().map(|o| {
                if o.contains('/') && !o.starts_with("pod/") {
                    o.to_owned()
                } else {
                    format!("pod/{}", o.trim_start_matches("pod/"))
                }
            });
            let n = world
                .events()
                .all()
                .iter()
                .filter(|e| &e.reason == reason)
                .filter(|e| wanted.as_ref().is_none_or(|w| &e.object.to_string() == w))
                .count();
            Answer::Number(n as i64)
        }
        PredictQuery::CriCallCount { method, node, at } => {
            let world = world_at(manifests, at_time(at)?)?;
            let n = world
                .cri_calls()
                .iter()
                .filter(|c| c.method == method)
                .filter(|c| node.as_ref().is_none_or(|n| &c.node == n))
                .count();
            Answer::Number(n as i64)
        }
        PredictQuery::CriCallOrder { methods, at } => {
            let world = world_at(manifests, at_time(at.as_deref().unwrap_or("5m"))?)?;
            let mut seen: Vec<String> = Vec::new();
            for c in world.cri_calls() {
                if methods.iter().any(|m| m == c.method) && !seen.iter().any(|s| s == c.method) {
                    seen.push(c.method.to_owned());
                }
            }
            if seen.len() != methods.len() {
                let missing: Vec<&str> = methods
                    .iter()
                    .filter(|m| !seen.contains(m))
                    .map(String::as_str)
                    .collect();
                return Err(PredictError::Invalid(format!(
                    "the kubelet never called {}",
                    missing.join(", ")
                )));
            }
            Answer::List(seen)
        }
        PredictQuery::ReadyEndpoints { service, at } => {
            let world = world_at(manifests, at_time(at)?)?;
            let (ns, name) = service.split_once('/').unwrap_or(("default", service));
            let n = world
                .list(Kind::EndpointSlice)
                .filter_map(|o| match o {
                    Object::EndpointSlice(s)
                        if s.metadata.namespace == ns
                            && s.metadata
                                .labels
                                .get("kubernetes.io/service-name")
                                .is_some_and(|v| v == name) =>
                    {
                        Some(
                            s.endpoints
                                .iter()
                                .filter(|e| e.conditions.ready != Some(false))
                                .count(),
                        )
                    }
                    _ => None,
                })
                .sum::<usize>();
            Answer::Number(n as i64)
        }
        PredictQuery::EndpointFor {
            from,
            to,
            request,
            at,
        } => {
            if *request == 0 {
                return Err(PredictError::Invalid("request counts from 1".to_owned()));
            }
            let served = traffic(manifests, from, to, *request, at)?;
            Answer::Text(
                served
                    .last()
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "none".to_owned()),
            )
        }
        PredictQuery::DistinctEndpoints {
            from,
            to,
            requests,
            at,
        } => {
            let served = traffic(manifests, from, to, *requests, at)?;
            let set: BTreeSet<&String> = served.iter().flatten().collect();
            Answer::Number(set.len() as i64)
        }
        PredictQuery::RequestsTo {
            from,
            to,
            requests,
            pod,
            at,
        } => {
            let served = traffic(manifests, from, to, *requests, at)?;
            let name = pod.rsplit('/').next().unwrap_or(pod);
            Answer::Number(served.iter().flatten().filter(|p| *p == name).count() as i64)
        }
        PredictQuery::RuleCount { node, contains, at } => {
            let world = world_at(manifests, at_time(at)?)?;
            let proxy = match node {
                Some(n) => world.proxies().get(n),
                None => world.proxies().values().next(),
            }
            .ok_or_else(|| PredictError::NoNode(node.clone().unwrap_or_default()))?;
            let plane = proxy.dataplane();
            let n = match contains {
                Some(c) => plane
                    .render()
                    .lines()
                    .filter(|l| l.contains(c.as_str()))
                    .count(),
                None => plane.rule_count(),
            };
            Answer::Number(n as i64)
        }
    })
}

/// What a learner answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Response {
    /// Chosen option ids (`single`, `multiple`, `predict` with options).
    Options(Vec<String>),
    /// Item ids in the learner's order (`order`, `predict` with items).
    Order(Vec<String>),
    /// Free input (`predict` without options or items).
    Input(String),
}

/// Grades `response` to `question`. `answer` is the engine's answer for predict-questions
/// (see [`answer`]); other kinds ignore it. Free numeric input must equal the number
/// exactly; free text is compared ignoring case and surrounding spaces.
pub fn grade(question: &Question, answer: Option<&Answer>, response: &Response) -> bool {
    match (question.kind, response) {
        (QuestionKind::Single | QuestionKind::Multiple, Response::Options(chosen)) => {
            let want: BTreeSet<&str> = question
                .options
                .iter()
                .filter(|o| o.correct == Some(true))
                .map(|o| o.id.as_str())
                .collect();
            let got: BTreeSet<&str> = chosen.iter().map(String::as_str).collect();
            got.len() == chosen.len() && got == want
        }
        (QuestionKind::Order, Response::Order(ids)) => {
            ids.len() == question.items.len()
                && ids.iter().zip(&question.items).all(|(a, b)| *a == b.id)
        }
        (QuestionKind::Predict, _) => {
            let Some(answer) = answer else { return false };
            match response {
                Response::Options(chosen) => {
                    chosen.len() == 1
                        && question.options.iter().any(|o| {
                            o.id == chosen[0]
                                && o.value
                                    .as_ref()
                                    .is_some_and(|v| v.canonical() == answer.canonical())
                        })
                }
                Response::Order(ids) => {
                    let Answer::List(want) = answer else {
                        return false;
                    };
                    let values: Vec<String> = ids
                        .iter()
                        .filter_map(|id| question.items.iter().find(|i| &i.id == id))
                        .filter_map(|i| i.value.as_ref().map(|v| v.canonical()))
                        .collect();
                    &values == want
                }
                Response::Input(text) => match answer {
                    Answer::Number(n) => text.trim().parse::<i64>().is_ok_and(|x| x == *n),
                    other => text.trim().eq_ignore_ascii_case(other.canonical().trim()),
                },
            }
        }
        _ => false,
    }
}

/// The option ids (`predict` with options) whose value is the engine's answer.
pub fn matching_options<'a>(question: &'a Question, answer: &Answer) -> Vec<&'a str> {
    question
        .options
        .iter()
        .filter(|o| {
            o.value
                .as_ref()
                .is_some_and(|v| v.canonical() == answer.canonical())
        })
        .map(|o| o.id.as_str())
        .collect()
}
