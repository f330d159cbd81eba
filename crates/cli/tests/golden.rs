//! Golden scenarios and the CLI contract: each `tests/scenarios/<case>/` holds `input.yaml`,
//! `args` (the `nodelab` arguments before the file) and the expected output `expected.json`
//! or `expected.txt`. Set `UPDATE_GOLDEN=1` to rewrite expected files after a deliberate change.
//! Paths inside `args` (e.g. `--apply-at 30s=…`) are relative to `crates/cli`, the directory
//! the test runs in.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn scenarios() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo("tests/scenarios"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

fn nodelab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nodelab"))
        .args(args)
        .output();
    let Ok(out) = out else {
        return (-1, String::new(), "could not start nodelab".to_owned());
    };
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn golden_scenarios_match() {
    let cases = scenarios();
    assert!(!cases.is_empty(), "no scenarios found");
    for dir in cases {
        let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
        let mut argv: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
        argv.push(dir.join("input.yaml").display().to_string());
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = nodelab(&argv);
        assert_eq!(code, 0, "{}: {stderr}", dir.display());
        let expected_file = if args.contains("json") {
            "expected.json"
        } else {
            "expected.txt"
        };
        let path = dir.join(expected_file);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            assert!(
                std::fs::write(&path, &stdout).is_ok(),
                "write {}",
                path.display()
            );
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            stdout == expected,
            "{} differs from {}; rerun with UPDATE_GOLDEN=1 if intended",
            dir.display(),
            path.display()
        );
    }
}

#[test]
fn nginx_pod_runs_and_becomes_ready_with_the_five_events() {
    let file = repo("lessons/scenarios/nginx-pod.yaml")
        .display()
        .to_string();
    let (code, stdout, stderr) = nodelab(&["run", &file, "--until", "60s", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_default();
    let pod = &v["pods"][0];
    assert_eq!(pod["status"]["phase"], "Running");
    let ready = pod["status"]["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == "Ready"));
    assert_eq!(ready.map(|c| c["status"].clone()), Some("True".into()));
    let events = v["events"].as_array().cloned().unwrap_or_default();
    let reasons: Vec<&str> = events.iter().filter_map(|e| e["reason"].as_str()).collect();
    assert_eq!(
        reasons,
        ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    );
    let times: Vec<f64> = events.iter().filter_map(|e| e["time"].as_f64()).collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "times must increase: {times:?}"
    );
    assert_eq!(
        events[0]["message"],
        "Successfully assigned default/nginx to node-1"
    );
    assert_eq!(events[1]["message"], "Pulling image \"nginx:1.27\"");
    assert_eq!(events[3]["message"], "Created container: nginx");
    assert_eq!(events[4]["message"], "Started container nginx");
    // The calls made for the pod, without the kubelet's timers (PLEG relists every second,
    // the runtime Status check every 5 s, Version at start-up).
    let methods: Vec<&str> = v["criCalls"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["method"].as_str()).collect())
        .unwrap_or_default();
    let for_pod: Vec<&str> = methods
        .iter()
        .copied()
        .filter(|m| {
            !matches!(
                *m,
                "ListPodSandbox" | "ListContainers" | "Status" | "Version"
            )
        })
        .collect();
    // After PullImage the puller asks ImageStatus for the size it reports in the Pulled event
    // (pkg/kubelet/images/puller.go: GetImageSize → ImageStatus).
    assert_eq!(
        for_pod,
        [
            "RunPodSandbox",
            "PodSandboxStatus",
            "ImageStatus",
            "PullImage",
            "ImageStatus",
            "CreateContainer",
            "StartContainer"
        ]
    );
    assert_eq!(
        &methods[..2],
        ["Version", "Status"],
        "the kubelet connects first"
    );
    let relists = methods.iter().filter(|m| **m == "ListContainers").count();
    assert_eq!(relists, 60, "generic PLEG relists every second for 60 s");
}

#[test]
fn text_output_has_the_events_table_then_the_pods_table() {
    let file = repo("lessons/scenarios/nginx-pod.yaml")
        .display()
        .to_string();
    let (code, stdout, stderr) = nodelab(&["run", &file, "--until", "60s"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("LAST SEEN   TYPE     REASON"),
        "{stdout}"
    );
    let pods_header = lines
        .iter()
        .position(|l| l.starts_with("NAME    READY   STATUS"));
    let row = pods_header
        .and_then(|i| lines.get(i + 1))
        .copied()
        .unwrap_or_default();
    assert!(
        row.starts_with("nginx   1/1     Running   0          60s   10.244.0.2   node-1"),
        "{stdout}"
    );
}

#[test]
fn bad_input_exits_2_with_file_line_column_and_path() {
    let dir = std::env::temp_dir().join(format!("nodelab-cli-test-{}", std::process::id()));
    assert!(std::fs::create_dir_all(&dir).is_ok());
    let cases = [
        (
            "typo.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  contaners: []\n",
            ":6:3: spec.contaners: unknown field \"contaners\", did you mean \"containers\"?",
        ),
        (
            "type.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    image: nginx\n    ports:\n    - containerPort: http\n",
            ":10:22: spec.containers[0].ports[0].containerPort: invalid type: string \"http\"",
        ),
        (
            "indent.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   labels: {}\n",
            ":5:",
        ),
        (
            "ns.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  namespace: dev\nspec:\n  containers:\n  - {name: c, image: nginx}\n",
            ":5:3: metadata.namespace: namespaces \"dev\" not found",
        ),
    ];
    for (name, text, want) in cases {
        let path = dir.join(name);
        assert!(std::fs::write(&path, text).is_ok());
        let (code, stdout, stderr) = nodelab(&["run", &path.display().to_string()]);
        assert_eq!(code, 2, "{name}: {stdout}{stderr}");
        assert!(
            stderr.starts_with(&path.display().to_string()),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains(want),
            "{name}: {stderr:?} should contain {want:?}"
        );
    }
    let (code, _, stderr) = nodelab(&["run", "/nonexistent/x.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = nodelab(&["run", "--until", "soon", "/nonexistent/x.yaml"]);
    assert_eq!(code, 2);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn same_seed_same_bytes() {
    let f = repo("lessons/scenarios/nginx-pod.yaml")
        .display()
        .to_string();
    let a = nodelab(&["run", &f, "--seed", "7", "--format", "json"]);
    let b = nodelab(&["run", &f, "--seed", "7", "--format", "json"]);
    let c = nodelab(&["run", &f, "--seed", "8", "--format", "json"]);
    assert_eq!(a, b);
    assert_ne!(a.1, c.1, "a different seed gives different ids");
}

#[test]
fn crictl_views_show_the_node_runtime() {
    let file = repo("lessons/scenarios/nginx-pod.yaml")
        .display()
        .to_string();
    let (code, ps, stderr) = nodelab(&["crictl", "ps", "-a", &file, "--until", "2m"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = ps.lines().collect();
    assert_eq!(
        lines[0],
        // CREATED is "About a minute ago" wide plus 3 (21 columns); the others keep 20.
        "CONTAINER           IMAGE               CREATED              STATE               NAME                ATTEMPT             POD ID              POD                 NAMESPACE"
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(row[0].len(), 13, "ids are truncated to 13 characters");
    assert!(lines[1].contains("About a minute ago   Running"), "{ps}");
    assert!(lines[1].ends_with("nginx               default"), "{ps}");
    let (_, images, _) = nodelab(&["crictl", "images", &file, "--until", "2m"]);
    assert!(
        images.contains("docker.io/library/nginx   1.27"),
        "{images}"
    );
    assert!(images.contains("72.2MB"), "{images}");
    assert!(images.contains("registry.k8s.io/pause"), "{images}");
    let (_, pods, _) = nodelab(&["crictl", "pods", &file, "--until", "2m"]);
    assert!(pods.contains("Ready               nginx"), "{pods}");
    assert!(pods.trim_end().ends_with("(default)"), "{pods}");
    let id = row[0];
    let (code, inspect, stderr) = nodelab(&["crictl", "inspect", id, &file, "--until", "2m"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&inspect).unwrap_or_default();
    assert_eq!(v["status"]["state"], "CONTAINER_RUNNING");
    assert_eq!(v["status"]["metadata"]["name"], "nginx");
    assert_eq!(v["info"]["runtimeType"], "io.containerd.runc.v2");
    assert!(v["status"]["logPath"].as_str().is_some_and(|p| {
        p.starts_with("/var/log/pods/default_nginx_") && p.ends_with("/nginx/0.log")
    }));
    let (code, _, stderr) = nodelab(&["crictl", "inspect", "ffff", &file]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no such container"), "{stderr}");
    let (code, _, stderr) = nodelab(&["crictl", "ps", &file, "--node", "nope"]);
    assert_eq!(code, 2);
    assert_eq!(stderr.trim(), "nodelab: --node: nodes \"nope\" not found");
}

#[test]
fn a_lab_naming_an_unknown_runtime_is_rejected_with_its_position() {
    let dir = std::env::temp_dir().join("nodelab-bad-runtime");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("lab.yaml");
    let written = std::fs::write(
        &path,
        "apiVersion: nodelab.dev/v1alpha1\nkind: Lab\nspec:\n  containerRuntime: dockershim\n",
    );
    assert!(written.is_ok());
    let file = path.display().to_string();
    let (code, _, stderr) = nodelab(&["run", &file]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(":4:3: spec.containerRuntime: Unsupported value: \"dockershim\": supported values: \"containerd\", \"cri-o\", \"cri-dockerd\""),
        "{stderr}"
    );
}
