//! `ar-client`: the inspector's AR overlay and the trainee's VR container, in a headset, a window
//! or off-screen; plus the offline queue's `sync` and `queue` and a QR `scan`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ar_client::checklist::ChecklistSession;
use ar_client::config::ClientConfig;
use ar_client::outbox::Outbox;
use ar_client::render::{self, Display, EvidencePhoto, InspectionScene, RunOptions, Scene, TrainingScene};
use ar_client::station::StationClient;
use ar_client::training::{self, RecordStore, TrainingRun};
use clap::{Args, Parser, Subcommand, ValueEnum};
use customs::InspectionPacket;

/// AR inspection overlay and VR training client (Bevy, OpenXR).
#[derive(Parser)]
#[command(name = "ar-client", version, about)]
struct Cli {
    /// TOML settings ([station] url, token_file; data_dir). Environment: PORTOPS_STATION_URL,
    /// PORTOPS_TOKEN, PORTOPS_AR_DATA.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Examine a container: its packet's panels at the door, the checklist, findings.
    Inspect {
        #[command(flatten)]
        source: PacketSource,
        #[command(flatten)]
        view: ViewArgs,
    },
    /// Play a training scenario built from a container's manifest.
    Train {
        /// The trainee (default: the signed-in user).
        #[arg(long)]
        trainee: Option<String>,
        #[arg(long, default_value_t = 1)]
        level: u32,
        /// Same seed, same hidden goods.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Start with the doors open (snapshots).
        #[arg(long)]
        open: bool,
        /// Start with this many rows already unloaded (implies --open).
        #[arg(long, default_value_t = 0)]
        unload_rows: usize,
        #[command(flatten)]
        source: PacketSource,
        #[command(flatten)]
        view: ViewArgs,
    },
    /// Send queued findings and training results to the station.
    Sync,
    /// List what is queued, sent and refused.
    Queue,
    /// A trainee's unlocked level and best scores.
    Progress {
        #[arg(long)]
        trainee: String,
    },
    /// Read a container number from a QR code in an image.
    Scan { image: PathBuf },
}

#[derive(Args)]
struct PacketSource {
    /// An inspection packet as JSON (the station's packet format).
    #[arg(long, group = "source")]
    packet: Option<PathBuf>,
    /// A container number: its packet from the station (or from --manifest).
    #[arg(long, group = "source")]
    container: Option<String>,
    /// A station task id (with --packet: the task a packet file belongs to).
    #[arg(long)]
    task: Option<i64>,
    /// An image with the door's QR code.
    #[arg(long, group = "source")]
    scan: Option<PathBuf>,
    /// A CUSCAR manifest to build the packet from locally (with --container; no risk, no evidence).
    #[arg(long)]
    manifest: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum DisplayKind {
    /// OpenXR headset, falling back to a window.
    Xr,
    Window,
    /// Render to --out (PNG) and exit.
    Offscreen,
}

#[derive(Args)]
struct ViewArgs {
    #[arg(long, value_enum, default_value_t = DisplayKind::Xr)]
    display: DisplayKind,
    /// The PNG an off-screen run writes.
    #[arg(long, default_value = "view.png")]
    out: PathBuf,
    #[arg(long, default_value_t = 1920)]
    width: u32,
    #[arg(long, default_value_t = 1080)]
    height: u32,
    /// Frames rendered before the off-screen snapshot.
    #[arg(long, default_value_t = 4)]
    warmup_frames: u32,
    /// Benchmarks: time this many frames, write the statistics to --frame-stats-out, exit.
    #[arg(long, hide = true)]
    frame_stats: Option<u32>,
    #[arg(long, hide = true, default_value = "frame-stats.json")]
    frame_stats_out: PathBuf,
    /// Tests: exit after this many frames, saving the window to --window-png first.
    #[arg(long, hide = true)]
    exit_after_frames: Option<u32>,
    #[arg(long, hide = true)]
    window_png: Option<PathBuf>,
}

impl ViewArgs {
    fn display(&self) -> Display {
        match self.display {
            DisplayKind::Xr => Display::Xr,
            DisplayKind::Window => Display::Window,
            DisplayKind::Offscreen => Display::Offscreen {
                width: self.width,
                height: self.height,
                png: self.out.clone(),
                warmup_frames: self.warmup_frames,
            },
        }
    }

    fn options(&self) -> RunOptions {
        RunOptions {
            frame_stats: self.frame_stats.map(|n| (n, self.frame_stats_out.clone())),
            exit_after_frames: self.exit_after_frames,
            window_screenshot: self.window_png.clone(),
        }
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let config = ClientConfig::load(cli.config.as_deref())?;
    let data = config.data_dir();
    let outbox = Outbox::open(data.join("outbox")).context("opening the offline queue")?;
    let station = station(&config)?;
    match cli.command {
        Command::Inspect { source, view } => {
            let (packet, task_id, inspector) = load_packet(&source, station.as_ref(), Purpose::Inspection)?;
            let photos = station
                .as_ref()
                .map(|s| evidence_photos(s, &packet))
                .unwrap_or_default();
            let scene = InspectionScene {
                photos,
                session: ChecklistSession::new(packet),
                task_id,
                inspector,
                outbox,
                station,
            };
            render::run(Scene::Inspection(Box::new(scene)), view.display(), view.options())?;
        }
        Command::Train {
            trainee,
            level,
            seed,
            open,
            unload_rows,
            source,
            view,
        } => {
            let (packet, _, signed_in) = load_packet(&source, station.as_ref(), Purpose::Training)?;
            let trainee = trainee.unwrap_or(signed_in);
            let records = RecordStore::new(data.join("trainees"));
            let level = training::level(level)
                .with_context(|| format!("there is no level {level} (1 to {})", training::LEVELS.len()))?
                .clone();
            records.load(&trainee)?.check_unlocked(level.number)?;
            let scenario = training::scenario::build(&packet, &level, seed);
            let mut run = TrainingRun::new(scenario, level, &trainee, ar_client::now_ms());
            if open || unload_rows > 0 {
                run.open_doors();
            }
            for _ in 0..unload_rows {
                run.unload_row()?;
            }
            let scene = TrainingScene {
                run,
                records,
                outbox,
                station,
            };
            render::run(Scene::Training(Box::new(scene)), view.display(), view.options())?;
        }
        Command::Sync => {
            let station =
                station.context("sync needs the station: set [station] url or PORTOPS_STATION_URL, and a token")?;
            let report = outbox.sync(&station)?;
            println!("{}", report.words());
            if report.stopped_because.is_some() || !report.rejected.is_empty() {
                std::process::exit(1);
            }
        }
        Command::Queue => {
            for (what, list) in [
                ("pending", outbox.pending()?),
                ("sent", outbox.sent()?),
                ("refused", outbox.rejected()?),
            ] {
                println!("{what}: {}", list.len());
                for (path, u) in list {
                    let why = u.last_error.map(|e| format!(" - {e}")).unwrap_or_default();
                    println!("  {} {:?}{why} ({})", u.client_ref, u.kind, path.display());
                }
            }
        }
        Command::Progress { trainee } => {
            let record = RecordStore::new(data.join("trainees")).load(&trainee)?;
            println!("{trainee}: level {} unlocked", record.unlocked);
            for level in training::LEVELS.iter() {
                let best = record
                    .best(level.number)
                    .map(|b| format!("{b:.0}"))
                    .unwrap_or_else(|| "-".into());
                println!(
                    "  level {} {:<22} pass {:.0}  best {best}",
                    level.number, level.name, level.pass_score
                );
            }
        }
        Command::Scan { image } => {
            println!("{}", ar_client::scan::container_from_file(&image)?);
        }
    }
    Ok(())
}

fn station(config: &ClientConfig) -> Result<Option<StationClient>> {
    let (Some(url), Some(token)) = (config.station.url.as_deref(), config.token()?) else {
        return Ok(None);
    };
    Ok(Some(StationClient::new(url, &token)))
}

/// The packet, the station task it belongs to (if any) and the signed-in user's name.
fn load_packet(
    source: &PacketSource,
    station: Option<&StationClient>,
    purpose: Purpose,
) -> Result<(InspectionPacket, Option<i64>, String)> {
    let me = match station {
        Some(s) => Some(s.me().context("signing in to the station")?),
        None => None,
    };
    let name = me.as_ref().map(|m| m.name.clone()).unwrap_or_else(|| "offline".into());
    if let Some(path) = &source.packet {
        return Ok((read_packet(path)?, source.task, name));
    }
    let container = match (&source.container, &source.scan) {
        (Some(c), _) => Some(c.clone()),
        (None, Some(image)) => Some(ar_client::scan::container_from_file(image)?.to_string()),
        _ => None,
    };
    if let (Some(manifest), Some(container)) = (&source.manifest, &container) {
        let text = std::fs::read_to_string(manifest).with_context(|| format!("reading {}", manifest.display()))?;
        return Ok((
            packet_from_cuscar(&text, container, &manifest.display().to_string())?,
            None,
            name,
        ));
    }
    if purpose == Purpose::Training && source.task.is_none() {
        // Trainees read no live packets: a manifest file, or the built-in sample voyage.
        let container = container.unwrap_or_else(|| SAMPLE_CONTAINER.to_string());
        return Ok((
            packet_from_cuscar(SAMPLE_CUSCAR, &container, "the sample manifest")?,
            None,
            name,
        ));
    }
    let Some(station) = station else {
        bail!(
            "no packet: give --packet FILE, or a station (PORTOPS_STATION_URL and PORTOPS_TOKEN) with --container, --task or --scan"
        );
    };
    if let Some(task) = source.task {
        if purpose == Purpose::Training {
            bail!("trainees play from --packet, --manifest or the built-in sample, not from a live task");
        }
        return Ok((station.packet_for_task(task)?, Some(task), name));
    }
    let Some(container) = container else {
        // Nothing named: the inspector's own open tasks, riskiest first.
        let mut tasks = station.open_tasks_of(&name)?;
        tasks.sort_by(|a, b| b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)));
        for t in &tasks {
            let score = t.score.map(|s| format!("{s:.0}")).unwrap_or_else(|| "-".into());
            println!("task {} {} risk {score} {}", t.id, t.container_number, t.status);
        }
        let first = tasks
            .first()
            .with_context(|| format!("{name} has no open inspection task; give --container or --scan"))?;
        println!("taking task {} ({})", first.id, first.container_number);
        return Ok((station.packet_for_task(first.id)?, Some(first.id), name));
    };
    // The inspector's own open task for this container, so findings can be recorded.
    let task = station
        .open_tasks_of(&name)?
        .into_iter()
        .find(|t| customs::iso6346::normalise(&t.container_number) == customs::iso6346::normalise(&container));
    match task {
        Some(t) => Ok((station.packet_for_task(t.id)?, Some(t.id), name)),
        None => Ok((station.packet_for_container(&container)?, None, name)),
    }
}

/// The first few drone snapshots of the packet's evidence; one that cannot be fetched is
/// named in the log and left out (the evidence lines still say where it was taken).
fn evidence_photos(station: &StationClient, packet: &InspectionPacket) -> Vec<EvidencePhoto> {
    packet
        .evidence
        .iter()
        .filter_map(|e| e.snapshot_url.as_deref().map(|url| (e, url)))
        .take(3)
        .filter_map(|(e, url)| match station.snapshot(url) {
            Ok(jpeg) => Some(EvidencePhoto {
                caption: format!("{} by {}", e.class, e.drone_id.as_deref().unwrap_or("drone")),
                jpeg,
            }),
            Err(err) => {
                eprintln!("warning: {err}");
                None
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Purpose {
    Inspection,
    Training,
}

/// The customs crate's Aurora Bay CUSCAR sample (MIT-licensed, see customs/data/edifact), for
/// training without a manifest file at hand.
const SAMPLE_CUSCAR: &str = include_str!("../../customs/data/edifact/cuscar-d95b-aurora-bay.edi");
const SAMPLE_CONTAINER: &str = "EXPU1234507";

fn packet_from_cuscar(text: &str, container: &str, origin: &str) -> Result<InspectionPacket> {
    let interchange = customs::parse_cuscar(text).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    let manifest = interchange
        .manifests
        .first()
        .with_context(|| format!("{origin} holds no manifest"))?;
    Ok(InspectionPacket::build(
        manifest,
        container,
        customs::Nomenclature::hs2022(),
        None,
        Vec::new(),
    )?)
}

fn read_packet(path: &Path) -> Result<InspectionPacket> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not an inspection packet", path.display()))
}
