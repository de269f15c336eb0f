//! The container number from a QR code on the door (a photo from the headset's camera or a file),
//! checked against ISO 6346 before any packet is asked for.

use std::path::Path;

use customs::ContainerNumber;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: not an image: {reason}")]
    Image { path: String, reason: String },
    #[error("no QR code found in the image")]
    NoCode,
    #[error("a QR code was found but could not be read: {0}")]
    Unreadable(String),
    #[error("the QR code says {text:?}, which is not a container number: {reason}")]
    NotAContainer { text: String, reason: String },
}

/// Reads every QR code in a greyscale image and returns the first valid container number.
/// Codes may hold the bare number or `…:MSCU1234565`-style text (BIC door labels, URLs).
pub fn container_from_luma(image: image::GrayImage) -> Result<ContainerNumber, ScanError> {
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(ScanError::NoCode);
    }
    let mut last = None;
    for grid in grids {
        let text = match grid.decode() {
            Ok((_meta, text)) => text,
            Err(e) => {
                last = Some(ScanError::Unreadable(e.to_string()));
                continue;
            }
        };
        let candidate = text.rsplit([':', '/', '=']).next().unwrap_or(&text).trim();
        match ContainerNumber::parse(candidate) {
            Ok(n) => return Ok(n),
            Err(e) => {
                last = Some(ScanError::NotAContainer {
                    text: text.clone(),
                    reason: e.to_string(),
                })
            }
        }
    }
    Err(last.unwrap_or(ScanError::NoCode))
}

pub fn container_from_file(path: &Path) -> Result<ContainerNumber, ScanError> {
    let image = image::open(path).map_err(|e| ScanError::Image {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    container_from_luma(image.to_luma8())
}
