//! Tests of the preview module.
use geo::{LineString, MultiPolygon, Polygon};
use quick_xml::Reader;
use quick_xml::events::Event;

use super::*;
use crate::geodesy::Geodetic;
use crate::plan::{FenceCircle, FencePolygon, RallyPoint};

type Element = (String, Vec<(String, String)>);

const BASE: LatLon = LatLon::new(51.95, 4.05);

/// A point `e` metres east and `n` metres north of the base.
fn at(e: f64, n: f64) -> LatLon {
    LocalFrame::at(BASE).from_local(Vector2::new(e, n))
}

fn square(x: f64, y: f64, size: f64) -> Vec<LatLon> {
    let corners = [(x, y), (x + size, y), (x + size, y + size), (x, y + size)];
    corners.iter().map(|&(e, n)| at(e, n)).collect()
}

fn polygons(rings: &[Vec<Vec<LatLon>>]) -> ZoneShape {
    let ring = |r: &Vec<LatLon>| r.iter().chain(&r[..1]).map(|p| p.to_coord()).collect();
    let poly = |p: &Vec<Vec<LatLon>>| {
        let holes = p[1..].iter().map(|h| LineString::new(ring(h))).collect();
        Polygon::new(LineString::new(ring(&p[0])), holes)
    };
    ZoneShape::Polygons(MultiPolygon::new(rings.iter().map(poly).collect()))
}

fn zone(name: &str, kind: ZoneKind, shape: ZoneShape) -> Zone {
    let (name, properties) = (name.to_string(), serde_json::Map::new());
    Zone {
        name,
        kind,
        shape,
        properties,
    }
}

/// Every layer; four zone shapes: an area with a hole, two berths and a circle.
fn sample() -> Preview {
    let area = polygons(&[vec![square(0.0, 0.0, 1000.0), square(400.0, 400.0, 200.0)]]);
    let berth = |x| vec![square(x, 100.0, 100.0)];
    let jetty = ZoneShape::Circle {
        center: at(800.0, 800.0),
        radius_m: 80.0,
    };
    let mut fence = GeoFence::default();
    let vertices = square(-100.0, -100.0, 1200.0);
    fence.polygons.push(FencePolygon {
        inclusion: true,
        vertices,
    });
    let (inclusion, center2) = (false, at(200.0, 800.0));
    let circle = FenceCircle {
        inclusion,
        center: center2,
        radius_m: 50.0,
    };
    fence.circles.push(circle);
    let legs = [
        0.0, 0.0, 100.0, 300.0, 900.0, 300.0, 900.0, 500.0, 100.0, 500.0, 0.0, 0.0,
    ];
    let route: Vec<_> = legs.chunks(2).map(|en| at(en[0], en[1])).collect();
    let mut p = Preview::new("Harbour <patrol> & survey");
    p.zones(&[
        zone("Port area", ZoneKind::Area, area),
        zone("A & B <1>", ZoneKind::Berth, polygons(&[berth(100.0), berth(700.0)])),
        zone("Jetty", ZoneKind::Exclusion, jetty),
    ]);
    let quad = square(100.0, 280.0, 40.0);
    p.footprints(&[[quad[0], quad[1], quad[2], quad[3]]])
        .fence(&fence)
        .lanes(&[(route[1], route[2]), (route[3], route[4])])
        .route(&route)
        .triggers(&[at(300.0, 300.0), at(500.0, 300.0)])
        .marker(at(0.0, 0.0), "Launch", MarkerKind::Launch)
        .marker(at(950.0, 950.0), "MV \"Ever\" 's", MarkerKind::Vessel)
        .marker(at(1000.0, -50.0), "Out", MarkerKind::Exit)
        .note("Path 2.4 km & 3 min");
    p
}

/// Every element with its attributes, failing the test on the first XML error.
fn elements(svg: &str) -> Vec<Element> {
    let (mut reader, mut out) = (Reader::from_str(svg), Vec::new());
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return out,
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let attrs = e.attributes().map(|a| {
                    let a = a.expect("attribute");
                    let value = a.unescape_value().expect("value").into_owned();
                    (text(a.key.as_ref()), value)
                });
                out.push((text(e.name().as_ref()), attrs.collect()));
            }
            Ok(_) => {}
            Err(e) => panic!("invalid XML at {}: {e}", reader.buffer_position()),
        }
    }
}

fn attr<'a>(el: &'a Element, key: &str) -> &'a str {
    el.1.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

fn class<'a>(els: &'a [Element], class: &str) -> Vec<&'a Element> {
    els.iter().filter(|e| attr(e, "class") == class).collect()
}

fn numbers(text: &str) -> Vec<f64> {
    let tokens = text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'));
    let tokens = tokens.filter(|t| !t.is_empty());
    tokens.map(|t| t.parse().expect("number")).collect()
}

#[test]
fn parses_as_xml_with_title_and_escaped_names() {
    let svg = sample().render();
    assert_eq!(elements(&svg)[0].0, "svg");
    assert!(svg.contains("<title>Harbour &lt;patrol&gt; &amp; survey</title>"));
    assert!(svg.contains(">A &amp; B &lt;1&gt;</text>") && !svg.contains("A & B"));
    assert!(svg.contains("MV &quot;Ever&quot; &apos;s"));
    assert!(svg.contains(">Path 2.4 km &amp; 3 min</text>"));
    assert_eq!(esc("a\u{1}b\tc"), "ab\tc");
}

#[test]
fn one_shape_per_zone_polygon_and_a_legend_of_what_is_present() {
    let svg = sample().render();
    let els = elements(&svg);
    let zones = class(&els, "zone");
    assert_eq!(zones.len(), 4);
    assert_eq!(zones.iter().filter(|e| e.0 == "circle").count(), 1);
    // The area's hole is a second ring of the same even-odd path.
    let area = zones.iter().find(|e| attr(e, "fill") == "#d9d9d9");
    let area = area.expect("area polygon");
    assert_eq!(attr(area, "d").matches('M').count(), 2);
    assert_eq!(attr(area, "fill-rule"), "evenodd");
    assert_eq!(class(&els, "label").len(), 3);
    let present = ["berth", "fence (keep out)", "photo lane", "vessel", "exit"];
    for present in present {
        assert!(svg.contains(&format!(">{present}</text>")), "{present}");
    }
    assert!(!svg.contains(">anchorage</text>") && !svg.contains(">rally point</text>"));
}

#[test]
fn route_has_one_pair_per_point_and_direction_arrows() {
    let els = elements(&sample().render());
    let pairs: Vec<_> = attr(class(&els, "route")[0], "points").split(' ').collect();
    assert_eq!(pairs.len(), 6);
    let is_pair = |p: &&str| p.split(',').filter_map(|n| n.parse::<f64>().ok()).count() == 2;
    assert!(pairs.iter().all(is_pair));
    // All five legs are long enough for an arrowhead.
    assert_eq!(attr(class(&els, "arrows")[0], "d").matches('M').count(), 5);
}

#[test]
fn scale_bar_is_a_round_length() {
    let svg = sample().render();
    // 1080 px for 1.2 km: a fifth of the width is 240 m.
    let after = svg.split("class=\"scale\"").nth(1).unwrap_or_default();
    assert_eq!(after.split(['>', '<']).nth(1), Some("200 m"));
    let lengths = [730.0, 1999.0, 2000.0, 0.3].map(nice_length);
    assert_eq!(lengths, [500.0, 1000.0, 2000.0, 0.2]);
    assert_eq!([2000.0, 50.0].map(format_length), ["2 km", "50 m"]);
}

#[test]
fn coordinates_lie_inside_the_view_box() {
    let mut p = sample();
    // A marker far to the north makes the picture tall and narrow; it must still fit.
    p.marker(at(0.0, 20_000.0), "far", MarkerKind::Rally);
    let els = elements(&p.render());
    let view_box = numbers(attr(&els[0], "viewBox"));
    let (w, h, mut checked) = (view_box[2], view_box[3], 0);
    for (k, v) in els.iter().flat_map(|e| &e.1) {
        let xy = match k.as_str() {
            "x" | "cx" | "x1" | "x2" => vec![numbers(v)[0], 0.0],
            "y" | "cy" | "y1" | "y2" => vec![0.0, numbers(v)[0]],
            "points" | "d" => numbers(v),
            _ => continue,
        };
        for xy in xy.chunks(2) {
            let inside = (0.0..=w).contains(&xy[0]) && (0.0..=h).contains(&xy[1]);
            assert!(inside, "{k}={v}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn empty_preview_is_just_the_title_and_bad_points_are_skipped() {
    let svg = Preview::new("Nothing yet").render();
    let els = elements(&svg);
    let names: Vec<_> = els.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names, ["svg", "title", "rect", "text"]);
    assert!(svg.contains(">Nothing yet</text>"));
    let mut p = Preview::new("bad");
    p.route(&[BASE, LatLon::new(f64::NAN, 4.0), at(500.0, 0.0)]);
    p.marker(LatLon::new(95.0, 0.0), "off the globe", MarkerKind::Entry);
    let svg = p.render();
    let els = elements(&svg);
    let points = attr(class(&els, "route")[0], "points");
    assert_eq!(points.split(' ').count(), 2);
    assert!(!svg.contains("NaN") && !svg.contains("inf") && !svg.contains("off the globe"));
}

#[test]
fn plan_draws_route_fence_rally_and_home() {
    let mut plan = Plan::new(Geodetic::new(BASE.lat, BASE.lon, 5.0));
    let items = [
        MissionItem::Takeoff {
            position: None,
            alt_m: 30.0,
        },
        MissionItem::waypoint(at(400.0, 0.0), 30.0),
        MissionItem::waypoint(at(400.0, 400.0), 30.0),
        MissionItem::ReturnToLaunch,
    ];
    plan.elements = items.into_iter().map(PlanElement::Item).collect();
    let (position, center) = (at(-100.0, 100.0), BASE);
    plan.rally.push(RallyPoint { position, alt_m: 30.0 });
    let fence = FenceCircle {
        inclusion: true,
        center,
        radius_m: 800.0,
    };
    plan.fence.circles.push(fence);
    let svg = Preview::new("Patrol").plan(&plan).render();
    let els = elements(&svg);
    let points = attr(class(&els, "route")[0], "points").split(' ').count();
    assert_eq!(points, 4, "home, two waypoints, home again");
    assert!(svg.contains(">Home</text>") && svg.contains(">Rally 1</text>"));
    // Waypoints are numbered as mission items: the take-off is item 1.
    assert!(svg.contains(">2</text>") && svg.contains(">3</text>"));
    assert_eq!(class(&els, "fence").len(), 1);
}
