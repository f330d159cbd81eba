//! `nodelab get` and `nodelab describe`: kubectl's tables and describe text at a simulated
//! time, and exit code 2 with a clear message on bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
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

fn service_web() -> String {
    repo("lessons/scenarios/service-web.yaml")
        .display()
        .to_string()
}

#[test]
fn get_svc_wide_prints_kubectls_columns() {
    let file = service_web();
    let (code, out, err) = nodelab(&["get", "svc", &file, "-o", "wide", "--until", "90s"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "\
NAME   TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)   AGE   SELECTOR
web    ClusterIP   10.97.105.117   <none>        80/TCP    90s   app=web
"
    );
}

#[test]
fn get_endpointslices_and_pods_at_a_time() {
    let file = service_web();
    let (code, out, err) = nodelab(&["get", "endpointslices", &file, "--until", "2m"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "\
NAME        ADDRESSTYPE   PORTS   ENDPOINTS                          AGE
web-sbtp5   IPv4          80      10.244.0.3,10.244.1.2,10.244.1.3   2m
"
    );
    // Before the images are pulled the pods are still creating.
    let (code, out, _) = nodelab(&["get", "po", &file, "--until", "1s", "-o", "wide"]);
    assert_eq!(code, 0);
    let web1 = out
        .lines()
        .find(|l| l.starts_with("web-1 "))
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(web1[..3], ["web-1", "0/1", "ContainerCreating"], "{out}");
    let (code, out, _) = nodelab(&["get", "pods", &file, "-A", "--until", "90s"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("NAMESPACE   NAME     READY   STATUS"),
        "{out}"
    );
}

#[test]
fn describe_pod_reuses_kubectl_describe() {
    let file = repo("lessons/scenarios/liveness-http.yaml")
        .display()
        .to_string();
    let (code, out, err) = nodelab(&["describe", "pod/liveness-http", &file, "--until", "40s"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Name:"), "{out}");
    assert!(out.contains("liveness-http"), "{out}");
    assert!(
        out.contains("Liveness probe failed: HTTP probe failed with statuscode: 500"),
        "{out}"
    );
    assert!(out.contains("Killing"), "{out}");
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let file = service_web();
    let cases: [(&[&str], &str); 5] = [
        (
            &["get", "deploy", &file],
            "doesn't have a resource type \"deploy\"",
        ),
        (&["get", "pods", &file, "-o", "yaml"], "-o \"yaml\""),
        (&["get", "pods", &file, "--until", "soon"], "--until"),
        (&["describe", "pod/nope", &file], "pods \"nope\" not found"),
        (&["describe", "svc/web", &file], "describes pods only"),
    ];
    for (args, want) in cases {
        let (code, out, err) = nodelab(args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let (code, _, err) = nodelab(&["get", "pods", "/nonexistent.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent.yaml"), "{err}");
}
