//! The desired state: spec types, loading TOML with source spans, secrets and validation.
//!
//! [`load`] reads spec files into a [`Spec`] (account settings and pools keyed by id), or
//! returns every problem found as [`Diagnostics`] that point at `file:line:column`.

pub mod diagnostic;
pub mod duration;
pub mod endpoint;
pub mod expiry;
pub mod keys;
pub mod load;
pub mod model;
pub mod path;
pub mod schema;
pub mod secret;
pub mod source;

mod hint;
mod polish;
mod shape;
mod spec;
mod validate;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use endpoint::Endpoint;
pub use expiry::Expiry;
pub use keys::SshPublicKey;
pub use load::{LoadOptions, Loaded, load, load_str, load_with};
pub use model::{
    Account, Autoscale, Container, ContainerRuntime, FixedScale, Image, ImageReference, LoginMode,
    NodeDeallocation, Pool, Registry, Scaling, SpecFile, StartTask, TaskScheduling, UpdateStrategy,
    User, UserAccount,
};
pub use secret::{Secret, SecretError, SecretRef};
pub use shape::{SpanIndex, Spot};
pub use source::{FileId, Location, SourceFile, Sources, Span};
pub use spec::Spec;
pub use validate::OWNER_HINT;
