//! What the emulated account offers: the supported-image catalog (`GET /supportedimages`) and
//! the core count of each VM size (for the dedicated-core quota).

use chrono::{DateTime, Utc};

use batchform_batch::wire::{ImageReference, ImageVerificationType, OsType, SupportedImage};

struct Entry {
    publisher: &'static str,
    offer: &'static str,
    sku: &'static str,
    /// What `latest` resolves to, reported as `exactVersion`.
    latest: &'static str,
    agent: &'static str,
    windows: bool,
    verified: bool,
    capabilities: &'static [&'static str],
    /// `batchSupportEndOfLife` as RFC 3339.
    end_of_life: Option<&'static str>,
}

const DOCKER: &str = "DockerCompatible";
const NVIDIA: &str = "NvidiaTeslaDriverInstalled";

const fn linux(
    publisher: &'static str,
    offer: &'static str,
    sku: &'static str,
    latest: &'static str,
    agent: &'static str,
) -> Entry {
    Entry {
        publisher,
        offer,
        sku,
        latest,
        agent,
        windows: false,
        verified: true,
        capabilities: &[],
        end_of_life: None,
    }
}

const fn windows(sku: &'static str, latest: &'static str) -> Entry {
    Entry {
        publisher: "microsoftwindowsserver",
        offer: "windowsserver",
        sku,
        latest,
        agent: "batch.node.windows amd64",
        windows: true,
        verified: true,
        capabilities: &[],
        end_of_life: None,
    }
}

const CATALOG: &[Entry] = &[
    linux(
        "canonical",
        "0001-com-ubuntu-server-focal",
        "20_04-lts",
        "20.04.202505200",
        "batch.node.ubuntu 20.04",
    ),
    linux(
        "canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts",
        "22.04.202507090",
        "batch.node.ubuntu 22.04",
    ),
    linux(
        "canonical",
        "ubuntu-24_04-lts",
        "server",
        "24.04.202507100",
        "batch.node.ubuntu 24.04",
    ),
    Entry {
        capabilities: &[DOCKER, NVIDIA],
        ..linux(
            "microsoft-dsvm",
            "ubuntu-hpc",
            "2204",
            "22.04.2025061001",
            "batch.node.ubuntu 22.04",
        )
    },
    Entry {
        capabilities: &[DOCKER, NVIDIA],
        ..linux(
            "microsoft-dsvm",
            "ubuntu-hpc",
            "2404",
            "24.04.2025061001",
            "batch.node.ubuntu 24.04",
        )
    },
    Entry {
        capabilities: &[DOCKER, NVIDIA],
        ..linux(
            "microsoft-azure-batch",
            "ubuntu-server-container",
            "20-04-lts",
            "1.0.20250312",
            "batch.node.ubuntu 20.04",
        )
    },
    linux(
        "debian",
        "debian-12",
        "12",
        "0.20250630.2161",
        "batch.node.debian 12",
    ),
    Entry {
        verified: false,
        ..linux(
            "debian",
            "debian-11",
            "11",
            "0.20250630.2161",
            "batch.node.debian 11",
        )
    },
    linux(
        "almalinux",
        "almalinux-x86_64",
        "8-gen2",
        "8.10.2025052801",
        "batch.node.el 8",
    ),
    linux(
        "almalinux",
        "almalinux-x86_64",
        "9-gen2",
        "9.6.2025052801",
        "batch.node.el 9",
    ),
    windows("2019-datacenter", "17763.7434.250605"),
    windows("2019-datacenter-core", "17763.7434.250605"),
    Entry {
        capabilities: &[DOCKER],
        ..windows(
            "2019-datacenter-core-with-containers-smalldisk",
            "17763.7434.250605",
        )
    },
    windows("2022-datacenter", "20348.3807.250605"),
    windows("2022-datacenter-smalldisk", "20348.3807.250605"),
    windows("2022-datacenter-core", "20348.3807.250605"),
    windows("2022-datacenter-azure-edition", "20348.3807.250605"),
    Entry {
        end_of_life: Some("2019-08-31T00:00:00Z"),
        verified: false,
        ..linux(
            "canonical",
            "ubuntuserver",
            "14.04.5-lts",
            "14.04.201905140",
            "batch.node.ubuntu 14.04",
        )
    },
    Entry {
        end_of_life: Some("2021-04-30T00:00:00Z"),
        ..linux(
            "canonical",
            "ubuntuserver",
            "16.04-lts",
            "16.04.202104290",
            "batch.node.ubuntu 16.04",
        )
    },
];

fn os(entry: &Entry) -> OsType {
    if entry.windows {
        OsType::Windows
    } else {
        OsType::Linux
    }
}

fn end_of_life(entry: &Entry) -> Option<DateTime<Utc>> {
    entry
        .end_of_life
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn to_wire(entry: &Entry) -> SupportedImage {
    let capabilities: Vec<String> = entry.capabilities.iter().map(|c| c.to_string()).collect();
    SupportedImage {
        node_agent_sku_id: entry.agent.to_string(),
        image_reference: ImageReference::marketplace(entry.publisher, entry.offer, entry.sku),
        os_type: os(entry),
        capabilities: (!capabilities.is_empty()).then_some(capabilities),
        batch_support_end_of_life: end_of_life(entry),
        verification_type: if entry.verified {
            ImageVerificationType::Verified
        } else {
            ImageVerificationType::Unverified
        },
    }
}

/// Every supported image, in catalog order.
pub fn supported_images() -> Vec<SupportedImage> {
    CATALOG.iter().map(to_wire).collect()
}

/// A marketplace image found in the catalog.
pub struct Match {
    pub image: SupportedImage,
    pub latest: &'static str,
}

impl Match {
    pub fn docker_compatible(&self) -> bool {
        self.image
            .capabilities
            .iter()
            .flatten()
            .any(|c| c.eq_ignore_ascii_case(DOCKER))
    }
}

/// The catalog entry for a marketplace image (publisher, offer and sku compared ignoring case).
pub fn find(publisher: &str, offer: &str, sku: &str) -> Option<Match> {
    CATALOG
        .iter()
        .find(|e| {
            e.publisher.eq_ignore_ascii_case(publisher)
                && e.offer.eq_ignore_ascii_case(offer)
                && e.sku.eq_ignore_ascii_case(sku)
        })
        .map(|e| Match {
            image: to_wire(e),
            latest: e.latest,
        })
}

/// Whether any catalog entry uses this node agent SKU (for custom and gallery images, which
/// the catalog cannot match by reference).
pub fn known_agent(agent: &str) -> Option<OsType> {
    CATALOG
        .iter()
        .find(|e| e.agent.eq_ignore_ascii_case(agent))
        .map(os)
}

/// vCPUs of a VM size. Azure names encode them after the family letters (`standard_d4s_v3`
/// has 4, `standard_nc24rs_v3` 24); the retired classic names are listed; anything else
/// counts as 2.
pub fn cores(vm_size: &str) -> u32 {
    let lower = vm_size.to_ascii_lowercase();
    let classic = match lower.as_str() {
        "extrasmall" | "small" | "standard_a0" => Some(1),
        "medium" => Some(2),
        "large" => Some(4),
        "extralarge" => Some(8),
        _ => None,
    };
    if let Some(c) = classic {
        return c;
    }
    let name = lower
        .strip_prefix("standard_")
        .or_else(|| lower.strip_prefix("basic_"));
    let Some(name) = name else { return 2 };
    let digits: String = name
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    match digits.parse::<u32>() {
        Ok(n) if n > 0 => n,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_images_ignoring_case() {
        let m = find("Canonical", "0001-COM-UBUNTU-SERVER-JAMMY", "22_04-LTS").unwrap();
        assert_eq!(m.image.node_agent_sku_id, "batch.node.ubuntu 22.04");
        assert!(!m.docker_compatible());
        assert!(
            find("microsoft-dsvm", "ubuntu-hpc", "2204")
                .unwrap()
                .docker_compatible()
        );
        assert!(find("canonical", "ubuntuserver", "18.04-lts").is_none());
    }

    #[test]
    fn retired_images_have_a_past_end_of_life() {
        let m = find("canonical", "ubuntuserver", "16.04-lts").unwrap();
        assert!(m.image.batch_support_end_of_life.unwrap() < Utc::now());
        let current = find("canonical", "ubuntu-24_04-lts", "server").unwrap();
        assert!(current.image.batch_support_end_of_life.is_none());
    }

    #[test]
    fn core_counts_follow_the_size_names() {
        assert_eq!(cores("Standard_D2s_v3"), 2);
        assert_eq!(cores("standard_d16s_v5"), 16);
        assert_eq!(cores("STANDARD_NC24RS_V3"), 24);
        assert_eq!(cores("standard_a1"), 1);
        assert_eq!(cores("standard_hb120rs_v3"), 120);
        assert_eq!(cores("small"), 1);
        assert_eq!(cores("whatever"), 2);
    }
}
