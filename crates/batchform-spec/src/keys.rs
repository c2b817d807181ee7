//! SSH public keys for node users: inline or from a file, checked to be OpenSSH public keys.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::hint::with_hint;

/// An OpenSSH public key (`ssh-ed25519 AAAA... comment`), and the file it was read from if any.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SshPublicKey {
    /// The key file, when the spec names one (relative to the spec file; the loader makes it so).
    pub file: Option<PathBuf>,
    /// The key text, one line. For a file reference the loader fills this in from the file.
    pub key: String,
}

impl SshPublicKey {
    /// Makes a relative key file path relative to `dir` (the directory of the spec file).
    pub(crate) fn rebase(&mut self, dir: &Path) {
        if let Some(path) = &mut self.file
            && path.is_relative()
        {
            *path = dir.join(&*path);
        }
    }
}

/// What a key looks like in a spec, for the schema only.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(
    title = "SSH public key",
    description = "An OpenSSH public key, inline (`\"ssh-ed25519 AAAA... me@host\"`) or read from a file (`{ file = \"keys/alice.pub\" }`, relative to this spec file). Linux node agents only."
)]
enum SshPublicKeyShape {
    /// The public key itself, in OpenSSH format.
    Inline(String),
    /// A file holding the public key.
    File {
        /// Path of the public key file, relative to this spec file.
        file: String,
    },
}

impl JsonSchema for SshPublicKey {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SshPublicKey".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        SshPublicKeyShape::json_schema(generator)
    }
}

impl<'de> Deserialize<'de> for SshPublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = SshPublicKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SSH public key string or { file = \"path\" }")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<SshPublicKey, E> {
        Ok(SshPublicKey {
            file: None,
            key: value.to_owned(),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SshPublicKey, A::Error> {
        let mut file = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "file" {
                return Err(de::Error::custom(with_hint(
                    format!("unknown key source `{key}`"),
                    "write the key inline, or { file = \"keys/alice.pub\" }",
                )));
            }
            let path: String = map.next_value()?;
            if path.is_empty() {
                return Err(de::Error::custom("the SSH public key file path is empty"));
            }
            file = Some(PathBuf::from(path));
        }
        match file {
            Some(file) => Ok(SshPublicKey {
                file: Some(file),
                key: String::new(),
            }),
            None => Err(de::Error::custom(with_hint(
                "empty SSH public key reference",
                "write { file = \"keys/alice.pub\" }",
            ))),
        }
    }
}

/// Key types batchform accepts: what OpenSSH itself still accepts by default.
pub const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// Why a text is not a usable OpenSSH public key; the message says how to get one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct KeyError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

fn key_error(message: impl Into<String>, hint: impl Into<String>) -> KeyError {
    KeyError {
        message: message.into(),
        hint: hint.into(),
    }
}

/// Checks that `text` is one OpenSSH public key: a known type, then a base64 blob whose first
/// length-prefixed string repeats that type (which catches keys pasted with the wrong prefix or
/// cut short), then an optional comment. Returns the key type.
pub fn check_openssh_public_key(text: &str) -> Result<&str, KeyError> {
    let text = text.trim();
    let regenerate = "generate a key pair with `ssh-keygen -t ed25519` and use the `.pub` file";
    if text.is_empty() {
        return Err(key_error("the SSH public key is empty", regenerate));
    }
    if text.contains("PRIVATE KEY") {
        return Err(key_error(
            "this is a private key; never put a private key in a spec",
            "use the public half: the `.pub` file next to it, or `ssh-keygen -y -f KEY`",
        ));
    }
    if text.starts_with("---- BEGIN SSH2 PUBLIC KEY") {
        return Err(key_error(
            "this is an SSH2 (RFC 4716) public key, not OpenSSH format",
            "convert it with `ssh-keygen -i -f KEY.pub`",
        ));
    }
    if text.lines().count() > 1 {
        return Err(key_error(
            "expected one SSH public key, found several lines",
            "give each user exactly one key, on one line",
        ));
    }
    let mut fields = text.split_whitespace();
    let kind = fields.next().unwrap_or_default();
    if !KEY_TYPES.contains(&kind) {
        let hint = if kind == "ssh-dss" {
            "DSA keys are no longer accepted by OpenSSH; generate one with `ssh-keygen -t ed25519`"
                .to_owned()
        } else {
            format!(
                "an OpenSSH public key starts with its type, one of {}; {regenerate}",
                KEY_TYPES
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        // The text is not quoted: a key file may turn out to hold something secret.
        return Err(key_error(
            "this does not start with an SSH public key type",
            hint,
        ));
    }
    let Some(blob) = fields.next() else {
        return Err(key_error(
            format!("the `{kind}` key has no key data after its type"),
            regenerate,
        ));
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(blob) else {
        return Err(key_error(
            "the key data is not valid base64",
            "copy the whole line of the `.pub` file; the key may have been cut or wrapped",
        ));
    };
    match first_string(&bytes) {
        Some(embedded) if embedded == kind.as_bytes() => {}
        Some(embedded) => {
            let says = std::str::from_utf8(embedded)
                .ok()
                .filter(|t| KEY_TYPES.contains(t))
                .map_or("another key type".to_string(), |t| format!("`{t}`"));
            return Err(key_error(
                format!("the key data says {says}, but the line starts with `{kind}`"),
                "copy the whole line of the `.pub` file unchanged",
            ));
        }
        None => {
            return Err(key_error(
                "the key data is too short to be a public key",
                "copy the whole line of the `.pub` file; the key may have been cut",
            ));
        }
    }
    if kind == "ssh-ed25519" && bytes.len() != 4 + kind.len() + 4 + 32 {
        return Err(key_error(
            "the ed25519 key data has the wrong length",
            "copy the whole line of the `.pub` file; the key may have been cut",
        ));
    }
    Ok(kind)
}

/// The first SSH wire-format string (32-bit big-endian length, then bytes) of a blob.
fn first_string(bytes: &[u8]) -> Option<&[u8]> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
    bytes.get(4..4usize.checked_add(usize::try_from(len).ok()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPc1emLtrFsXlWrHcXPijmo9pBpLjypqDC9HsBLbSPKX azureuser@batchform-example";
    const ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBM7o9qCm3+6DTi9hvpai2sUa4Lu3AVpR8lG8PDC2v4wxxc9hqV3diGLoT9Fjp90+klKrROEi02fHUVG3LY+XQA4= bob@example";

    #[test]
    fn accepts_a_real_key() {
        assert_eq!(check_openssh_public_key(ED25519), Ok("ssh-ed25519"));
        assert_eq!(
            check_openssh_public_key(&format!("{ED25519}\n")),
            Ok("ssh-ed25519")
        );
        assert_eq!(check_openssh_public_key(ECDSA), Ok("ecdsa-sha2-nistp256"));
    }

    #[test]
    fn refuses_what_is_not_a_public_key() {
        let swapped = ED25519.replace("ssh-ed25519", "ssh-rsa");
        let cases = [
            "",
            "hello",
            "ssh-ed25519",
            "ssh-ed25519 !!!notbase64",
            "ssh-ed25519 AAAA",
            "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            &swapped,
        ];
        for case in cases {
            assert!(check_openssh_public_key(case).is_err(), "{case}");
        }
        let err = check_openssh_public_key(&swapped).unwrap_err();
        assert!(err.message.contains("says `ssh-ed25519`"), "{err}");
    }

    #[test]
    fn errors_never_quote_what_is_not_a_key() {
        for text in ["hunter2", "hunter2 AAAA", "ssh-ed25519 aHVudGVyMg=="] {
            let err = check_openssh_public_key(text).unwrap_err();
            assert!(!err.message.contains("hunter2"), "{err}");
            assert!(!err.hint.contains("hunter2"), "{err}");
        }
        // A blob whose embedded type is a secret-looking word.
        let blob = base64::engine::general_purpose::STANDARD.encode(b"\0\0\0\x07hunter2");
        let err = check_openssh_public_key(&format!("ssh-rsa {blob}")).unwrap_err();
        assert!(!err.message.contains("hunter2"), "{err}");
    }
}
