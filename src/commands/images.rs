//! `batchform images`: the images and node agent SKUs the account supports, read from the
//! service when asked (Microsoft's advice is to list them at run time, never to hard-code them).

use std::io::Write;

use batchform_batch::wire;
use serde::Serialize;

use super::session::Session;
use crate::Exit;
use crate::cli::{DiagnosticFormat, ImagesArgs, OsFamily};

/// One supported image, as printed.
#[derive(Debug, Serialize)]
struct Image {
    publisher: String,
    offer: String,
    sku: String,
    node_agent_sku: String,
    os: &'static str,
    verification: String,
    capabilities: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_of_support: Option<String>,
}

pub fn run(args: &ImagesArgs) -> anyhow::Result<Exit> {
    super::runtime()?.block_on(async {
        let session = Session::open(&Default::default(), args.account.parallelism).await?;
        let images = session
            .client
            .supported_images::<wire::SupportedImage>()
            .await;
        session.close().await?;
        print(args, images?)
    })
}

fn print(args: &ImagesArgs, images: Vec<wire::SupportedImage>) -> anyhow::Result<Exit> {
    let mut shown: Vec<Image> = images
        .into_iter()
        .map(|image| Image {
            publisher: image.image_reference.publisher.clone().unwrap_or_default(),
            offer: image.image_reference.offer.clone().unwrap_or_default(),
            sku: image.image_reference.sku.clone().unwrap_or_default(),
            node_agent_sku: image.node_agent_sku_id.clone(),
            os: if image.os_type == wire::OsType::Windows {
                "windows"
            } else {
                "linux"
            },
            verification: image.verification_type.as_str().to_string(),
            capabilities: image.capabilities.clone().unwrap_or_default(),
            end_of_support: image
                .batch_support_end_of_life
                .map(|t| t.format("%Y-%m-%d").to_string()),
        })
        .filter(|i| match args.os {
            Some(OsFamily::Linux) => i.os == "linux",
            Some(OsFamily::Windows) => i.os == "windows",
            None => true,
        })
        .filter(|i| {
            args.capability.as_ref().is_none_or(|wanted| {
                i.capabilities
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(wanted))
            })
        })
        .filter(|i| {
            args.agent
                .as_ref()
                .is_none_or(|wanted| i.node_agent_sku.eq_ignore_ascii_case(wanted.trim()))
        })
        .collect();
    shown.sort_by(|a, b| {
        (&a.node_agent_sku, &a.publisher, &a.offer, &a.sku).cmp(&(
            &b.node_agent_sku,
            &b.publisher,
            &b.offer,
            &b.sku,
        ))
    });
    let mut out = String::new();
    match args.format {
        DiagnosticFormat::Json => {
            out = serde_json::to_string_pretty(&shown)? + "\n";
        }
        DiagnosticFormat::Text => {
            out.push_str(&format!(
                "{:<28} {:<52} {:<10} {:<11} {:<24} {}\n",
                "NODE AGENT SKU",
                "IMAGE (publisher/offer/sku)",
                "OS",
                "VERIFIED",
                "END OF SUPPORT",
                "CAPABILITIES"
            ));
            for image in &shown {
                out.push_str(&format!(
                    "{:<28} {:<52} {:<10} {:<11} {:<24} {}\n",
                    image.node_agent_sku,
                    format!("{}/{}/{}", image.publisher, image.offer, image.sku),
                    image.os,
                    image.verification,
                    image.end_of_support.as_deref().unwrap_or("-"),
                    image.capabilities.join(", ")
                ));
            }
            if shown.is_empty() {
                out.push_str("(no supported image matches)\n");
            }
        }
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(Exit::Success)
}
