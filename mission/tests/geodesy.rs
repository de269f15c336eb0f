//! Geodesy against independent references: ENU round trips under a millimetre within 20 km,
//! and distances within 0.1 % of Karney's geodesic (geographiclib, through `geo`) up to 50 km.

use geo::{Distance, Geodesic, Point};
use mission::geodesy::{Geodetic, LatLon, LocalFrame, destination, distance_m};
use nalgebra::{Vector2, Vector3};
use proptest::prelude::*;

fn karney(a: LatLon, b: LatLon) -> f64 {
    Geodesic.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn enu_round_trip_is_under_a_millimetre_within_20_km(
        lat in -80.0..80.0f64, lon in -179.0..179.0f64, alt in -50.0..500.0f64,
        e in -20_000.0..20_000.0f64, n in -20_000.0..20_000.0f64, u in -100.0..500.0f64,
    ) {
        prop_assume!(e.hypot(n) <= 20_000.0);
        let frame = LocalFrame::new(Geodetic::new(lat, lon, alt));
        let enu = Vector3::new(e, n, u);
        let back = frame.to_enu(frame.from_enu(enu));
        prop_assert!((back - enu).norm() < 1e-3, "error {} m", (back - enu).norm());
        // The 2-D planning plane too: East/North → surface point → East/North.
        let en = Vector2::new(e, n);
        let back2 = frame.to_local(frame.from_local(en));
        prop_assert!((back2 - en).norm() < 1e-3, "plane error {} m", (back2 - en).norm());
    }

    #[test]
    fn distances_agree_with_karney_within_0_1_percent_up_to_50_km(
        lat in -80.0..80.0f64, lon in -179.0..179.0f64, bearing in 0.0..360.0f64, d in 1.0..50_000.0f64,
    ) {
        let a = LatLon::new(lat, lon);
        let frame = LocalFrame::at(a);
        let rad = bearing.to_radians();
        let b = frame.from_local(Vector2::new(d * rad.sin(), d * rad.cos()));
        let reference = karney(a, b);
        let vincenty = distance_m(a, b);
        prop_assert!((vincenty - reference).abs() / reference < 1e-6, "Vincenty {vincenty} vs {reference}");
        // Flat distance in the tangent plane, which the planners use for areas a few km wide.
        let flat = frame.to_local(b).norm();
        prop_assert!((flat - reference).abs() / reference < 1e-3, "plane {flat} vs {reference}");
        let hop = destination(a, bearing, d.min(5_000.0));
        let reached = karney(a, hop);
        prop_assert!((reached - d.min(5_000.0)).abs() / d.min(5_000.0) < 1e-3);
    }
}
