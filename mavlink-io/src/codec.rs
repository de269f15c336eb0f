//! Bytes ⇄ messages for one link: MAVLink 1 and 2 framing, CRC and message checks, MAVLink 2 signing, counters.
//!
//! A UDP datagram may hold several frames; each frame gives one `Ok((header, message))` or one
//! [`Rejected`], in order. Damage is reported once per damaged stretch: after a bad frame the
//! decoder resynchronises on the next start-of-frame byte (so a valid frame right behind a
//! corrupt one is not lost) without reporting every false start inside the damage.
//!
//! With a signing key, as ArduPilot with signing on: signed MAVLink 2 frames must carry a
//! valid signature with a timestamp newer than the last one of their stream (link id, system,
//! component), checked by the `mavlink` crate's `SigningData`; unsigned and MAVLink 1 frames
//! are refused except RADIO_STATUS, which radios cannot sign. Without a key every frame with
//! a good CRC is accepted, signed or not. Signature timestamps come from the wall clock, as
//! MAVLink requires (10 µs units since 2015), not from simulation time.

use mavlink::dialects::ardupilotmega::{MavMessage, RADIO_STATUS_DATA, SETUP_SIGNING_DATA};
use mavlink::{
    MAVLinkV2MessageRaw, MavHeader, MavlinkVersion, Message, MessageData, SigningConfig, SigningData, calculate_crc,
    consts, write_v2_msg_signed,
};
use thiserror::Error;

/// A MAVLink 2 signing key and the link id this end signs with.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub secret: [u8; 32],
    pub link_id: u8,
}

/// A signing key that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the signing key must be 64 hex digits (32 bytes)")]
pub struct BadKey;

impl SigningKey {
    /// A key written as 64 hex digits (as configuration files and environment variables hold
    /// it), for link 0; surrounding whitespace is ignored.
    pub fn from_hex(hex: &str) -> Result<Self, BadKey> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(BadKey);
        }
        let mut secret = [0u8; 32];
        for (i, byte) in secret.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| BadKey)?;
        }
        Ok(Self { secret, link_id: 0 })
    }
}

/// Why no signing key could be had for links that cross the air.
#[derive(Debug, Error)]
pub enum KeySourceError {
    #[error(
        "links that cross the air must be signed: set {env_var} or {file_setting} (or allow_unsigned = true on a bench)"
    )]
    Missing {
        env_var: &'static str,
        file_setting: &'static str,
    },
    #[error("reading the signing key {path}: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the signing key from {from}: {source}")]
    Bad {
        from: String,
        #[source]
        source: BadKey,
    },
}

impl SigningKey {
    /// The key for air links, as every binary takes it: the environment variable `env_var`
    /// first, else the file named by the configuration (`file_setting` names that setting in
    /// the error), else none only when `allow_unsigned` says the links may go unsigned.
    pub fn from_env_or_file(
        env_var: &'static str,
        file: Option<&std::path::Path>,
        file_setting: &'static str,
        allow_unsigned: bool,
    ) -> Result<Option<SigningKey>, KeySourceError> {
        let (hex, from) = match (std::env::var(env_var), file) {
            (Ok(hex), _) => (hex, env_var.to_string()),
            (Err(_), Some(path)) => {
                let hex = std::fs::read_to_string(path).map_err(|source| KeySourceError::Unreadable {
                    path: path.display().to_string(),
                    source,
                })?;
                (hex, path.display().to_string())
            }
            (Err(_), None) if allow_unsigned => return Ok(None),
            (Err(_), None) => return Err(KeySourceError::Missing { env_var, file_setting }),
        };
        SigningKey::from_hex(&hex)
            .map(Some)
            .map_err(|source| KeySourceError::Bad { from, source })
    }
}

impl std::fmt::Debug for SigningKey {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("link_id", &self.link_id)
            .finish_non_exhaustive()
    }
}

/// Why a frame was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RejectReason {
    #[error("bad CRC on message {msg_id}")]
    BadCrc { msg_id: u32 },
    #[error("unknown message id {msg_id}")]
    UnknownMessage { msg_id: u32 },
    #[error("message {msg_id} does not parse: {detail}")]
    Malformed { msg_id: u32, detail: String },
    #[error("unsupported incompatibility flags {flags:#04x}")]
    UnsupportedFlags { flags: u8 },
    #[error("frame cut short: {len} of {needed} bytes")]
    Truncated { len: usize, needed: usize },
    #[error("{len} bytes that are not a MAVLink frame")]
    Junk { len: usize },
    #[error("unsigned message {msg_id} on a signed link")]
    Unsigned { msg_id: u32 },
    #[error("bad signature on message {msg_id}")]
    BadSignature { msg_id: u32 },
    #[error("replayed or stale signature timestamp on message {msg_id}")]
    Replayed { msg_id: u32 },
}

/// A frame the codec refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("rejected MAVLink frame: {reason}")]
pub struct Rejected {
    pub reason: RejectReason,
}

/// Counters of one link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodecStats {
    pub accepted: u64,
    pub sent: u64,
    pub bad_crc: u64,
    pub unknown_message: u64,
    /// Frames whose payload does not parse, or with unsupported flags.
    pub malformed: u64,
    /// Junk bytes and truncated frames.
    pub framing: u64,
    pub unsigned: u64,
    pub bad_signature: u64,
    pub replayed: u64,
}

impl CodecStats {
    pub fn rejected(&self) -> u64 {
        self.bad_crc
            + self.unknown_message
            + self.malformed
            + self.framing
            + self.unsigned
            + self.bad_signature
            + self.replayed
    }

    fn count(&mut self, reason: &RejectReason) {
        let counter = match reason {
            RejectReason::BadCrc { .. } => &mut self.bad_crc,
            RejectReason::UnknownMessage { .. } => &mut self.unknown_message,
            RejectReason::Malformed { .. } | RejectReason::UnsupportedFlags { .. } => &mut self.malformed,
            RejectReason::Truncated { .. } | RejectReason::Junk { .. } => &mut self.framing,
            RejectReason::Unsigned { .. } => &mut self.unsigned,
            RejectReason::BadSignature { .. } => &mut self.bad_signature,
            RejectReason::Replayed { .. } => &mut self.replayed,
        };
        *counter += 1;
    }
}

/// The key and the crate's signing state (replay timestamps) built from it.
struct Signing {
    key: SigningKey,
    data: SigningData,
}

impl Signing {
    fn new(key: SigningKey) -> Self {
        let data = SigningData::from_config(SigningConfig::new(key.secret, key.link_id, true, false));
        Self { key, data }
    }
}

/// One frame's layout, read from its first bytes.
struct Layout {
    version: MavlinkVersion,
    /// Bytes from the start marker to the end of the checksum.
    crc_end: usize,
    /// Whole frame, signature included.
    len: usize,
    header_len: usize,
    msg_id: u32,
    signed: bool,
}

/// What sits at a start-of-frame byte.
enum Candidate {
    Frame(Layout),
    Reject(RejectReason),
}

fn read_layout(bytes: &[u8]) -> Candidate {
    let version = if bytes[0] == mavlink::MAV_STX_V2 {
        MavlinkVersion::V2
    } else {
        MavlinkVersion::V1
    };
    let (min_header, flags) = match version {
        MavlinkVersion::V1 => (consts::v1::HEADER_SIZE, 0),
        MavlinkVersion::V2 => (
            consts::v2::MIN_HEADER_SIZE,
            bytes.get(consts::v2::INCOMPAT_FLAGS_OFFSET).copied().unwrap_or(0),
        ),
    };
    if flags & !consts::v2::SUPPORTED_IFLAGS != 0 {
        return Candidate::Reject(RejectReason::UnsupportedFlags { flags });
    }
    let header_len = if flags & consts::v2::IFLAG_SYSID32 != 0 {
        consts::v2::MAX_HEADER_SIZE
    } else {
        min_header
    };
    let signed = flags & consts::v2::IFLAG_SIGNED != 0;
    let payload_len = bytes.get(consts::PAYLOAD_LEN_OFFSET).copied().map_or(0, usize::from);
    let crc_end = consts::STX_SIZE + header_len + payload_len + consts::CHECKSUM_SIZE;
    let len = crc_end + if signed { consts::v2::SIGNATURE_SIZE } else { 0 };
    if bytes.len() < len {
        return Candidate::Reject(RejectReason::Truncated {
            len: bytes.len(),
            needed: len,
        });
    }
    // The message id is the last header field: 1 byte in MAVLink 1, 3 in MAVLink 2.
    let msg_id = match version {
        MavlinkVersion::V1 => u32::from(bytes[consts::STX_SIZE + header_len - 1]),
        MavlinkVersion::V2 => {
            let at = consts::STX_SIZE + header_len - 3;
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], 0])
        }
    };
    Candidate::Frame(Layout {
        version,
        crc_end,
        len,
        header_len,
        msg_id,
        signed,
    })
}

/// Whether the dialect defines `msg_id`: parsing an empty payload fails only for unknown ids
/// (known ones zero-fill, or fail on an enum, which still proves the id exists).
fn is_known(msg_id: u32) -> bool {
    !matches!(
        MavMessage::parse(MavlinkVersion::V2, msg_id, &[]),
        Err(mavlink::error::ParserError::UnknownMessage { .. })
    )
}

/// One frame of a datagram: the message with its header, or why it was refused.
pub type Decoded = Result<(MavHeader, MavMessage), Rejected>;

fn report(out: &mut Vec<Decoded>, stats: &mut CodecStats, reason: RejectReason) {
    stats.count(&reason);
    out.push(Err(Rejected { reason }));
}

/// Messages accepted unsigned on a signed link (ArduPilot: radios cannot sign RADIO_STATUS).
const UNSIGNED_OK: [u32; 1] = [RADIO_STATUS_DATA::ID];

/// Framing, checking and signing for one link.
pub struct Codec {
    sysid: u8,
    compid: u8,
    sequence: u8,
    signing: Option<Signing>,
    stats: CodecStats,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec")
            .field("sysid", &self.sysid)
            .field("compid", &self.compid)
            .field("sequence", &self.sequence)
            .field("signing", &self.signing.as_ref().map(|s| &s.key))
            .field("stats", &self.stats)
            .finish()
    }
}

impl Codec {
    pub fn new(sysid: u8, compid: u8, signing: Option<SigningKey>) -> Self {
        Self {
            sysid,
            compid,
            sequence: 0,
            signing: signing.map(Signing::new),
            stats: CodecStats::default(),
        }
    }

    pub fn stats(&self) -> CodecStats {
        self.stats
    }

    pub fn set_sysid(&mut self, sysid: u8) {
        self.sysid = sysid;
    }

    pub fn signing_key(&self) -> Option<&SigningKey> {
        self.signing.as_ref().map(|s| &s.key)
    }

    /// Installs a key (None: signing off). Replay state starts afresh.
    pub fn set_signing(&mut self, key: Option<SigningKey>) {
        self.signing = key.map(Signing::new);
    }

    /// SETUP_SIGNING, once the autopilot has decided to accept it (ArduPilot: over a trusted
    /// link, or while no key is set). An all-zero key turns signing off, as MAVLink and
    /// ArduPilot specify; otherwise the key is installed, keeping this link's link id.
    /// Returns whether signing is on afterwards. `initial_timestamp` is not used: the crate
    /// takes its timestamps from the wall clock, which is at least as recent.
    pub fn apply_setup_signing(&mut self, data: &SETUP_SIGNING_DATA) -> bool {
        if data.secret_key == [0; 32] {
            self.signing = None;
            return false;
        }
        let link_id = self.signing.as_ref().map_or(0, |s| s.key.link_id);
        self.set_signing(Some(SigningKey {
            secret: data.secret_key,
            link_id,
        }));
        true
    }

    /// MAVLink 2 frame of `msg` from us, signed when a key is set, with our next sequence number.
    pub fn encode(&mut self, msg: &MavMessage) -> Vec<u8> {
        let header = MavHeader {
            system_id: self.sysid.into(),
            component_id: self.compid,
            sequence: self.sequence,
        };
        self.sequence = self.sequence.wrapping_add(1);
        self.frame(header, msg)
    }

    /// A frame of someone else's message, keeping its sender and sequence (a router passing
    /// it on), signed with this link's key when it has one.
    pub fn forward(&mut self, header: MavHeader, msg: &MavMessage) -> Vec<u8> {
        self.frame(header, msg)
    }

    fn frame(&mut self, header: MavHeader, msg: &MavMessage) -> Vec<u8> {
        let mut frame = Vec::with_capacity(consts::MAX_FRAME_SIZE);
        // Writing into a Vec cannot fail.
        if write_v2_msg_signed(&mut frame, header, msg, self.signing.as_ref().map(|s| &s.data)).is_err() {
            return Vec::new();
        }
        self.stats.sent += 1;
        frame
    }

    /// All frames of one datagram, in order.
    pub fn decode(&mut self, datagram: &[u8]) -> Vec<Decoded> {
        let mut out = Vec::new();
        let mut pos = 0;
        // Inside a damaged stretch that has already been reported.
        let mut damaged = false;
        while pos < datagram.len() {
            let rest = &datagram[pos..];
            if rest[0] != mavlink::MAV_STX && rest[0] != mavlink::MAV_STX_V2 {
                let len = rest
                    .iter()
                    .position(|&b| b == mavlink::MAV_STX || b == mavlink::MAV_STX_V2)
                    .unwrap_or(rest.len());
                if !damaged {
                    report(&mut out, &mut self.stats, RejectReason::Junk { len });
                    damaged = true;
                }
                pos += len;
                continue;
            }
            let layout = match read_layout(rest) {
                Candidate::Frame(layout) => layout,
                Candidate::Reject(reason) => {
                    if !damaged {
                        report(&mut out, &mut self.stats, reason);
                        damaged = true;
                    }
                    pos += 1;
                    continue;
                }
            };
            let frame = &rest[..layout.len];
            let checksum = u16::from_le_bytes([frame[layout.crc_end - 2], frame[layout.crc_end - 1]]);
            let crc = calculate_crc(
                &frame[consts::STX_SIZE..layout.crc_end - 2],
                MavMessage::extra_crc(layout.msg_id),
            );
            if crc != checksum {
                if !damaged {
                    let reason = if is_known(layout.msg_id) {
                        RejectReason::BadCrc { msg_id: layout.msg_id }
                    } else {
                        RejectReason::UnknownMessage { msg_id: layout.msg_id }
                    };
                    report(&mut out, &mut self.stats, reason);
                    damaged = true;
                }
                pos += 1;
                continue;
            }
            damaged = false;
            pos += layout.len;
            let result = self.check_and_parse(frame, &layout);
            match result {
                Ok(ok) => {
                    self.stats.accepted += 1;
                    out.push(Ok(ok));
                }
                Err(reason) => report(&mut out, &mut self.stats, reason),
            }
        }
        out
    }

    /// Signature policy and payload parsing of a frame whose CRC is good.
    fn check_and_parse(&self, frame: &[u8], layout: &Layout) -> Result<(MavHeader, MavMessage), RejectReason> {
        let msg_id = layout.msg_id;
        if let Some(signing) = &self.signing {
            if !layout.signed {
                if !UNSIGNED_OK.contains(&msg_id) {
                    return Err(RejectReason::Unsigned { msg_id });
                }
            } else {
                let mut raw = MAVLinkV2MessageRaw::new();
                raw.as_mut_slice()[..frame.len()].copy_from_slice(frame);
                let mut expected = [0u8; consts::v2::SIGNATURE_VALUE_SIZE];
                raw.calculate_signature(&signing.key.secret, &mut expected);
                if expected != raw.signature_value() {
                    return Err(RejectReason::BadSignature { msg_id });
                }
                // The signature is right, so a refusal now is the timestamp: a replay, or a
                // new stream more than a minute older than the newest timestamp seen.
                if !signing.data.verify_signature(&raw) {
                    return Err(RejectReason::Replayed { msg_id });
                }
            }
        }
        let start = consts::STX_SIZE + layout.header_len;
        let payload = &frame[start..layout.crc_end - consts::CHECKSUM_SIZE];
        let header = match layout.version {
            MavlinkVersion::V1 => MavHeader {
                sequence: frame[2],
                system_id: u32::from(frame[3]),
                component_id: frame[4],
            },
            MavlinkVersion::V2 => {
                let system_id = if layout.header_len == consts::v2::MAX_HEADER_SIZE {
                    u32::from_le_bytes([frame[5], frame[6], frame[7], frame[8]])
                } else {
                    u32::from(frame[5])
                };
                MavHeader {
                    sequence: frame[4],
                    system_id,
                    component_id: frame[start - 4],
                }
            }
        };
        let msg = MavMessage::parse(layout.version, msg_id, payload).map_err(|err| match err {
            // An unknown id whose CRC happened to match (its CRC_EXTRA counts as 0).
            mavlink::error::ParserError::UnknownMessage { .. } => RejectReason::UnknownMessage { msg_id },
            err => RejectReason::Malformed {
                msg_id,
                detail: err.to_string(),
            },
        })?;
        Ok((header, msg))
    }
}

#[cfg(test)]
mod tests;
