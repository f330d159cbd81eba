//! Image references and the registry catalog the simulated nodes pull from.

use sha2::{Digest, Sha256};

use super::fs::FsTree;

/// An image reference split like containerd's reference parser does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// `docker.io`, `registry.k8s.io`, …
    pub registry: String,
    /// `library/nginx`, `e2e-test-images/agnhost`, …
    pub repository: String,
    /// Tag (`latest` when none was given).
    pub tag: String,
}

impl ImageRef {
    /// Parses `nginx`, `nginx:1.27`, `registry.k8s.io/pause:3.10`, `localhost:5000/app:v1`.
    pub fn parse(image: &str) -> Option<ImageRef> {
        let image = image.trim();
        if image.is_empty()
            || image.contains(char::is_whitespace)
            || image.chars().any(|c| c.is_ascii_uppercase())
        {
            return None;
        }
        let (name, tag) = match image.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, t.to_owned()),
            _ => (image, "latest".to_owned()),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_owned(), rest.to_owned())
            }
            Some(_) => ("docker.io".to_owned(), name.to_owned()),
            None => ("docker.io".to_owned(), format!("library/{name}")),
        };
        Some(ImageRef {
            registry,
            repository,
            tag,
        })
    }

    /// The fully qualified reference containerd reports: `docker.io/library/nginx:1.27`.
    pub fn full(&self) -> String {
        format!("{}/{}:{}", self.registry, self.repository, self.tag)
    }

    /// The repository without the tag: `docker.io/library/nginx`.
    pub fn repo(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// A stable content digest for this reference (`sha256:…`); the same image always gets
    /// the same digest, as a registry would serve.
    pub fn digest(&self) -> String {
        format!(
            "sha256:{}",
            hex::encode(Sha256::digest(self.full().as_bytes()))
        )
    }
}

/// One image the simulated registry serves.
#[derive(Clone, Copy, Debug)]
pub struct CatalogImage {
    /// Repository (`docker.io/library/nginx`).
    pub repo: &'static str,
    /// Compressed size in bytes (what a pull downloads and `Image size:` reports).
    pub size_bytes: u64,
    /// The base image whose layer it shares with others (`debian:bookworm-slim`), if any.
    pub base: Option<&'static BaseLayer>,
}

/// A base image layer several catalog images are built on: pulled once, shared on disk.
#[derive(Debug)]
pub struct BaseLayer {
    /// The base image.
    pub name: &'static str,
    /// Compressed size in bytes.
    pub size_bytes: u64,
}

/// `debian:bookworm-slim`, the base of the official nginx, httpd and redis images (their
/// Dockerfiles start `FROM debian:bookworm-slim`); its compressed amd64 size on Docker Hub.
pub const DEBIAN_BOOKWORM_SLIM: BaseLayer = BaseLayer {
    name: "debian:bookworm-slim",
    size_bytes: 28_227_259,
};

/// The layers of `r` (digest, compressed size): the shared base layer first, then the image's
/// own layers (three for images with a base, one otherwise), each with a digest derived from
/// the reference so different tags differ.
pub fn layers(r: &ImageRef, entry: &CatalogImage) -> Vec<(String, u64)> {
    let digest = |s: &str| format!("sha256:{}", hex::encode(Sha256::digest(s.as_bytes())));
    let mut out = Vec::new();
    let mut own = entry.size_bytes;
    let mut parts = 1;
    if let Some(base) = entry.base {
        out.push((digest(&format!("layer:{}", base.name)), base.size_bytes));
        own = own.saturating_sub(base.size_bytes);
        parts = 3;
    }
    let full = r.full();
    for i in 0..parts {
        // Sizes in halves: the first own layer carries most of the bytes.
        let size = if i + 1 == parts {
            own - out
                .iter()
                .skip(usize::from(entry.base.is_some()))
                .map(|(_, s)| s)
                .sum::<u64>()
        } else {
            own / (2 << i)
        };
        out.push((digest(&format!("layer:{full}:{i}")), size));
    }
    out
}

/// The registry catalog. Sizes are the compressed linux/amd64 sizes that registries list for
/// current tags (Docker Hub / registry.k8s.io tag pages), rounded; any tag of a listed
/// repository resolves.
pub const CATALOG: &[CatalogImage] = &[
    CatalogImage {
        repo: "docker.io/library/nginx",
        base: Some(&DEBIAN_BOOKWORM_SLIM),
        size_bytes: 72_195_292,
    },
    CatalogImage {
        repo: "docker.io/library/busybox",
        base: None,
        size_bytes: 2_155_536,
    },
    CatalogImage {
        repo: "docker.io/library/alpine",
        base: None,
        size_bytes: 3_653_068,
    },
    CatalogImage {
        repo: "docker.io/library/redis",
        base: Some(&DEBIAN_BOOKWORM_SLIM),
        size_bytes: 45_082_470,
    },
    CatalogImage {
        repo: "docker.io/library/httpd",
        base: Some(&DEBIAN_BOOKWORM_SLIM),
        size_bytes: 58_124_012,
    },
    CatalogImage {
        repo: "docker.io/polinux/stress",
        base: None,
        size_bytes: 4_041_495,
    },
    CatalogImage {
        repo: "docker.io/vish/stress",
        base: None,
        size_bytes: 1_876_402,
    },
    CatalogImage {
        repo: "registry.k8s.io/e2e-test-images/agnhost",
        base: None,
        size_bytes: 51_120_143,
    },
    CatalogImage {
        repo: "registry.k8s.io/busybox",
        base: None,
        size_bytes: 1_144_547,
    },
    CatalogImage {
        repo: "registry.k8s.io/goproxy",
        base: None,
        size_bytes: 2_823_520,
    },
    CatalogImage {
        repo: "registry.k8s.io/liveness",
        base: None,
        size_bytes: 2_360_107,
    },
    CatalogImage {
        repo: "registry.k8s.io/pause",
        base: None,
        size_bytes: 320_368,
    },
    CatalogImage {
        repo: "registry.k8s.io/etcd",
        base: None,
        size_bytes: 56_382_580,
    },
    CatalogImage {
        repo: "registry.k8s.io/coredns/coredns",
        base: None,
        size_bytes: 20_932_520,
    },
];

/// The files an image ships that the simulation cares about: the usual top-level directories
/// and each server's document root.
pub fn root_filesystem(r: &ImageRef) -> FsTree {
    let mut fs = FsTree::default();
    for dir in [
        "bin", "dev", "etc", "home", "proc", "root", "sys", "tmp", "usr", "var",
    ] {
        let _ = fs.mkdir(dir, false);
    }
    match r.repo().as_str() {
        "docker.io/library/nginx" => {
            fs.put("usr/share/nginx/html/index.html", NGINX_INDEX.to_owned());
            fs.put(
                "usr/share/nginx/html/50x.html",
                "<h1>An error occurred.</h1>\n".to_owned(),
            );
            fs.put(
                "etc/nginx/nginx.conf",
                "user  nginx;\nworker_processes  auto;\n".to_owned(),
            );
        }
        "docker.io/library/httpd" => {
            fs.put(
                "usr/local/apache2/htdocs/index.html",
                "<html><body><h1>It works!</h1></body></html>\n".to_owned(),
            );
        }
        _ => {}
    }
    fs
}

/// nginx's default page (its title is what learners look for).
const NGINX_INDEX: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n</body>\n</html>\n";

/// `applyDefaultImageTag`: the kubelet asks the CRI for `nginx:latest` when the pod says
/// `nginx` (references with a tag or a digest are left alone).
pub fn with_default_tag(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') || last.contains(':') {
        image.to_owned()
    } else {
        format!("{image}:latest")
    }
}

/// The catalog entry for a reference, if the registry has it.
pub fn lookup(r: &ImageRef) -> Option<&'static CatalogImage> {
    let repo = r.repo();
    CATALOG.iter().find(|c| c.repo == repo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalize_like_containerd() {
        let r = ImageRef::parse("nginx");
        assert_eq!(
            r.map(|r| r.full()).as_deref(),
            Some("docker.io/library/nginx:latest")
        );
        let r = ImageRef::parse("registry.k8s.io/pause:3.10");
        assert_eq!(
            r.map(|r| r.full()).as_deref(),
            Some("registry.k8s.io/pause:3.10")
        );
        let r = ImageRef::parse("localhost:5000/app");
        assert_eq!(
            r.map(|r| r.full()).as_deref(),
            Some("localhost:5000/app:latest")
        );
        assert_eq!(ImageRef::parse("Nginx"), None);
    }

    #[test]
    fn layers_add_up_and_the_debian_base_is_shared() {
        let layers_of = |image: &str| {
            let r = ImageRef::parse(image).expect("valid");
            let entry = lookup(&r).expect("in catalog");
            (layers(&r, entry), entry.size_bytes)
        };
        let (nginx, size) = layers_of("nginx:1.27");
        assert_eq!(nginx.iter().map(|(_, s)| s).sum::<u64>(), size);
        assert_eq!(nginx.len(), 4);
        let (httpd, _) = layers_of("httpd:2.4");
        assert_eq!(nginx[0], httpd[0], "shared base layer");
        assert_ne!(nginx[1], httpd[1]);
        let (busybox, size) = layers_of("busybox");
        assert_eq!(busybox.len(), 1);
        assert_eq!(busybox[0].1, size);
    }

    #[test]
    fn the_default_tag_is_latest() {
        assert_eq!(with_default_tag("nginx"), "nginx:latest");
        assert_eq!(with_default_tag("nginx:1.27"), "nginx:1.27");
        assert_eq!(
            with_default_tag("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
        assert_eq!(with_default_tag("busybox@sha256:abc"), "busybox@sha256:abc");
    }

    #[test]
    fn digests_are_stable() {
        let a = ImageRef::parse("nginx:1.27").map(|r| r.digest());
        assert_eq!(
            a,
            ImageRef::parse("docker.io/library/nginx:1.27").map(|r| r.digest())
        );
        assert_ne!(a, ImageRef::parse("nginx:1.26").map(|r| r.digest()));
    }
}
