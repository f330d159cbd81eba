//! A small static file server for the browser tests, serving a built site the way GitHub Pages
//! does: under a path prefix (such as `/nodelab/`), `index.html` for directories, a redirect
//! from `/nodelab` to `/nodelab/`, and `404.html` with status 404 for anything missing.
//!
//! Only `GET` and `HEAD`, one request per connection, one thread per connection. It listens on
//! 127.0.0.1 only and refuses paths that would leave the served directory.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::thread;
use std::time::Duration;

/// Starts serving `dir` under `prefix` (e.g. `/` or `/nodelab/`) on a free port of 127.0.0.1.
/// The server runs on background threads until the process exits.
pub fn spawn(dir: &Path, prefix: &str) -> Result<SocketAddr, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|err| format!("binding 127.0.0.1: {err}"))?;
    let addr = listener
        .local_addr()
        .map_err(|err| format!("reading the bound address: {err}"))?;
    let site = Site {
        dir: dir.to_path_buf(),
        prefix: crate::dist::normalize_public_url(prefix),
    };
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let site = site.clone();
            thread::spawn(move || site.handle(stream));
        }
    });
    Ok(addr)
}

/// The content type for a file name, by extension.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" | "md" => "text/plain; charset=utf-8",
        "yaml" | "yml" => "application/yaml",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

/// What one request resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// 200 with this file.
    File(PathBuf),
    /// 301 to this location.
    Redirect(String),
    /// 404 (with `404.html` when the site has one).
    NotFound,
}

/// A directory served under a URL prefix.
#[derive(Clone, Debug)]
struct Site {
    /// The directory on disk.
    dir: PathBuf,
    /// The URL prefix, `/` or `/name/`.
    prefix: String,
}

impl Site {
    /// Maps a request path (without query) to a response.
    fn resolve(&self, url_path: &str) -> Resolved {
        let path = percent_decode(url_path);
        if format!("{path}/") == self.prefix {
            return Resolved::Redirect(self.prefix.clone());
        }
        let Some(relative) = path.strip_prefix(&self.prefix) else {
            return Resolved::NotFound;
        };
        let relative = Path::new(relative);
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Resolved::NotFound;
        }
        let mut file = self.dir.join(relative);
        if file.is_dir() {
            if !path.ends_with('/') {
                return Resolved::Redirect(format!("{path}/"));
            }
            file = file.join("index.html");
        }
        if file.is_file() {
            Resolved::File(file)
        } else {
            Resolved::NotFound
        }
    }

    /// Serves one connection: reads the request head, writes one response, closes.
    fn handle(&self, stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let mut reader = BufReader::new(&stream);
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        // Skip the headers; a GET or HEAD carries no body we need.
        let mut header = String::new();
        while reader.read_line(&mut header).is_ok_and(|n| n > 0) && header.trim_end() != "" {
            header.clear();
        }
        let mut parts = request_line.split_whitespace();
        let (method, target) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or("/"),
        );
        let path = target.split(['?', '#']).next().unwrap_or("/");
        let head_only = method == "HEAD";
        let response = if method == "GET" || head_only {
            self.respond(path)
        } else {
            Response::text(405, "Method Not Allowed", "only GET and HEAD")
        };
        let _ = response.write_to(&stream, head_only);
    }

    /// Builds the response for a GET of `path`.
    fn respond(&self, path: &str) -> Response {
        match self.resolve(path) {
            Resolved::File(file) => match fs::read(&file) {
                Ok(body) => Response {
                    status: 200,
                    reason: "OK",
                    content_type: content_type(&file),
                    location: None,
                    body,
                },
                Err(_) => Response::text(500, "Internal Server Error", "cannot read file"),
            },
            Resolved::Redirect(location) => Response {
                location: Some(location),
                ..Response::text(301, "Moved Permanently", "moved")
            },
            Resolved::NotFound => match fs::read(self.dir.join("404.html")) {
                Ok(body) => Response {
                    status: 404,
                    reason: "Not Found",
                    content_type: content_type(Path::new("404.html")),
                    location: None,
                    body,
                },
                Err(_) => Response::text(404, "Not Found", "not found"),
            },
        }
    }
}

/// An HTTP response about to be written.
struct Response {
    /// Status code.
    status: u16,
    /// Reason phrase.
    reason: &'static str,
    /// `Content-Type` value.
    content_type: &'static str,
    /// `Location` value, for redirects.
    location: Option<String>,
    /// The body.
    body: Vec<u8>,
}

impl Response {
    /// A plain-text response.
    fn text(status: u16, reason: &'static str, body: &str) -> Self {
        Response {
            status,
            reason,
            content_type: "text/plain; charset=utf-8",
            location: None,
            body: body.as_bytes().to_vec(),
        }
    }

    /// Writes the response (the body unless `head_only`).
    fn write_to(&self, mut stream: &TcpStream, head_only: bool) -> std::io::Result<()> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n",
            self.status,
            self.reason,
            self.content_type,
            self.body.len()
        );
        if let Some(location) = &self.location {
            head.push_str(&format!("Location: {location}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        if !head_only {
            stream.write_all(&self.body)?;
        }
        stream.flush()
    }
}

/// Decodes `%XX` escapes in a URL path (invalid escapes are kept as they are).
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A temporary site: `index.html`, `404.html`, `app_bg.wasm`, `sub/index.html`.
    fn site(name: &str, prefix: &str) -> Site {
        let dir =
            std::env::temp_dir().join(format!("xtask-server-test-{name}-{}", std::process::id()));
        let _ = fs::create_dir_all(dir.join("sub"));
        for (file, body) in [
            ("index.html", "index"),
            ("404.html", "missing"),
            ("app_bg.wasm", "\0asm"),
            ("sub/index.html", "sub"),
        ] {
            let _ = fs::write(dir.join(file), body);
        }
        Site {
            dir,
            prefix: prefix.to_owned(),
        }
    }

    #[test]
    fn resolves_under_a_prefix() {
        let site = site("prefix", "/nodelab/");
        assert_eq!(
            site.resolve("/nodelab/"),
            Resolved::File(site.dir.join("index.html"))
        );
        assert_eq!(
            site.resolve("/nodelab/app_bg.wasm"),
            Resolved::File(site.dir.join("app_bg.wasm"))
        );
        assert_eq!(
            site.resolve("/nodelab"),
            Resolved::Redirect("/nodelab/".into())
        );
        assert_eq!(
            site.resolve("/nodelab/sub"),
            Resolved::Redirect("/nodelab/sub/".into())
        );
        assert_eq!(
            site.resolve("/nodelab/sub/"),
            Resolved::File(site.dir.join("sub/index.html"))
        );
        assert_eq!(site.resolve("/index.html"), Resolved::NotFound);
        assert_eq!(site.resolve("/nodelab/nope.js"), Resolved::NotFound);
        assert_eq!(site.resolve("/nodelab/../secret"), Resolved::NotFound);
        assert_eq!(site.resolve("/nodelab/%2e%2e/secret"), Resolved::NotFound);
    }

    #[test]
    fn content_types_cover_the_build_output() {
        assert_eq!(content_type(Path::new("a_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("a.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("style-1a2b.css")),
            "text/css; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("unknown.bin")),
            "application/octet-stream"
        );
    }

    #[test]
    fn serves_over_http() {
        let site = site("http", "/");
        let addr = spawn(&site.dir, "/");
        assert!(addr.is_ok(), "{addr:?}");
        let Ok(addr) = addr else { return };
        let get = |path: &str| {
            let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
            write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").map_err(|e| e.to_string())?;
            let mut reply = String::new();
            stream
                .read_to_string(&mut reply)
                .map_err(|e| e.to_string())?;
            Ok::<String, String>(reply)
        };
        let wasm = get("/app_bg.wasm?v=1").unwrap_or_default();
        assert!(wasm.starts_with("HTTP/1.1 200 OK\r\n"), "{wasm}");
        assert!(
            wasm.contains("Content-Type: application/wasm\r\n"),
            "{wasm}"
        );
        let missing = get("/nope").unwrap_or_default();
        assert!(
            missing.starts_with("HTTP/1.1 404") && missing.ends_with("missing"),
            "{missing}"
        );
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("/a%20b/%2e%2E"), "/a b/..");
        assert_eq!(percent_decode("/100%"), "/100%");
        assert_eq!(percent_decode("/%zz"), "/%zz");
    }
}
