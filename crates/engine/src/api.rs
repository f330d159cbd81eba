//! The Kubernetes API objects the simulation stores, and how manifests become objects:
//! decoding with positions, defaulting and validation.

pub mod apps;
pub mod config;
pub mod decode;
pub mod defaults;
pub mod discovery;
pub mod documents;
pub mod field;
pub mod lab;
pub mod meta;
pub mod node;
pub mod object;
pub mod pod;
pub mod quantity;
pub mod service;
pub mod storage;
pub mod validation;
mod value_de;
pub mod yaml;

pub use decode::{Document, Manifest, SourceError, decode_manifests};
pub use field::FieldError;
pub use object::{Kind, Object, ObjectRef};
