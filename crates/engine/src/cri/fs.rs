//! A tiny in-memory file tree: a container's writable layer, or the contents of one volume.

use std::collections::BTreeMap;

use super::process::FsError;

/// An entry of a [`FsTree`].
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    File(String),
    Dir,
}

/// Files and directories keyed by normalized path relative to the tree's root (`""` is the
/// root itself, `a/b.txt` a file under directory `a`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FsTree {
    entries: BTreeMap<String, Entry>,
    /// Mounted read-only (ConfigMap, Secret, downward API, projected volumes).
    pub read_only: bool,
}

/// The most file content one tree holds (64 MiB): the simulation's disk, so that a runaway
/// script fails with `No space left on device` instead of exhausting the browser's memory.
pub const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

/// `a//b/./c/` → `a/b/c`; `..` pops a component.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

impl FsTree {
    /// A tree holding `files` (path → content), with their parent directories.
    pub fn with_files<'a>(files: impl IntoIterator<Item = (&'a str, String)>) -> FsTree {
        let mut tree = FsTree::default();
        for (path, content) in files {
            tree.put(path, content);
        }
        tree
    }

    /// Writes a file, creating parent directories (used to populate volumes and images).
    pub fn put(&mut self, path: &str, content: String) {
        let path = normalize(path);
        let mut dir = parent(&path).to_owned();
        while !dir.is_empty() {
            self.entries.insert(dir.clone(), Entry::Dir);
            dir = parent(&dir).to_owned();
        }
        self.entries.insert(path, Entry::File(content));
    }

    /// Reads a file.
    pub fn read(&self, path: &str) -> Result<String, FsError> {
        match self.entries.get(&normalize(path)) {
            Some(Entry::File(c)) => Ok(c.clone()),
            Some(Entry::Dir) => Err(FsError::IsDir),
            None if normalize(path).is_empty() => Err(FsError::IsDir),
            None => Err(FsError::NotFound),
        }
    }

    /// Writes or appends to a file; its directory must exist.
    pub fn write(&mut self, path: &str, data: &str, append: bool) -> Result<(), FsError> {
        if self.read_only {
            return Err(FsError::ReadOnly);
        }
        let path = normalize(path);
        if !self.is_dir(parent(&path)) {
            return Err(FsError::NotFound);
        }
        if self.bytes() + data.len() as u64 > CAPACITY_BYTES {
            return Err(FsError::NoSpace);
        }
        match self.entries.get_mut(&path) {
            Some(Entry::Dir) => Err(FsError::IsDir),
            Some(Entry::File(c)) if append => {
                c.push_str(data);
                Ok(())
            }
            _ => {
                self.entries.insert(path, Entry::File(data.to_owned()));
                Ok(())
            }
        }
    }

    /// Removes a file, or a directory tree when `recursive`.
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        if self.read_only {
            return Err(FsError::ReadOnly);
        }
        let path = normalize(path);
        match self.entries.get(&path) {
            None => Err(FsError::NotFound),
            Some(Entry::File(_)) => {
                self.entries.remove(&path);
                Ok(())
            }
            Some(Entry::Dir) if !recursive => Err(FsError::IsDir),
            Some(Entry::Dir) => {
                let prefix = format!("{path}/");
                self.entries
                    .retain(|k, _| k != &path && !k.starts_with(&prefix));
                Ok(())
            }
        }
    }

    /// Whether `path` is a file.
    pub fn is_file(&self, path: &str) -> bool {
        matches!(self.entries.get(&normalize(path)), Some(Entry::File(_)))
    }

    /// Whether `path` is a directory (the root always is).
    pub fn is_dir(&self, path: &str) -> bool {
        let path = normalize(path);
        path.is_empty() || matches!(self.entries.get(&path), Some(Entry::Dir))
    }

    /// Creates a directory.
    pub fn mkdir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        if self.read_only {
            return Err(FsError::ReadOnly);
        }
        let path = normalize(path);
        if self.is_dir(&path) {
            return if parents {
                Ok(())
            } else {
                Err(FsError::Exists)
            };
        }
        if self.is_file(&path) {
            return Err(FsError::Exists);
        }
        if !self.is_dir(parent(&path)) {
            if !parents {
                return Err(FsError::NotFound);
            }
            self.mkdir(parent(&path), true)?;
        }
        self.entries.insert(path, Entry::Dir);
        Ok(())
    }

    /// Names directly under a directory, sorted.
    pub fn list(&self, path: &str) -> Result<Vec<String>, FsError> {
        let path = normalize(path);
        if !self.is_dir(&path) {
            return Err(if self.is_file(&path) {
                FsError::NotDir
            } else {
                FsError::NotFound
            });
        }
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        Ok(self
            .entries
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_owned)
            .collect())
    }

    /// Total bytes of file content (what a `medium: Memory` emptyDir charges to memory).
    pub fn bytes(&self) -> u64 {
        self.entries
            .values()
            .map(|e| match e {
                Entry::File(c) => c.len() as u64,
                Entry::Dir => 0,
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_directories_and_errors() {
        let mut t = FsTree::default();
        assert_eq!(t.write("/tmp/x", "1", false), Err(FsError::NotFound));
        assert_eq!(t.mkdir("/tmp", false), Ok(()));
        assert_eq!(t.write("/tmp/x", "1", false), Ok(()));
        assert_eq!(t.write("/tmp/x", "2", true), Ok(()));
        assert_eq!(t.read("/tmp//x").as_deref(), Ok("12"));
        assert_eq!(t.list("/tmp"), Ok(vec!["x".to_owned()]));
        assert_eq!(t.remove("/tmp", false), Err(FsError::IsDir));
        assert_eq!(t.remove("/tmp", true), Ok(()));
        assert!(!t.is_file("/tmp/x"));
        assert_eq!(t.mkdir("/a/b/c", true), Ok(()));
        assert!(t.is_dir("/a/b"));
        t.read_only = true;
        assert_eq!(t.write("/a/f", "", false), Err(FsError::ReadOnly));
    }
}
