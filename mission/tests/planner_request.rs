//! `PlanRequest` as JSON, the form the station's API receives: defaults filled in, round trips
//! equal, and bad requests refused naming the field.

use mission::endurance::EnergyModel;
use mission::geodesy::LatLon;
use mission::planner::{self, FlightOptions, Pattern, PlanRequest, PortContext, Target, defaults};
use mission::scenario::PortScenario;

fn parse(json: &str) -> Result<PlanRequest, serde_json::Error> {
    serde_json::from_str(json)
}

fn round_trip(request: &PlanRequest) {
    let text = serde_json::to_string(request).expect("serialises");
    assert_eq!(&parse(&text).expect("reads back"), request, "{text}");
}

#[test]
fn a_survey_request_fills_in_its_defaults() {
    let r = parse(r#"{"kind":"survey","area":"Anchorage","flight":{"altitude_m":80}}"#).expect("parses");
    assert_eq!(
        r.pattern,
        Pattern::Survey {
            area: "Anchorage".into(),
            camera: "dji-m3e".into(),
            gsd_cm: None,
            front_overlap_pct: 75.0,
            side_overlap_pct: 65.0,
            angle_deg: None,
            turnaround_m: 10.0,
            fence_margin_m: 5.0,
        }
    );
    assert_eq!(r.pattern, Pattern::survey("Anchorage"));
    let model = EnergyModel::default();
    assert_eq!(
        r.flight,
        FlightOptions {
            altitude_m: 80.0,
            speed_m_s: 10.0,
            battery_wh: model.battery_wh,
            reserve_pct: model.reserve_pct,
        }
    );
    round_trip(&r);

    let bare = parse(r#"{"kind":"survey","area":"Anchorage"}"#).expect("parses");
    assert_eq!(bare.flight, FlightOptions::default());
    assert_eq!(bare.flight.altitude_m, defaults::ALTITUDE_M);
}

#[test]
fn every_pattern_round_trips() {
    let orbit = parse(r#"{"kind":"orbit","target":"MT Nordic Pearl"}"#).expect("parses");
    assert_eq!(orbit.pattern, Pattern::orbit(Target::Site("MT Nordic Pearl".into())));
    let at = parse(r#"{"kind":"orbit","target":{"lat":44.38,"lon":8.91},"radius_m":150,"turns":3,"clockwise":false}"#)
        .expect("parses");
    assert_eq!(
        at.pattern,
        Pattern::Orbit {
            target: Target::Point(LatLon::new(44.38, 8.91)),
            radius_m: 150.0,
            turns: 3,
            clockwise: false,
        }
    );
    let perimeter = parse(r#"{"kind":"perimeter","area":"Port of Example","laps":2}"#).expect("parses");
    assert_eq!(
        perimeter.pattern,
        Pattern::Perimeter {
            area: "Port of Example".into(),
            laps: 2,
            margin_m: 30.0,
            clockwise: true,
        }
    );
    let route =
        parse(r#"{"kind":"route","waypoints":[{"lat":44.39,"lon":8.89},{"lat":44.385,"lon":8.91}]}"#).expect("parses");
    assert!(matches!(&route.pattern, Pattern::Route { waypoints, avoid: true } if waypoints.len() == 2));
    let survey = parse(
        r#"{"kind":"survey","area":"Outer Anchorage","camera":"13.2,8.8,5472,3648,10.4","gsd_cm":2.5,
            "front_overlap_pct":70,"side_overlap_pct":60,"angle_deg":45,"turnaround_m":0,"fence_margin_m":8,
            "flight":{"altitude_m":90,"speed_m_s":12,"battery_wh":300,"reserve_pct":30}}"#,
    )
    .expect("parses");
    for r in [orbit, at, perimeter, route, survey] {
        round_trip(&r);
    }
}

#[test]
fn a_request_from_json_plans_like_one_built_in_code() {
    let ctx = PortContext::from_scenario(
        PortScenario::parse(include_str!("../../data/scenarios/example-port.geojson")).expect("port"),
        None,
    )
    .expect("launch pad");
    let from_json = parse(r#"{"kind":"orbit","target":"MT Nordic Pearl","radius_m":120,"flight":{"speed_m_s":12}}"#)
        .expect("parses");
    let mut built = PlanRequest::new(Pattern::Orbit {
        target: Target::Site("MT Nordic Pearl".into()),
        radius_m: 120.0,
        turns: 2,
        clockwise: true,
    });
    built.flight.speed_m_s = 12.0;
    let (a, b) = (
        planner::plan(&ctx, &from_json).expect("plans"),
        planner::plan(&ctx, &built).expect("plans"),
    );
    assert_eq!(a.plan, b.plan);
    assert!(a.ok);
}

#[test]
fn bad_requests_are_refused_naming_the_field() {
    let err = |json: &str| parse(json).expect_err(json).to_string();
    let e = err(r#"{"kind":"survey","area":"Anchorage","altitude":80}"#);
    assert!(e.contains("unknown field `altitude`"), "{e}");
    let e = err(r#"{"kind":"survey","area":"Anchorage","flight":{"alt":80}}"#);
    assert!(e.contains("unknown field `alt`"), "{e}");
    let e = err(r#"{"kind":"survey"}"#);
    assert!(e.contains("missing field `area`"), "{e}");
    let e = err(r#"{"kind":"hover","area":"Anchorage"}"#);
    assert!(e.contains("unknown variant `hover`"), "{e}");
    let e = err(r#"{"area":"Anchorage"}"#);
    assert!(e.contains("missing field `kind`"), "{e}");
    let e = err(r#"{"kind":"orbit","target":"MT Nordic Pearl","turns":-1}"#);
    assert!(e.contains("-1"), "{e}");
    let e = err(r#"{"kind":"survey","area":"Anchorage","flight":{"speed_m_s":"fast"}}"#);
    assert!(e.contains("fast"), "{e}");
}
