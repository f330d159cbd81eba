//! Property test: mutated manifests never panic the decoder, the validator or the engine.
//! Runs `NODELAB_FUZZ_CASES` cases (default 10,000; `cargo xtask test` runs a shorter pass).

use nodelab_engine::{SimTime, World, decode_manifests};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const SEEDS: &[&str] = &[
    include_str!("../../../lessons/scenarios/nginx-pod.yaml"),
    "apiVersion: nodelab.dev/v1alpha1\nkind: Lab\nmetadata: {name: l}\nspec:\n  nodes:\n  - {name: a, cpu: 2, memory: 1Gi}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: dev}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        resources: {requests: {cpu: 500m, memory: 64Mi}, limits: {memory: 128Mi}}\n        livenessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}\n",
    "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports:\n  - {name: http, port: 80, targetPort: http, nodePort: 30080}\n  sessionAffinity: ClientIP\n---\napiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: gvisor}\nhandler: runsc\n",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: big}\nspec:\n  initContainers:\n  - {name: init, image: busybox:1.36, command: [sh, -c, 'sleep 2']}\n  containers:\n  - name: app\n    image: busybox\n    resources: {requests: {cpu: '8'}}\n",
];

/// Tokens that make mutations hit interesting decoder paths.
const TOKENS: &[&str] = &[
    ":",
    "-",
    " ",
    "\n",
    "  ",
    "{",
    "}",
    "[",
    "]",
    "'",
    "\"",
    "#",
    "&a",
    "*a",
    "!!int",
    "~",
    "0",
    "-1",
    "1e9",
    "99999999999999999999",
    "yes",
    "containers",
    "kind: Pod",
    "---\n",
    "\t",
    "é",
    "name: ",
    "image: ",
];

#[derive(Clone, Debug)]
enum Mutation {
    Insert(usize, usize),
    Delete(usize, usize),
    Replace(usize, usize),
    DuplicateLine(usize),
    Indent(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(p, t)| Mutation::Insert(p, t)),
        (any::<usize>(), 1usize..8).prop_map(|(p, n)| Mutation::Delete(p, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(p, t)| Mutation::Replace(p, t)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::Indent),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |p: usize| {
        if chars.is_empty() {
            0
        } else {
            p % (chars.len() + 1)
        }
    };
    let mut out = chars.clone();
    match m {
        Mutation::Insert(p, t) => {
            let p = at(*p);
            out.splice(p..p, TOKENS[*t].chars());
        }
        Mutation::Delete(p, n) => {
            let p = at(*p);
            let end = (p + n).min(out.len());
            out.drain(p..end);
        }
        Mutation::Replace(p, t) => {
            let p = at(*p).min(out.len().saturating_sub(1));
            if !out.is_empty() {
                out.splice(p..=p, TOKENS[*t].chars());
            }
        }
        Mutation::DuplicateLine(l) | Mutation::Indent(l) => {
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            if !lines.is_empty() {
                let i = l % lines.len();
                if matches!(m, Mutation::DuplicateLine(_)) {
                    let line = lines[i].clone();
                    lines.insert(i, line);
                } else {
                    lines[i].insert(0, ' ');
                }
            }
            return lines.join("\n");
        }
    }
    out.into_iter().collect()
}

#[test]
fn mutated_manifests_never_panic() {
    let cases = std::env::var("NODELAB_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0..SEEDS.len(), prop::collection::vec(mutation(), 1..4));
    let result = runner.run(&strategy, |(seed, mutations)| {
        let mut text = SEEDS[seed].to_owned();
        for m in &mutations {
            text = apply(&text, m);
        }
        if let Ok(manifests) = decode_manifests("fuzz.yaml", &text) {
            if let Ok(mut world) = World::from_manifests(&manifests, Some(1)) {
                world.advance_to(SimTime::from_secs(30));
                prop_assert!(world.now() == SimTime::from_secs(30));
            }
        } else if let Err(errors) = decode_manifests("fuzz.yaml", &text) {
            // Every error names the file and a 1-based position.
            for e in errors {
                prop_assert!(e.line >= 1 && e.column >= 1, "{e}");
                prop_assert!(e.to_string().starts_with("fuzz.yaml:"), "{e}");
            }
        }
        Ok(())
    });
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn every_seed_is_valid_before_mutation() {
    for (i, seed) in SEEDS.iter().enumerate() {
        let manifests = decode_manifests("seed.yaml", seed);
        assert!(manifests.is_ok(), "seed {i}: {manifests:?}");
        let world = manifests.map(|m| World::from_manifests(&m, Some(1)).map(|_| ()));
        assert!(matches!(world, Ok(Ok(()))), "seed {i}: {world:?}");
    }
}
