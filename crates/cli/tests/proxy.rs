//! `nodelab rules` and `nodelab trace`: the rules kube-proxy programs compared with the
//! expected output of kube-proxy's own v1.33 unit tests (fixtures in `tests/proxy/<mode>/`,
//! whose README names each source), and the CLI's errors.

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

fn cases(mode: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo(&format!("tests/proxy/{mode}")))
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

/// `NewFakeProxier`'s node, as the fixtures' READMEs say.
const UPSTREAM_NODE: [&str; 8] = [
    "--node-name",
    "test-node",
    "--node-ip",
    "192.168.0.2",
    "--cluster-cidr",
    "10.0.0.0/8",
    "--service-cidr",
    "172.30.0.0/16",
];

#[test]
fn iptables_rules_match_kube_proxy_byte_for_byte() {
    let dirs = cases("iptables");
    assert!(dirs.len() >= 3, "fixtures missing: {dirs:?}");
    for dir in dirs {
        let input = dir.join("input.yaml").display().to_string();
        let mut args = vec![
            "rules",
            input.as_str(),
            "--mode",
            "iptables",
            "--as-upstream-test",
        ];
        args.extend(UPSTREAM_NODE);
        let (code, out, err) = nodelab(&args);
        assert_eq!(code, 0, "{}: {err}", dir.display());
        let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap_or_default();
        assert_eq!(out, expected, "{}", dir.display());
    }
}

#[test]
fn iptables_rules_without_test_settings_are_what_a_node_runs() {
    let input = repo("tests/proxy/iptables/overall/input.yaml")
        .display()
        .to_string();
    let mut args = vec!["rules", input.as_str()];
    args.extend(UPSTREAM_NODE);
    let (code, out, err) = nodelab(&args);
    assert_eq!(code, 0, "{err}");
    // Go's %#08x of 1<<14, and MASQUERADE --random-fully as every current iptables has it.
    assert!(
        out.contains("-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n"),
        "{out}"
    );
    assert!(out.contains("-j MASQUERADE --random-fully\n"), "{out}");
}

#[test]
fn bad_rules_flags_exit_2() {
    let input = repo("tests/proxy/iptables/overall/input.yaml")
        .display()
        .to_string();
    let (code, _, err) = nodelab(&["rules", &input, "--mode", "ebpf"]);
    assert_eq!(code, 2);
    assert!(err.contains("--mode \"ebpf\""), "{err}");
    let (code, _, err) = nodelab(&["rules", &input, "--node-ip", "300.1.1.1"]);
    assert_eq!(code, 2);
    assert!(err.contains("--node-ip"), "{err}");
    let (code, _, err) = nodelab(&["rules", &input, "--view", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("only nftables"), "{err}");
}

#[test]
fn trace_walks_a_request_and_rejects_bad_sources() {
    let web = repo("tests/traffic/web.yaml").display().to_string();
    let services = repo("tests/traffic/services.yaml").display().to_string();
    let (code, out, err) = nodelab(&[
        "trace",
        &web,
        &services,
        "--from",
        "pod/client",
        "--to",
        "web",
        "--at",
        "30s",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("TRACE pod/client → web\n"), "{out}");
    assert!(out.contains("DNS web → 10.96.100.10"), "{out}");
    assert!(out.contains("-j DNAT --to-destination 10.244."), "{out}");
    assert!(out.contains("RESULT: HTTP 200"), "{out}");
    let (code, _, err) = nodelab(&["trace", &web, "--from", "container/x", "--to", "web"]);
    assert_eq!(code, 2);
    assert!(err.contains("--from"), "{err}");
    let (code, _, err) = nodelab(&["trace", &web, "--from", "node/node-1", "--to", "web"]);
    assert_eq!(code, 2);
    assert!(err.contains("only pods use the cluster DNS"), "{err}");
}

#[test]
fn nftables_transaction_matches_kube_proxy_as_a_set_of_add_lines() {
    let dir = repo("tests/proxy/nftables/overall");
    let input = dir.join("input.yaml").display().to_string();
    let mut args = vec![
        "rules",
        input.as_str(),
        "--mode",
        "nftables",
        "--as-upstream-test",
    ];
    args.extend(UPSTREAM_NODE);
    let (code, out, err) = nodelab(&args);
    assert_eq!(code, 0, "{err}");
    let adds = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines()
            .filter(|l| l.starts_with("add "))
            .map(str::to_owned)
            .collect()
    };
    let expected = std::fs::read_to_string(dir.join("expected.nft")).unwrap_or_default();
    let (ours, theirs) = (adds(&out), adds(&expected));
    assert!(theirs.len() > 100, "fixture too small");
    let missing: Vec<_> = theirs.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    // The second view of the same table.
    args.extend(["--view", "list"]);
    let (code, out, _) = nodelab(&args);
    assert_eq!(code, 0);
    assert!(out.starts_with("table ip kube-proxy {\n"), "{out}");
}
