//! An RTSP endpoint on the agent (GStreamer's RTSP server): H.264 of the camera for any RTSP client (QGroundControl, VLC, the station).
//!
//! The camera pipeline hands raw frames to the server through an `intervideosink` channel (see
//! [`super::VideoConfig::rtsp_channel`]); the server's shared media encodes them while at least
//! one client is connected, so an agent nobody watches over RTSP spends nothing on it.

use std::thread::JoinHandle;

use gstreamer as gst;
use gstreamer_rtsp_server as gst_rtsp_server;
use gstreamer_rtsp_server::glib;
use gstreamer_rtsp_server::prelude::*;

use super::VideoError;

/// Where the server listens and what it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtspConfig {
    /// Address to bind ("0.0.0.0" on the airframe, "127.0.0.1" in tests).
    pub address: String,
    /// TCP port; 8554 is the usual unprivileged RTSP port, 0 picks a free one.
    pub port: u16,
    /// Mount path, e.g. `/video`.
    pub path: String,
    /// The in-process channel the camera pipeline feeds.
    pub channel: String,
    pub bitrate_kbps: u32,
}

/// A running RTSP server; stopped when dropped.
pub struct RtspServer {
    main_loop: glib::MainLoop,
    thread: Option<JoinHandle<()>>,
    url: String,
}

impl RtspServer {
    /// Binds and starts serving; the URL clients use is [`RtspServer::url`].
    pub fn start(config: &RtspConfig) -> Result<Self, VideoError> {
        gst::init().map_err(|e| VideoError::Init(e.to_string()))?;
        let fail = |message: String| VideoError::Build {
            source_uri: format!("rtsp server on {}:{}", config.address, config.port),
            message,
        };
        let context = glib::MainContext::new();
        let server = gst_rtsp_server::RTSPServer::new();
        server.set_address(&config.address);
        server.set_service(&config.port.to_string());
        let mounts = server
            .mount_points()
            .ok_or_else(|| fail("the server has no mount points".into()))?;
        let factory = gst_rtsp_server::RTSPMediaFactory::new();
        factory.set_launch(&format!(
            "( intervideosrc channel=\"{channel}\" ! videoconvert ! video/x-raw,format=I420 ! \
             x264enc tune=zerolatency speed-preset=ultrafast bitrate={bitrate} key-int-max=30 ! \
             rtph264pay name=pay0 pt=96 config-interval=1 )",
            channel = config.channel.replace(['"', '\\'], ""),
            bitrate = config.bitrate_kbps.max(1),
        ));
        // One encoder for all clients, as a camera would.
        factory.set_shared(true);
        let path = if config.path.starts_with('/') {
            config.path.clone()
        } else {
            format!("/{}", config.path)
        };
        mounts.add_factory(&path, factory);
        server
            .attach(Some(&context))
            .map_err(|e| fail(format!("cannot listen on {}:{}: {e}", config.address, config.port)))?;
        let port = server.bound_port();
        let main_loop = glib::MainLoop::new(Some(&context), false);
        let thread = std::thread::Builder::new()
            .name("rtsp-server".into())
            .spawn({
                let main_loop = main_loop.clone();
                move || {
                    let _server = server;
                    main_loop.run();
                }
            })
            .map_err(|e| VideoError::Init(format!("cannot start the RTSP thread: {e}")))?;
        let host = if config.address == "0.0.0.0" {
            "127.0.0.1"
        } else {
            &config.address
        };
        Ok(Self {
            main_loop,
            thread: Some(thread),
            url: format!("rtsp://{host}:{port}{path}"),
        })
    }

    /// `rtsp://host:port/path`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for RtspServer {
    fn drop(&mut self) {
        self.main_loop.quit();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
