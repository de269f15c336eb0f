//! Retry timing shared by the mission and command protocols: the MAVLink give-up rule, with
//! earlier retransmissions on a link whose round trip has been measured.
//!
//! The give-up rule is the protocol's (FACTS, "Mission protocol timing"): an exchange that hears
//! nothing for `timeout` × (`retries` + 1), 1.5 s × 6 by default, fails. Before any round trip is
//! measured, retransmissions come every `timeout`, so exactly `retries` of them go out. Once the
//! link's round trip is known, a lost frame is sent again after the retransmission timeout of
//! RFC 6298 (smoothed RTT + 4 × variation, at least `min_retransmit`, at most `timeout`), growing
//! by a quarter per retransmission after the third: on a loopback or radio link with 30 % loss a
//! 1.5 s wait per lost frame would make a 500-item upload take minutes, while the spec's patience
//! before giving up is kept.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Timeouts and retries of one protocol.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Silence per attempt (MAVLink mission protocol and QGroundControl: 1500 ms).
    pub timeout: Duration,
    /// Attempts after the first before giving up (5).
    pub retries: u32,
    /// Shortest retransmission interval on a measured link.
    pub min_retransmit: Duration,
    /// Retransmit at the measured pace; false waits `timeout` every time.
    pub adaptive: bool,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(1500),
            retries: 5,
            min_retransmit: Duration::from_millis(5),
            adaptive: true,
        }
    }
}

impl Timing {
    /// How long an exchange may stay silent before it fails.
    pub fn patience(&self) -> Duration {
        self.timeout.saturating_mul(self.retries.saturating_add(1))
    }
}

/// Round-trip estimate of one link (RFC 6298), kept across exchanges.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rtt {
    srtt: Option<Duration>,
    rttvar: Duration,
}

impl Rtt {
    pub fn sample(&mut self, rtt: Duration) {
        match self.srtt {
            None => {
                self.srtt = Some(rtt);
                self.rttvar = rtt / 2;
            }
            Some(srtt) => {
                let diff = srtt.abs_diff(rtt);
                self.rttvar = (self.rttvar * 3 + diff) / 4;
                self.srtt = Some((srtt * 7 + rtt) / 8);
            }
        }
    }

    /// The smoothed round trip, once measured.
    pub fn smoothed(&self) -> Option<Duration> {
        self.srtt
    }

    /// The retransmission timeout: `timing.timeout` until a round trip has been measured.
    pub fn rto(&self, timing: &Timing) -> Duration {
        match self.srtt {
            Some(srtt) if timing.adaptive => (srtt + self.rttvar * 4).clamp(timing.min_retransmit, timing.timeout),
            _ => timing.timeout,
        }
    }
}

/// Retransmission bookkeeping of the one message an exchange waits on an answer to.
#[derive(Debug, Clone, Copy)]
pub struct Attempts {
    /// Last time the exchange moved forward (or started).
    progress_at: Instant,
    /// Last time the awaited message went out.
    sent_at: Instant,
    /// Retransmissions since the last progress.
    retransmits: u32,
    /// All retransmissions of the exchange.
    total: u32,
}

impl Attempts {
    pub fn new(now: Instant) -> Self {
        Self {
            progress_at: now,
            sent_at: now,
            retransmits: 0,
            total: 0,
        }
    }

    /// A new message is awaited: the exchange moved forward.
    pub fn progressed(&mut self, now: Instant) {
        self.progress_at = now;
        self.sent_at = now;
        self.retransmits = 0;
    }

    /// The round trip of the answer just heard, when it answers a message sent once (Karn's
    /// rule: a retransmitted message's answer cannot be timed).
    pub fn round_trip(&self, now: Instant) -> Option<Duration> {
        (self.retransmits == 0).then(|| now.saturating_duration_since(self.sent_at))
    }

    /// The awaited message went out again (a retransmission, or a re-answer to a duplicate).
    pub fn resent(&mut self, now: Instant) {
        self.sent_at = now;
        self.retransmits += 1;
        self.total += 1;
    }

    pub fn sent_at(&self) -> Instant {
        self.sent_at
    }

    pub fn retransmits(&self) -> u32 {
        self.retransmits
    }

    pub fn total_retransmits(&self) -> u32 {
        self.total
    }

    /// How long since the exchange last moved forward.
    pub fn silent_for(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.progress_at)
    }

    /// The interval before the next retransmission.
    pub fn interval(&self, timing: &Timing, rtt: &Rtt) -> Duration {
        let base = rtt.rto(timing);
        if base >= timing.timeout {
            return timing.timeout;
        }
        let backoff = 1.25f64.powi(self.retransmits.saturating_sub(3).min(64) as i32);
        base.mul_f64(backoff).min(timing.timeout)
    }

    /// When the next retransmission is due.
    pub fn retransmit_at(&self, timing: &Timing, rtt: &Rtt) -> Instant {
        self.sent_at + self.interval(timing, rtt)
    }

    /// When the exchange fails if nothing moves it forward.
    pub fn give_up_at(&self, timing: &Timing) -> Instant {
        self.progress_at + timing.patience()
    }

    /// What `poll` should do now.
    pub fn due(&self, now: Instant, timing: &Timing, rtt: &Rtt) -> Due {
        if now >= self.give_up_at(timing) {
            Due::GiveUp
        } else if now >= self.retransmit_at(timing, rtt) {
            Due::Retransmit
        } else {
            Due::Nothing
        }
    }

    /// The earliest instant at which `due` changes.
    pub fn deadline(&self, timing: &Timing, rtt: &Rtt) -> Instant {
        self.retransmit_at(timing, rtt).min(self.give_up_at(timing))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Nothing,
    Retransmit,
    GiveUp,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn an_unmeasured_link_retries_every_timeout_and_gives_up_after_the_retries() {
        let timing = Timing::default();
        let rtt = Rtt::default();
        let t0 = Instant::now();
        let mut a = Attempts::new(t0);
        let mut retransmits = 0;
        let gave_up_at = loop {
            let now = a.deadline(&timing, &rtt);
            match a.due(now, &timing, &rtt) {
                Due::Retransmit => {
                    retransmits += 1;
                    a.resent(now);
                }
                Due::GiveUp => break now,
                Due::Nothing => panic!("a deadline with nothing due"),
            }
        };
        assert_eq!(retransmits, 5);
        assert_eq!(gave_up_at - t0, 1500 * MS * 6);
    }

    #[test]
    fn a_measured_link_retransmits_sooner_but_keeps_the_same_patience() {
        let timing = Timing::default();
        let mut rtt = Rtt::default();
        for _ in 0..10 {
            rtt.sample(MS);
        }
        assert_eq!(rtt.rto(&timing), timing.min_retransmit, "loopback: the floor applies");
        let t0 = Instant::now();
        let a = Attempts::new(t0);
        assert_eq!(a.retransmit_at(&timing, &rtt) - t0, 5 * MS);
        assert_eq!(a.give_up_at(&timing) - t0, 9000 * MS);
    }

    #[test]
    fn retransmissions_back_off_after_the_third_and_never_exceed_the_timeout() {
        let timing = Timing::default();
        let mut rtt = Rtt::default();
        rtt.sample(20 * MS);
        let mut a = Attempts::new(Instant::now());
        let first = a.interval(&timing, &rtt);
        for _ in 0..3 {
            a.resent(a.sent_at());
        }
        assert_eq!(a.interval(&timing, &rtt), first);
        a.resent(a.sent_at());
        assert!(a.interval(&timing, &rtt) > first);
        for _ in 0..100 {
            a.resent(a.sent_at());
        }
        assert_eq!(a.interval(&timing, &rtt), timing.timeout);
    }

    #[test]
    fn karn_no_round_trip_from_a_retransmitted_message() {
        let t0 = Instant::now();
        let mut a = Attempts::new(t0);
        assert_eq!(a.round_trip(t0 + 3 * MS), Some(3 * MS));
        a.resent(t0 + 5 * MS);
        assert_eq!(a.round_trip(t0 + 6 * MS), None);
        a.progressed(t0 + 7 * MS);
        assert_eq!(a.round_trip(t0 + 9 * MS), Some(2 * MS));
    }
}
