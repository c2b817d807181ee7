//! Users: pool-level user accounts (`UserAccount`) and node login users (create/replace).

use serde::{Deserialize, Serialize};

use super::common::Timestamp;

wire_enum! {
    /// `ElevationLevel`.
    pub enum ElevationLevel {
        NonAdmin = "nonadmin",
        Admin = "admin",
    }
}

wire_enum! {
    /// `LoginMode` (Windows user accounts).
    pub enum LoginMode {
        Batch = "batch",
        Interactive = "interactive",
    }
}

/// `UserAccount`: an account created on every node of a pool. `password` is write-only: the
/// service accepts it and never returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAccount {
    pub name: String,
    /// Required on create; absent whenever the account is read back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elevation_level: Option<ElevationLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linux_user_configuration: Option<LinuxUserConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows_user_configuration: Option<WindowsUserConfiguration>,
}

/// `LinuxUserConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinuxUserConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_private_key: Option<String>,
}

/// `WindowsUserConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowsUserConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_mode: Option<LoginMode>,
}

/// `BatchNodeUserCreateOptions`: body of `POST /pools/{p}/nodes/{n}/users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeUserCreate {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
    /// Defaults to one day after the request when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_public_key: Option<String>,
}

/// `BatchNodeUserReplaceOptions`: body of `PUT /pools/{p}/nodes/{n}/users/{name}`, a full
/// replace (an omitted password or key is removed; an omitted expiry becomes now + 1 day).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeUserReplace {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_public_key: Option<String>,
}

/// `BatchNodeRemoteLoginSettings`: `GET .../nodes/{n}/remoteloginsettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteLoginSettings {
    #[serde(rename = "remoteLoginIPAddress")]
    pub remote_login_ip_address: String,
    #[serde(rename = "remoteLoginPort")]
    pub remote_login_port: i32,
    #[serde(
        rename = "ipv6RemoteLoginIPAddress",
        skip_serializing_if = "Option::is_none"
    )]
    pub ipv6_remote_login_ip_address: Option<String>,
    #[serde(
        rename = "ipv6RemoteLoginPort",
        skip_serializing_if = "Option::is_none"
    )]
    pub ipv6_remote_login_port: Option<i32>,
}
