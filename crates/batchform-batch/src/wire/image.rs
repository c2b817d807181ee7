//! What a node runs: the VM configuration, its image reference and container configuration,
//! and the account's catalog of supported images.

use serde::{Deserialize, Serialize};

use super::common::Timestamp;

/// `VirtualMachineConfiguration`: the image and agent of a pool's nodes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualMachineConfiguration {
    pub image_reference: ImageReference,
    #[serde(rename = "nodeAgentSKUId")]
    pub node_agent_sku_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows_configuration: Option<WindowsConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_configuration: Option<ContainerConfiguration>,
    /// `dataDisks`, `diskEncryptionConfiguration`, `nodePlacementConfiguration`, `extensions`,
    /// `osDisk`, `securityProfile`, `serviceArtifactReference`: kept, not modelled.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `VirtualMachineConfigurationUpdate` (the PATCH form): every property optional, and those
/// present replace the pool's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualMachineConfigurationUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_reference: Option<ImageReference>,
    #[serde(rename = "nodeAgentSKUId", skip_serializing_if = "Option::is_none")]
    pub node_agent_sku_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows_configuration: Option<WindowsConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_configuration: Option<ContainerConfiguration>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl From<VirtualMachineConfiguration> for VirtualMachineConfigurationUpdate {
    fn from(c: VirtualMachineConfiguration) -> Self {
        Self {
            image_reference: Some(c.image_reference),
            node_agent_sku_id: Some(c.node_agent_sku_id),
            windows_configuration: c.windows_configuration,
            license_type: c.license_type,
            container_configuration: c.container_configuration,
            extra: c.extra,
        }
    }
}

/// `BatchVmImageReference`: a marketplace image (publisher/offer/sku/version) or exactly one
/// of the image-id forms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageReference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Defaults to `latest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_machine_image_id: Option<String>,
    /// Read-only: the version actually used when `version` was `latest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_gallery_image_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_gallery_image_id: Option<String>,
}

impl ImageReference {
    /// A marketplace image reference with version `latest`.
    pub fn marketplace(publisher: &str, offer: &str, sku: &str) -> Self {
        Self {
            publisher: Some(publisher.to_string()),
            offer: Some(offer.to_string()),
            sku: Some(sku.to_string()),
            version: Some("latest".to_string()),
            ..Self::default()
        }
    }
}

/// `WindowsConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowsConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_automatic_updates: Option<bool>,
}

wire_enum! {
    /// `ContainerType` (mixed case in the spec, kept as is).
    pub enum ContainerType {
        DockerCompatible = "dockerCompatible",
        CriCompatible = "criCompatible",
    }
}

/// `BatchContainerConfiguration`: container runtime, images to prefetch, registries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerConfiguration {
    #[serde(rename = "type")]
    pub kind: ContainerType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_image_names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_registries: Option<Vec<ContainerRegistry>>,
}

/// `ContainerRegistryReference`. `password` is write-only: the service never returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerRegistry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Defaults to `docker.io`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_reference: Option<NodeIdentityReference>,
}

/// `BatchNodeIdentityReference`: a user-assigned identity of the pool.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeIdentityReference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
}

wire_enum! {
    /// `OSType`.
    pub enum OsType {
        Linux = "linux",
        Windows = "windows",
    }
}

wire_enum! {
    /// `ImageVerificationType`.
    pub enum ImageVerificationType {
        Verified = "verified",
        Unverified = "unverified",
    }
}

/// `BatchSupportedImage`: one entry of `GET /supportedimages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportedImage {
    #[serde(rename = "nodeAgentSKUId")]
    pub node_agent_sku_id: String,
    pub image_reference: ImageReference,
    pub os_type: OsType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
    /// When the service stops accepting new pools on this image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_support_end_of_life: Option<Timestamp>,
    pub verification_type: ImageVerificationType,
}

/// An entry of the retired `GET /nodeagentskus` (API 2018-12-01 and earlier), replaced by
/// `/supportedimages`; modelled so older recordings still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeAgentSku {
    pub id: String,
    #[serde(default)]
    pub verified_image_references: Vec<ImageReference>,
    pub os_type: OsType,
}
