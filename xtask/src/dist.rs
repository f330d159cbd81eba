//! Release builds with Trunk (`cargo xtask dist`) and the development server (`cargo xtask serve`).

use std::fs;
use std::path::Path;

use crate::proc::{self, cmd, root};
use crate::setup;

/// Normalizes a public URL to the `/path/` form Trunk and the static server expect.
pub fn normalize_public_url(url: &str) -> String {
    let trimmed = url.trim().trim_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        format!("/{trimmed}/")
    }
}

/// A release `trunk build` served from `public_url`, written to `out_dir`, made ready for GitHub
/// Pages: `404.html` (a copy of `index.html`, the single-page-app fallback) and `.nojekyll`.
pub fn build(public_url: &str, out_dir: &Path) -> Result<(), String> {
    let public_url = normalize_public_url(public_url);
    fetch_crates()?;
    println!(
        "dist: trunk build --release --public-url {public_url} --dist {}",
        out_dir.display()
    );
    proc::run(
        cmd("trunk")
            .args(["build", "--release", "--public-url", &public_url, "--dist"])
            .arg(out_dir),
    )?;
    finish_for_pages(out_dir)
}

/// Downloads the crates of every target. Trunk's `offline = true` also passes `--offline` to its
/// cargo build, which would otherwise fail on a fresh machine; instant when all are present.
fn fetch_crates() -> Result<(), String> {
    proc::run(cmd("cargo").arg("fetch"))
}

/// Adds `404.html` and `.nojekyll` to a built site.
fn finish_for_pages(out_dir: &Path) -> Result<(), String> {
    let index = out_dir.join("index.html");
    fs::copy(&index, out_dir.join("404.html"))
        .map_err(|err| format!("copying {} to 404.html: {err}", index.display()))?;
    fs::write(out_dir.join(".nojekyll"), "").map_err(|err| format!("writing .nojekyll: {err}"))?;
    Ok(())
}

/// `cargo xtask serve`: set up the build tools, then `trunk serve` at 127.0.0.1:8080.
///
/// The development build goes to `target/dist-serve`, so `dist/` only ever holds release builds.
pub fn serve() -> Result<(), String> {
    setup::run(setup::Scope::Build)?;
    fetch_crates()?;
    println!("nodelab: serving at http://127.0.0.1:8080/");
    proc::run(
        cmd("trunk")
            .args([
                "serve",
                "--address",
                "127.0.0.1",
                "--port",
                "8080",
                "--dist",
            ])
            .arg(root().join("target").join("dist-serve")),
    )
}

#[cfg(test)]
mod tests {
    use super::normalize_public_url;

    #[test]
    fn public_urls_get_both_slashes() {
        assert_eq!(normalize_public_url("/"), "/");
        assert_eq!(normalize_public_url(""), "/");
        assert_eq!(normalize_public_url("nodelab"), "/nodelab/");
        assert_eq!(normalize_public_url("/nodelab"), "/nodelab/");
        assert_eq!(normalize_public_url("/nodelab/"), "/nodelab/");
        assert_eq!(normalize_public_url("/a/b/"), "/a/b/");
    }
}
