//! Spec paths such as `pools.render.container.registries[0].password`, written as TOML would.

/// A key as TOML writes it: bare when it can be, quoted otherwise (`metadata."batchform:owner"`).
pub fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        name.to_owned()
    } else {
        let mut quoted = String::with_capacity(name.len() + 2);
        quoted.push('"');
        for c in name.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    }
}

/// `parent.child`, with the child quoted if needed.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        key(child)
    } else {
        format!("{parent}.{}", key(child))
    }
}

/// `parent[index]`.
pub fn index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// The path of a pool: `pools.<id>`.
pub fn pool(id: &str) -> String {
    join("pools", id)
}

/// The path of a field below a pool: `pools.<id>.<field>` (`field` is already a path).
pub fn pool_field(id: &str, field: &str) -> String {
    if field.is_empty() {
        pool(id)
    } else {
        format!("{}.{field}", pool(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_toml_would() {
        assert_eq!(join("pools", "render"), "pools.render");
        assert_eq!(
            join("pools.a.metadata", "batchform:owner"),
            "pools.a.metadata.\"batchform:owner\""
        );
        assert_eq!(key(""), "\"\"");
        assert_eq!(key("a\"b"), "\"a\\\"b\"");
        assert_eq!(index("x.images", 2), "x.images[2]");
        assert_eq!(
            pool_field("r", "scale.dedicated"),
            "pools.r.scale.dedicated"
        );
    }
}
