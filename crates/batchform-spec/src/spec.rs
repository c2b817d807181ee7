//! `Spec`: the account settings and pools a spec asks for, and where each was written.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::model::{Account, Pool};
use super::path;
use super::secret::{Secret, SecretRef};
use super::shape::SpanIndex;
use super::source::{Location, Sources, Span};

/// What the spec asks for: account settings and pools keyed by pool id (sorted).
///
/// It also remembers where every field was written, so that later stages (planning, applying)
/// can report problems as `file:line:column: pools.render.vm_size ...`.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// Account settings (all defaults when no file has an `[account]` table).
    pub account: Account,
    /// Pools by id, as written (ids are unique regardless of case).
    pub pools: BTreeMap<String, Pool>,
    sources: Arc<Sources>,
    index: SpanIndex,
}

impl Spec {
    pub(crate) fn new(
        account: Account,
        pools: BTreeMap<String, Pool>,
        sources: Arc<Sources>,
        index: SpanIndex,
    ) -> Self {
        Self {
            account,
            pools,
            sources,
            index,
        }
    }

    /// A desired state built in code, with no source files (locations are then unknown).
    pub fn from_parts(account: Account, pools: BTreeMap<String, Pool>) -> Self {
        Self {
            account,
            pools,
            ..Self::default()
        }
    }

    /// The same spec with only the pools named in `ids` (case does not matter), for a command
    /// that works on some pools (`--target`): the others' fields, secrets included, are not read.
    pub fn only(&self, ids: &[String]) -> Spec {
        let mut spec = self.clone();
        spec.pools
            .retain(|id, _| ids.iter().any(|t| t.eq_ignore_ascii_case(id)));
        spec
    }

    /// The files the spec was read from.
    pub fn sources(&self) -> &Arc<Sources> {
        &self.sources
    }

    /// Where a field of a pool was written, e.g. `location("render", "scale.dedicated")`; an
    /// empty field means the pool itself. A field left at its default is located at the
    /// nearest table that is written.
    pub fn location(&self, pool: &str, field: &str) -> Option<Location> {
        self.locate(&path::pool_field(pool, field))
    }

    /// Where a spec path (`pools.render.vm_size`, `account.owner`) was written, or its nearest
    /// written ancestor.
    pub fn locate(&self, path: &str) -> Option<Location> {
        self.sources.location(&self.span(path)?)
    }

    /// The source span of a spec path's key, or of its nearest written ancestor.
    pub fn span(&self, path: &str) -> Option<Span> {
        self.index.nearest(path).map(|spot| spot.key.clone())
    }

    /// Points a diagnostic at where a spec path is written (e.g. a planning error about
    /// `pools.render.vm_size`), and names the path.
    pub fn diagnostic(&self, diagnostic: Diagnostic, path: &str) -> Diagnostic {
        diagnostic.at(self.span(path)).path(path)
    }

    /// One diagnostic, rustc style, quoting the spec's files.
    pub fn render(&self, diagnostic: &Diagnostic, color: bool) -> String {
        super::diagnostic::render(&self.sources, diagnostic, color)
    }

    /// Bundles diagnostics about this spec (e.g. from planning) for printing as text or JSON,
    /// the way `validate` prints its own.
    pub fn report(&self, items: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics {
            sources: Arc::clone(&self.sources),
            items,
            files: self.sources.len(),
            pools: self.pools.len(),
        }
    }

    /// Every secret reference in the spec, by full spec path.
    pub fn secret_refs(&self) -> Vec<(String, &SecretRef)> {
        self.pools
            .iter()
            .flat_map(|(id, pool)| {
                pool.secret_refs()
                    .into_iter()
                    .map(move |(field, secret)| (path::pool_field(id, &field), secret))
            })
            .collect()
    }

    /// Reads every secret the spec refers to. Each one that cannot be read is an error naming
    /// the variable or file and pointing at the reference.
    pub fn resolve_secrets(&self) -> Result<BTreeMap<String, Secret>, Vec<Diagnostic>> {
        let mut secrets = BTreeMap::new();
        let mut errors = Vec::new();
        for (path, reference) in self.secret_refs() {
            match reference.resolve() {
                Ok(secret) => {
                    secrets.insert(path, secret);
                }
                Err(err) => {
                    let hint = match reference {
                        SecretRef::Env(name) => {
                            format!("set `{name}` in the environment batchform runs in")
                        }
                        SecretRef::File(_) => {
                            "create the file (paths are relative to the spec file)".to_owned()
                        }
                    };
                    let span = self.index.nearest(&path).map(|s| s.value.clone());
                    errors.push(
                        Diagnostic::error(err.to_string())
                            .at(span)
                            .path(&path)
                            .hint(hint),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(secrets)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Diagnostic, load_str};

    #[test]
    fn later_stages_can_point_at_the_spec() {
        let text = "[pools.render]\nvm_size = \"standard_d2s_v3\"\nnode_agent_sku = \"batch.node.ubuntu 22.04\"\nimage = { publisher = \"p\", offer = \"o\", sku = \"s\" }\nscale = { dedicated = 1 }\n";
        let desired = load_str("specs/render.toml", text).unwrap().spec;
        let location = desired.location("render", "vm_size").unwrap();
        assert_eq!(location.to_string(), "specs/render.toml:2:1");
        let diagnostic = desired.diagnostic(
            Diagnostic::error("vm size `standard_d2s_v3` is not offered in eastus")
                .hint("pick another size"),
            "pools.render.vm_size",
        );
        let text = desired.render(&diagnostic, false);
        assert!(text.contains("--> specs/render.toml:2:1"), "{text}");
        let report = desired.report(vec![diagnostic]);
        assert_eq!(report.summary(), "1 file, 1 pool: invalid (1 error)");
        assert_eq!(
            report.to_json()["diagnostics"][0]["path"],
            "pools.render.vm_size"
        );
    }
}
