//! Service-side validation of pool bodies: id syntax, ranges, exclusive options, enum values,
//! and the image and node agent SKU against the supported-image catalog. Property names in
//! errors are the wire names of the offending property.

use std::time::Duration;

use super::autoscale;
use super::catalog;
use super::errors::ApiError;
use batchform_batch::wire::{
    ContainerConfiguration, MetadataItem, OsType, StartTask, TaskSchedulingPolicy, Timestamp,
    UserAccount, VirtualMachineConfiguration,
};

/// The longest autoscale formula the service accepts.
const MAX_FORMULA: usize = 8192;

/// Ids of pools (and the like): 1–64 letters, digits, hyphens and underscores.
pub fn id(name: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Err(ApiError::invalid_property(
            name,
            value,
            "The id must not be empty.",
        ));
    }
    if value.chars().count() > 64 {
        return Err(ApiError::invalid_property(
            name,
            value,
            "The id cannot contain more than 64 characters.",
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::invalid_property(
            name,
            value,
            "The id can contain only alphanumeric characters, hyphens and underscores.",
        ));
    }
    Ok(())
}

fn enum_value<T: std::fmt::Display>(name: &str, value: &T, is_other: bool) -> Result<(), ApiError> {
    if is_other {
        return Err(ApiError::invalid_property(
            name,
            value.to_string(),
            "The value is not one the service accepts.",
        ));
    }
    Ok(())
}

/// The VM configuration: a catalog image (or a custom image with a known agent), its agent
/// SKU, end of life, and container support. Returns the node OS.
///
/// Inferred: a container configuration needs an image with the `DockerCompatible`
/// capability; the service documents container-ready images but not the refusal.
pub fn vm_configuration(
    vm: &VirtualMachineConfiguration,
    now: Timestamp,
) -> Result<OsType, ApiError> {
    let image = &vm.image_reference;
    let marketplace = [&image.publisher, &image.offer, &image.sku];
    let ids = [
        &image.virtual_machine_image_id,
        &image.shared_gallery_image_id,
        &image.community_gallery_image_id,
    ];
    let id_count = ids.iter().filter(|i| i.is_some()).count();
    let market_count = marketplace.iter().filter(|p| p.is_some()).count();
    if id_count > 1 || (id_count == 1 && market_count > 0) {
        return Err(ApiError::invalid_property(
            "imageReference",
            "",
            "Specify either publisher, offer and sku, or exactly one of virtualMachineImageId, sharedGalleryImageId and communityGalleryImageId.",
        ));
    }
    if vm.node_agent_sku_id.trim().is_empty() {
        return Err(ApiError::missing_property("nodeAgentSKUId"));
    }
    let os = if id_count == 1 {
        catalog::known_agent(&vm.node_agent_sku_id).ok_or_else(|| {
            ApiError::invalid_property(
                "nodeAgentSKUId",
                &vm.node_agent_sku_id,
                "The node agent SKU is not supported.",
            )
        })?
    } else {
        for (name, part) in ["publisher", "offer", "sku"].into_iter().zip(marketplace) {
            if part.as_deref().is_none_or(str::is_empty) {
                return Err(ApiError::missing_property(name));
            }
        }
        let (publisher, offer, sku) = (
            image.publisher.as_deref().unwrap_or(""),
            image.offer.as_deref().unwrap_or(""),
            image.sku.as_deref().unwrap_or(""),
        );
        let found = catalog::find(publisher, offer, sku).ok_or_else(|| {
            ApiError::invalid_property(
                "imageReference",
                format!("{publisher}:{offer}:{sku}"),
                "The image is not in the list of supported images (see GET /supportedimages).",
            )
        })?;
        if !found
            .image
            .node_agent_sku_id
            .eq_ignore_ascii_case(&vm.node_agent_sku_id)
        {
            return Err(ApiError::invalid_property(
                "nodeAgentSKUId",
                &vm.node_agent_sku_id,
                format!(
                    "The node agent SKU does not match the image; {publisher}:{offer}:{sku} uses '{}'.",
                    found.image.node_agent_sku_id
                ),
            ));
        }
        if let Some(eol) = found.image.batch_support_end_of_life
            && eol <= now
        {
            return Err(ApiError::invalid_property(
                "imageReference",
                format!("{publisher}:{offer}:{sku}"),
                format!(
                    "The image reached its Batch support end of life on {}.",
                    eol.format("%Y-%m-%d")
                ),
            ));
        }
        if vm.container_configuration.is_some() && !found.docker_compatible() {
            return Err(ApiError::invalid_property(
                "containerConfiguration",
                format!("{publisher}:{offer}:{sku}"),
                "The image does not support containers (it lacks the DockerCompatible capability).",
            ));
        }
        found.image.os_type
    };
    if let Some(containers) = &vm.container_configuration {
        container_configuration(containers)?;
    }
    if os == OsType::Linux && vm.windows_configuration.is_some() {
        return Err(ApiError::invalid_property(
            "windowsConfiguration",
            "",
            "windowsConfiguration applies only to Windows images.",
        ));
    }
    Ok(os)
}

fn container_configuration(c: &ContainerConfiguration) -> Result<(), ApiError> {
    enum_value("type", &c.kind, c.kind.is_other())?;
    for name in c.container_image_names.iter().flatten() {
        if name.trim().is_empty() {
            return Err(ApiError::invalid_property(
                "containerImageNames",
                name,
                "An image name must not be empty.",
            ));
        }
    }
    for registry in c.container_registries.iter().flatten() {
        let has_user = registry.username.is_some();
        let has_password = registry.password.is_some();
        let has_identity = registry.identity_reference.is_some();
        if has_user != has_password {
            return Err(ApiError::invalid_property(
                "containerRegistries",
                registry.registry_server.clone().unwrap_or_default(),
                "A registry needs both username and password, or neither.",
            ));
        }
        if has_user && has_identity {
            return Err(ApiError::invalid_property(
                "containerRegistries",
                registry.registry_server.clone().unwrap_or_default(),
                "A registry takes either username and password or identityReference, not both.",
            ));
        }
    }
    Ok(())
}

/// Pool user accounts: names present, unique ignoring case, at most 20 characters; a
/// password on create.
pub fn user_accounts(accounts: &[UserAccount]) -> Result<(), ApiError> {
    for (i, account) in accounts.iter().enumerate() {
        if account.name.trim().is_empty() {
            return Err(ApiError::missing_property("name"));
        }
        if account.name.chars().count() > 20 {
            return Err(ApiError::invalid_property(
                "name",
                &account.name,
                "A user name cannot exceed 20 characters.",
            ));
        }
        if account.password.as_deref().is_none_or(str::is_empty) {
            return Err(ApiError::missing_property("password"));
        }
        if accounts[..i]
            .iter()
            .any(|a| a.name.eq_ignore_ascii_case(&account.name))
        {
            return Err(ApiError::invalid_property(
                "name",
                &account.name,
                "User account names must be unique.",
            ));
        }
        if let Some(level) = &account.elevation_level {
            enum_value("elevationLevel", level, level.is_other())?;
        }
        if let Some(mode) = account
            .windows_user_configuration
            .as_ref()
            .and_then(|w| w.login_mode.as_ref())
        {
            enum_value("loginMode", mode, mode.is_other())?;
        }
    }
    Ok(())
}

/// The start task: a command line, and a user that is either a pool account or an auto-user.
pub fn start_task(task: &StartTask, accounts: &[UserAccount]) -> Result<(), ApiError> {
    if task.command_line.trim().is_empty() {
        return Err(ApiError::missing_property("commandLine"));
    }
    if task.max_task_retry_count.is_some_and(|n| n < -1) {
        return Err(ApiError::invalid_property(
            "maxTaskRetryCount",
            task.max_task_retry_count.unwrap_or_default().to_string(),
            "The value must be -1 (unlimited) or more.",
        ));
    }
    if let Some(identity) = &task.user_identity {
        match (&identity.username, &identity.auto_user) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid_property(
                    "userIdentity",
                    "",
                    "Specify either username or autoUser, not both.",
                ));
            }
            (Some(name), None) if !accounts.iter().any(|a| a.name.eq_ignore_ascii_case(name)) => {
                // Inferred: the service resolves the name against the pool's user accounts.
                return Err(ApiError::invalid_property(
                    "username",
                    name,
                    "The user is not one of the pool's userAccounts.",
                ));
            }
            (_, Some(auto)) => {
                if let Some(scope) = &auto.scope {
                    enum_value("scope", scope, scope.is_other())?;
                }
                if let Some(level) = &auto.elevation_level {
                    enum_value("elevationLevel", level, level.is_other())?;
                }
            }
            _ => {}
        }
    }
    for setting in task.environment_settings.iter().flatten() {
        if setting.name.trim().is_empty() {
            return Err(ApiError::missing_property("name"));
        }
    }
    if let Some(settings) = &task.container_settings {
        if settings.image_name.trim().is_empty() {
            return Err(ApiError::missing_property("imageName"));
        }
        if let Some(dir) = &settings.working_directory {
            enum_value("workingDirectory", dir, dir.is_other())?;
        }
    }
    Ok(())
}

/// Metadata: non-empty names, unique.
pub fn metadata(items: &[MetadataItem]) -> Result<(), ApiError> {
    for (i, item) in items.iter().enumerate() {
        if item.name.is_empty() {
            return Err(ApiError::new(
                http::StatusCode::BAD_REQUEST,
                "EmptyMetadataKey",
                "The key for one of the metadata key-value pairs is empty.",
            ));
        }
        if items[..i].iter().any(|m| m.name == item.name) {
            // Inferred: duplicate names are refused rather than one silently winning.
            return Err(ApiError::new(
                http::StatusCode::BAD_REQUEST,
                "InvalidMetadata",
                "The metadata contains a duplicate name.",
            )
            .with("MetadataName", &item.name));
        }
    }
    Ok(())
}

/// `taskSlotsPerNode`: 1 up to the smaller of 4 × cores and 256.
pub fn task_slots(slots: i32, vm_size: &str) -> Result<(), ApiError> {
    let max = (catalog::cores(vm_size) * 4).min(256) as i32;
    if slots < 1 || slots > max {
        return Err(ApiError::invalid_property(
            "taskSlotsPerNode",
            slots.to_string(),
            format!("The value must be between 1 and {max} for VM size {vm_size}."),
        ));
    }
    Ok(())
}

pub fn scheduling_policy(policy: &TaskSchedulingPolicy) -> Result<(), ApiError> {
    enum_value(
        "nodeFillType",
        &policy.node_fill_type,
        policy.node_fill_type.is_other(),
    )?;
    if let Some(order) = &policy.job_default_order {
        enum_value("jobDefaultOrder", order, order.is_other())?;
    }
    Ok(())
}

pub fn vm_size(size: &str) -> Result<(), ApiError> {
    if size.trim().is_empty() {
        return Err(ApiError::missing_property("vmSize"));
    }
    Ok(())
}

/// `resizeTimeout`: at least 5 minutes.
pub fn resize_timeout(timeout: Duration) -> Result<(), ApiError> {
    if timeout < Duration::from_secs(5 * 60) {
        return Err(ApiError::invalid_property(
            "resizeTimeout",
            batchform_batch::wire::IsoDuration(timeout).to_string(),
            "The resize timeout must be at least 5 minutes.",
        ));
    }
    Ok(())
}

/// `autoScaleEvaluationInterval`: between 5 minutes and 168 hours.
pub fn autoscale_interval(interval: Duration) -> Result<(), ApiError> {
    if interval < Duration::from_secs(5 * 60) || interval > Duration::from_secs(168 * 3600) {
        return Err(ApiError::invalid_property(
            "autoScaleEvaluationInterval",
            batchform_batch::wire::IsoDuration(interval).to_string(),
            "The interval must be between 5 minutes and 168 hours.",
        ));
    }
    Ok(())
}

/// An autoscale formula: at most 8192 characters, and one that parses.
pub fn formula(text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::missing_property("autoScaleFormula"));
    }
    if text.len() > MAX_FORMULA {
        return Err(ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "AutoScaleFormulaTooLong",
            "The specified autoscale formula is too long.",
        )
        .with("MaxLength", MAX_FORMULA.to_string()));
    }
    autoscale::parse(text).map(|_| ()).map_err(|e| {
        ApiError::new(
            http::StatusCode::BAD_REQUEST,
            "AutoScalingFormulaSyntaxError",
            "The specified autoscale formula has a syntax error.",
        )
        .with("Reason", e.0)
    })
}

/// A node count: never negative.
pub fn count(name: &str, value: Option<i32>) -> Result<(), ApiError> {
    match value {
        Some(n) if n < 0 => Err(ApiError::invalid_property(
            name,
            n.to_string(),
            "The value cannot be negative.",
        )),
        _ => Ok(()),
    }
}
