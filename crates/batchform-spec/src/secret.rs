//! Secret references (`{ env = "NAME" }`, `{ file = "path" }`) and the redacted values they resolve to.

use std::fmt;
use std::path::{Path, PathBuf};

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::hint::with_hint;

/// Where a secret comes from. Spec files never hold secret values, only these references.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretRef {
    /// An environment variable of the process running batchform.
    Env(String),
    /// A file; a relative path is relative to the spec file naming it (the loader makes it so).
    File(PathBuf),
}

impl SecretRef {
    /// Reads the secret. A file's single trailing newline is dropped, since editors and
    /// `echo` add one that is never part of the password.
    pub fn resolve(&self) -> Result<Secret, SecretError> {
        match self {
            SecretRef::Env(name) => match std::env::var(name) {
                Ok(value) if !value.is_empty() => Ok(Secret(value)),
                Ok(_) => Err(SecretError::EmptyEnv(name.clone())),
                Err(std::env::VarError::NotPresent) => Err(SecretError::MissingEnv(name.clone())),
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(SecretError::NotUnicodeEnv(name.clone()))
                }
            },
            SecretRef::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| SecretError::File {
                    path: path.clone(),
                    source,
                })?;
                let value = text
                    .strip_suffix("\r\n")
                    .or_else(|| text.strip_suffix('\n'))
                    .unwrap_or(&text);
                if value.is_empty() {
                    return Err(SecretError::EmptyFile(path.clone()));
                }
                Ok(Secret(value.to_owned()))
            }
        }
    }

    /// Makes a relative file reference relative to `dir` (the directory of the spec file).
    pub(crate) fn rebase(&mut self, dir: &Path) {
        if let SecretRef::File(path) = self
            && path.is_relative()
        {
            *path = dir.join(&*path);
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "environment variable `{name}`"),
            SecretRef::File(path) => write!(f, "file `{}`", path.display()),
        }
    }
}

/// Why a secret reference could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The variable is not set.
    #[error("environment variable `{0}` is not set")]
    MissingEnv(String),
    /// The variable is set but empty.
    #[error("environment variable `{0}` is empty")]
    EmptyEnv(String),
    /// The variable's value is not valid Unicode.
    #[error("environment variable `{0}` is not valid Unicode")]
    NotUnicodeEnv(String),
    /// The file cannot be read.
    #[error("cannot read secret file `{}`: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("secret file `{}` is empty", .0.display())]
    EmptyFile(PathBuf),
}

/// A secret value. It prints as `***` so it cannot leak through logs or `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (for tests and for values that arrive by other means).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself; call only where it is sent to the service or hashed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// What a secret reference looks like, for the schema only.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(
    title = "Secret reference",
    description = "A secret, never written in the file itself: `{ env = \"NAME\" }` reads an environment variable, `{ file = \"path\" }` reads a file (relative to this spec file)."
)]
enum SecretRefShape {
    /// Read the secret from an environment variable.
    Env {
        /// Name of the environment variable holding the secret, e.g. `ACR_PASSWORD`.
        env: String,
    },
    /// Read the secret from a file.
    File {
        /// Path of a file holding the secret, relative to this spec file.
        file: String,
    },
}

impl JsonSchema for SecretRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SecretRef".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        SecretRefShape::json_schema(generator)
    }
}

/// An example of a reference, for messages: `{ env = "ACR_PASSWORD" }`.
pub(crate) const EXAMPLE: &str = "{ env = \"ACR_PASSWORD\" }";

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretRefVisitor)
    }
}

struct SecretRefVisitor;

impl<'de> Visitor<'de> for SecretRefVisitor {
    type Value = SecretRef;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a secret reference such as { env = \"NAME\" }")
    }

    fn visit_str<E: de::Error>(self, _value: &str) -> Result<SecretRef, E> {
        Err(E::custom(with_hint(
            "a secret cannot be written in the spec as plain text",
            format!(
                "put it in an environment variable or a file and refer to it: {EXAMPLE} or {{ file = \"secrets/password.txt\" }}"
            ),
        )))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SecretRef, A::Error> {
        let mut found: Option<SecretRef> = None;
        while let Some(key) = map.next_key::<String>()? {
            let value: String = map.next_value()?;
            let reference = match key.as_str() {
                "env" => {
                    if value.is_empty() || value.contains('=') || value.contains('\0') {
                        return Err(de::Error::custom(with_hint(
                            format!("`{value}` is not an environment variable name"),
                            EXAMPLE,
                        )));
                    }
                    SecretRef::Env(value)
                }
                "file" => {
                    if value.is_empty() {
                        return Err(de::Error::custom("the secret file path is empty"));
                    }
                    SecretRef::File(PathBuf::from(value))
                }
                other => {
                    return Err(de::Error::custom(with_hint(
                        format!("unknown secret source `{other}`"),
                        "use `env` or `file`",
                    )));
                }
            };
            if found.is_some() {
                return Err(de::Error::custom(with_hint(
                    "a secret reference names one source, not both `env` and `file`",
                    "keep either `env` or `file`",
                )));
            }
            found = Some(reference);
        }
        found.ok_or_else(|| {
            de::Error::custom(with_hint(
                "empty secret reference",
                format!("write {EXAMPLE} or {{ file = \"path\" }}"),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<SecretRef, String> {
        #[derive(serde::Deserialize)]
        struct Holder {
            password: SecretRef,
        }
        toml::from_str::<Holder>(toml_text)
            .map(|h| h.password)
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn reads_both_reference_kinds() {
        assert_eq!(
            parse("password = { env = \"X\" }").unwrap(),
            SecretRef::Env("X".into())
        );
        assert_eq!(
            parse("password = { file = \"p\" }").unwrap(),
            SecretRef::File("p".into())
        );
    }

    #[test]
    fn plain_text_is_refused_with_the_way_to_write_it() {
        let err = parse("password = \"hunter2\"").unwrap_err();
        assert!(err.contains("plain text"), "{err}");
        assert!(err.contains(EXAMPLE), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(parse("password = { env = \"X\", file = \"y\" }").is_err());
        assert!(parse("password = {}").is_err());
    }

    #[test]
    fn secrets_are_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret} {secret:?}"), "*** Secret(***)");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn file_secrets_lose_one_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pw"), "s3cret\n").unwrap();
        let mut reference = SecretRef::File("pw".into());
        reference.rebase(dir.path());
        assert_eq!(reference.resolve().unwrap().expose(), "s3cret");
        let missing = SecretRef::File(dir.path().join("nope"))
            .resolve()
            .unwrap_err();
        assert!(missing.to_string().contains("nope"));
        let unset = SecretRef::Env("BATCHFORM_TEST_SURELY_UNSET".into())
            .resolve()
            .unwrap_err();
        assert!(matches!(unset, SecretError::MissingEnv(_)));
    }
}
