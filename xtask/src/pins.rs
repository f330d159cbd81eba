//! Tool versions, each read from its single source of truth:
//!
//! - trunk: `trunk-version` in `Trunk.toml` (an exact `=X.Y.Z` requirement);
//! - wasm-bindgen-cli: the `wasm-bindgen` crate version in `Cargo.lock` (the CLI must match it);
//! - wasm-opt: the `binaryen` version in `xtask/tools/package.json` (npm).
//!
//! `Trunk.toml`'s `[tools]` table repeats the last two because trunk reads only that file;
//! [`Pins::load`] fails when they disagree.

use std::fs;
use std::path::Path;

use crate::proc::root;

/// The pinned versions of the build tools.
#[derive(Debug)]
pub struct Pins {
    /// trunk, e.g. `0.21.14`.
    pub trunk: String,
    /// wasm-bindgen (crate and CLI), e.g. `0.2.130`.
    pub wasm_bindgen: String,
    /// The npm `binaryen` package, e.g. `132.0.0`.
    pub binaryen: String,
}

impl Pins {
    /// Reads every pin and checks `Trunk.toml`'s `[tools]` against them.
    pub fn load() -> Result<Self, String> {
        let root = root();
        let trunk_toml = read_toml(&root.join("Trunk.toml"))?;
        let pins = Pins {
            trunk: trunk_version(&trunk_toml)?,
            wasm_bindgen: lock_version(&read_toml(&root.join("Cargo.lock"))?, "wasm-bindgen")?,
            binaryen: binaryen_version(&root.join("xtask/tools/package.json"))?,
        };
        let tools = trunk_toml.get("tools");
        let tool = |key: &str| tools.and_then(|t| t.get(key)).and_then(toml::Value::as_str);
        let expected = [
            ("wasm_bindgen", pins.wasm_bindgen.clone(), "Cargo.lock"),
            ("wasm_opt", pins.wasm_opt_tag(), "xtask/tools/package.json"),
        ];
        for (key, want, source) in expected {
            if tool(key) != Some(want.as_str()) {
                return Err(format!(
                    "Trunk.toml [tools] {key} is {:?} but {source} pins {want:?}; make them agree",
                    tool(key).unwrap_or("unset"),
                ));
            }
        }
        Ok(pins)
    }

    /// The `wasm-opt --version` tag of the pinned binaryen, e.g. `version_132`.
    pub fn wasm_opt_tag(&self) -> String {
        let major = self.binaryen.split('.').next().unwrap_or(&self.binaryen);
        format!("version_{major}")
    }
}

/// Reads and parses a TOML file.
fn read_toml(path: &Path) -> Result<toml::Table, String> {
    let text =
        fs::read_to_string(path).map_err(|err| format!("reading {}: {err}", path.display()))?;
    text.parse()
        .map_err(|err| format!("parsing {}: {err}", path.display()))
}

/// The exact trunk version required by `Trunk.toml`'s `trunk-version = "=X.Y.Z"`.
fn trunk_version(trunk_toml: &toml::Table) -> Result<String, String> {
    let requirement = trunk_toml
        .get("trunk-version")
        .and_then(toml::Value::as_str)
        .ok_or("Trunk.toml has no trunk-version")?;
    requirement
        .strip_prefix('=')
        .map(|version| version.trim().to_owned())
        .ok_or_else(|| {
            format!("Trunk.toml trunk-version must be exact (\"=X.Y.Z\"), not {requirement:?}")
        })
}

/// The version of package `name` recorded in a parsed `Cargo.lock`.
fn lock_version(lock: &toml::Table, name: &str) -> Result<String, String> {
    let packages = lock
        .get("package")
        .and_then(toml::Value::as_array)
        .ok_or("Cargo.lock has no [[package]] entries")?;
    packages
        .iter()
        .find(|package| package.get("name").and_then(toml::Value::as_str) == Some(name))
        .and_then(|package| package.get("version"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("Cargo.lock does not list {name}"))
}

/// The exact `binaryen` version in the tools package.json.
fn binaryen_version(package_json: &Path) -> Result<String, String> {
    let text = fs::read_to_string(package_json)
        .map_err(|err| format!("reading {}: {err}", package_json.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| format!("parsing {}: {err}", package_json.display()))?;
    json.pointer("/dependencies/binaryen")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no dependencies.binaryen", package_json.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exact_trunk_version() {
        let table: toml::Table = "trunk-version = \"=0.21.14\"".parse().unwrap_or_default();
        assert_eq!(trunk_version(&table), Ok("0.21.14".to_owned()));
        let loose: toml::Table = "trunk-version = \"0.21\"".parse().unwrap_or_default();
        assert!(trunk_version(&loose).is_err());
    }

    #[test]
    fn finds_a_locked_package() {
        let lock: toml::Table = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n\
                                 [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n"
            .parse()
            .unwrap_or_default();
        assert_eq!(
            lock_version(&lock, "wasm-bindgen"),
            Ok("0.2.130".to_owned())
        );
        assert!(lock_version(&lock, "missing").is_err());
    }

    #[test]
    fn the_repository_pins_agree() {
        let pins = Pins::load();
        assert!(pins.is_ok(), "{pins:?}");
    }

    #[test]
    fn wasm_opt_tag_uses_the_major_version() {
        let pins = Pins {
            trunk: String::new(),
            wasm_bindgen: String::new(),
            binaryen: "132.0.0".into(),
        };
        assert_eq!(pins.wasm_opt_tag(), "version_132");
    }
}
