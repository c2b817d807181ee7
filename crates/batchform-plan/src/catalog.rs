//! The desired image checked against the service's supported-image catalog before anything is
//! written: what the service would refuse is refused here, with the closest valid choices.

use chrono::{DateTime, Utc};

use super::config::{Image, PoolConfig};
use super::input::CatalogImage;
use super::model::PlanError;

/// The capability a container configuration needs from its image.
const CONTAINER_CAPABILITY: &str = "DockerCompatible";

/// Every reason the service would refuse `config`'s image and node agent.
pub fn check(
    pool: &str,
    config: &PoolConfig,
    catalog: &[CatalogImage],
    now: DateTime<Utc>,
) -> Vec<PlanError> {
    if catalog.is_empty() {
        return Vec::new();
    }
    // Every image error ends by pointing at the catalog itself.
    const LIST: &str = "`batchform images` lists what the account supports";
    let error = |field: &str, message: String, hint: Option<String>| PlanError {
        pool: pool.to_string(),
        field: Some(field.to_string()),
        message,
        hint: Some(hint.map_or_else(|| LIST.to_string(), |h| format!("{h}; {LIST}"))),
    };
    let agent = &config.node_agent_sku;
    let Image::Marketplace {
        publisher,
        offer,
        sku,
        ..
    } = &config.image
    else {
        // A custom image is not in the catalog; its node agent must still be one the service runs.
        if catalog
            .iter()
            .any(|i| i.node_agent_sku.eq_ignore_ascii_case(agent))
        {
            return Vec::new();
        }
        return vec![error(
            "node_agent_sku",
            format!("node agent `{agent}` is not supported by this account"),
            closest(agent, catalog.iter().map(|i| i.node_agent_sku.clone())),
        )];
    };
    let name = format!("{publisher}/{offer}/{sku}");
    let Some(entry) = catalog.iter().find(|i| {
        i.publisher.eq_ignore_ascii_case(publisher)
            && i.offer.eq_ignore_ascii_case(offer)
            && i.sku.eq_ignore_ascii_case(sku)
    }) else {
        let current = catalog
            .iter()
            .filter(|i| i.end_of_life.is_none_or(|end| end > now));
        return vec![error(
            "image",
            format!("image `{name}` is not in the account's supported images"),
            closest(&name, current.map(display)),
        )];
    };
    let mut errors = Vec::new();
    if let Some(end) = entry.end_of_life.filter(|end| *end <= now) {
        let current = catalog
            .iter()
            .filter(|i| i.end_of_life.is_none_or(|e| e > now) && i.windows == entry.windows)
            .map(display);
        errors.push(error(
            "image",
            format!(
                "image `{name}` reached the end of Batch support on {}",
                end.format("%Y-%m-%d")
            ),
            closest(&name, current),
        ));
    }
    if !entry.node_agent_sku.eq_ignore_ascii_case(agent) {
        errors.push(error(
            "node_agent_sku",
            format!("node agent `{agent}` does not run image `{name}`"),
            Some(format!("use node_agent_sku = \"{}\"", entry.node_agent_sku)),
        ));
    }
    if config.container.is_some()
        && !entry
            .capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(CONTAINER_CAPABILITY))
    {
        let capable = catalog
            .iter()
            .filter(|i| {
                i.capabilities
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(CONTAINER_CAPABILITY))
            })
            .map(display);
        errors.push(error(
            "container",
            format!("image `{name}` cannot run containers (it lacks the {CONTAINER_CAPABILITY} capability)"),
            closest(&name, capable),
        ));
    }
    errors
}

fn display(image: &CatalogImage) -> String {
    format!("{}/{}/{}", image.publisher, image.offer, image.sku)
}

/// Up to three candidates nearest to `wanted`, as a hint.
fn closest(wanted: &str, candidates: impl Iterator<Item = String>) -> Option<String> {
    let wanted = wanted.to_ascii_lowercase();
    let mut scored: Vec<(f64, String)> = candidates
        .map(|c| {
            (
                strsim::normalized_levenshtein(&wanted, &c.to_ascii_lowercase()),
                c,
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    let names: Vec<String> = scored
        .into_iter()
        .take(3)
        .map(|(_, c)| format!("`{c}`"))
        .collect();
    (!names.is_empty()).then(|| format!("closest supported: {}", names.join(", ")))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::testing::{catalog, pool_config};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_supported_image_passes() {
        let mut config = pool_config();
        config.container = None;
        assert_eq!(check("p", &config, &catalog(), now()), vec![]);
    }

    #[test]
    fn an_unknown_image_names_the_closest_choices() {
        let mut config = pool_config();
        config.image = Image::Marketplace {
            publisher: "canonical".into(),
            offer: "0001-com-ubuntu-server-jammy".into(),
            sku: "22_04-lts-typo".into(),
            version: "latest".into(),
        };
        let errors = check("p", &config, &catalog(), now());
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .message
                .contains("not in the account's supported images")
        );
        let hint = errors[0].hint.as_deref().unwrap();
        assert!(
            hint.starts_with(
                "closest supported: `canonical/0001-com-ubuntu-server-jammy/22_04-lts`"
            ),
            "{hint}"
        );
    }

    #[test]
    fn a_mismatched_agent_says_which_agent_runs_the_image() {
        let mut config = pool_config();
        config.container = None;
        config.node_agent_sku = "batch.node.ubuntu 20.04".into();
        let errors = check("p", &config, &catalog(), now());
        assert_eq!(
            errors[0].hint.as_deref(),
            Some(
                "use node_agent_sku = \"batch.node.ubuntu 22.04\"; `batchform images` lists what the account supports"
            )
        );
    }

    #[test]
    fn an_end_of_life_image_is_refused() {
        let mut config = pool_config();
        config.container = None;
        config.image = Image::Marketplace {
            publisher: "canonical".into(),
            offer: "ubuntuserver".into(),
            sku: "16.04-lts".into(),
            version: "latest".into(),
        };
        config.node_agent_sku = "batch.node.ubuntu 16.04".into();
        let errors = check("p", &config, &catalog(), now());
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.contains("end of Batch support"),
            "{:?}",
            errors[0]
        );
    }

    #[test]
    fn containers_need_a_container_capable_image() {
        let config = pool_config();
        let errors = check("p", &config, &catalog(), now());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field.as_deref(), Some("container"));
        assert!(
            errors[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("microsoft-dsvm/ubuntu-hpc/2204")
        );
    }
}
