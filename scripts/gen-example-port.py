#!/usr/bin/env python3
"""Generate data/scenarios/example-port.geojson, the illustrative "Port of Example" scenario.

The layout is drawn in local metres (x east, y north) from a reference point on a coast that
runs east-west with the sea to the south, and converted to WGS84 with a spherical
approximation (good to centimetres over a few kilometres, which is all an illustration
needs). IMO numbers and ISO 6346 container numbers get correct check digits.

Python standard library only. Run from anywhere:

    python3 scripts/gen-example-port.py            # writes the file
    python3 scripts/gen-example-port.py --check    # fails if the committed file differs
"""

import json
import math
import pathlib
import sys

REF_LAT, REF_LON = 44.400, 8.900
EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
OUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "scenarios" / "example-port.geojson"


def to_lonlat(x, y):
    """Local east/north metres to [lon, lat], rounded to 1e-7 degrees (about 1 cm)."""
    lat = REF_LAT + math.degrees(y / EARTH_RADIUS_M)
    lon = REF_LON + math.degrees(x / (EARTH_RADIUS_M * math.cos(math.radians(REF_LAT))))
    return [round(lon, 7), round(lat, 7)]


def signed_area(points):
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]))


def ring(points, ccw=True):
    """A closed ring of [lon, lat] from local (x, y) vertices, wound as RFC 7946 asks."""
    pts = list(points)
    if (signed_area(pts) > 0) != ccw:
        pts.reverse()
    out = [to_lonlat(x, y) for x, y in pts]
    return out + [out[0]]


def rect(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def octagon(cx, cy, r):
    return [(cx + r * math.cos(math.radians(22.5 + 45 * k)), cy + r * math.sin(math.radians(22.5 + 45 * k))) for k in range(8)]


def polygon(name, kind, outer, holes=(), **props):
    coords = [ring(outer, ccw=True)] + [ring(h, ccw=False) for h in holes]
    return feature({"name": name, "kind": kind, **props}, {"type": "Polygon", "coordinates": coords})


def point(name, kind, x, y, **props):
    return feature({"name": name, "kind": kind, **props}, {"type": "Point", "coordinates": to_lonlat(x, y)})


def feature(properties, geometry):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def imo(first_six):
    """A 7-digit IMO number: six digits and their check digit (weights 7..2, sum mod 10)."""
    digits = [int(c) for c in f"{first_six:06d}"]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1))) % 10
    return f"IMO {first_six:06d}{check}"


def iso6346(owner, serial):
    """Owner code (3 letters + category U), 6-digit serial, and the ISO 6346 check digit."""
    body = f"{owner}{serial:06d}"
    assert len(body) == 10 and owner.isupper() and owner.endswith("U")

    def value(c):
        if c.isdigit():
            return int(c)
        v = ord(c) - ord("A") + 10
        return v + (v - 1) // 10  # skip 11, 22, 33
    check = sum(value(c) << i for i, c in enumerate(body)) % 11 % 10
    return f"{body}{check}"


def build():
    f = []
    f.append(point(
        "Port of Example", "scenario", 0, 0,
        description=(
            "Fictional Port of Example on an east-west coast, sea to the south, laid out for "
            "tests and demos of the port surveillance system. The layout is illustrative, not a "
            "survey of a real port; do not use it for navigation."
        ),
        max_alt_m=120,
    ))

    # Operational fence: 4 km x 3 km over the port and the anchorage.
    f.append(polygon("Operational fence", "fence", rect(-2000, -2200, 2000, 800)))

    # The port area: land and basin behind the breakwater (y about -750).
    f.append(polygon("Port of Example", "area", [
        (-1200, 350), (-1200, -300), (-950, -750), (1500, -750), (1500, 300), (600, 420),
    ]))

    # Quays: two piers running south, and the container quay along the east basin.
    f.append(polygon("Quay A", "quay", rect(-900, -500, -700, 0)))
    f.append(polygon("Quay B", "quay", rect(-300, -550, -100, 0)))
    f.append(polygon("Quay C", "quay", rect(300, -450, 1300, -300)))
    # Berths: the water along each quay face, 60 m wide.
    berths = [
        ("Berth 1", rect(-960, -480, -900, -80), "Quay A"),
        ("Berth 2", rect(-700, -480, -640, -80), "Quay A"),
        ("Berth 3", rect(-360, -530, -300, -80), "Quay B"),
        ("Berth 4", rect(-100, -530, -40, -80), "Quay B"),
        ("Berth 5", rect(350, -510, 780, -450), "Quay C"),
        ("Berth 6", rect(820, -510, 1250, -450), "Quay C"),
    ]
    for name, outline, quay in berths:
        f.append(polygon(name, "berth", outline, quay=quay))

    # Container yard behind Quay C, with the reefer rack cut out as a hole (no stacking there).
    f.append(polygon(
        "Container Terminal Yard", "container_yard", rect(300, -290, 1300, 180),
        holes=[rect(1150, 60, 1250, 140)],
    ))

    # Customs examination area and bonded warehouse: an L shape east of the yard.
    f.append(polygon(
        "Customs Examination Area", "restricted",
        [(1320, -280), (1480, -280), (1480, 260), (1400, 260), (1400, -120), (1320, -120)],
        authority="customs",
    ))

    # Anchorage offshore: about 1.6 km x 1 km, with a notch around the pipeline corridor.
    f.append(polygon("Outer Anchorage", "anchorage", [
        (-650, -1150), (-500, -2000), (300, -2120), (1000, -1900), (950, -1350),
        (450, -1450), (250, -1150),
    ]))

    # Airport control zone to the west: a circle that cuts off the fence's north-west corner.
    f.append(point("Example Airport CTR", "exclusion", -4300, 1500, radius_m=3200.0))
    # Fuel terminal mooring buoy east of the anchorage.
    f.append(polygon("Fuel Terminal Buoy", "exclusion", octagon(1400, -1500, 250)))

    # Launch pad at the root of Quay B; rally points on land at either end of the port.
    f.append(point("Quay B launch pad", "launch", -200, -60, alt_amsl_m=4.0))
    f.append(point("Rally West", "rally", -1000, 200, alt_m=30.0))
    f.append(point("Rally East", "rally", 1350, 250, alt_m=30.0))

    vessels = [
        # name, IMO body, x, y, heading, length, beam, state, berth
        ("MV Aurora Bay", 930114, -930, -280, 180.0, 180.0, 28.0, "berthed", "Berth 1"),
        ("MV Ligurian Star", 941552, -70, -305, 0.0, 200.0, 32.0, "berthed", "Berth 4"),
        ("Example Trader", 925876, 565, -480, 90.0, 300.0, 48.0, "berthed", "Berth 5"),
        ("MT Nordic Pearl", 962033, 0, -1700, 225.0, 250.0, 44.0, "at_anchor", None),
        ("MV Sea Falcon", 978410, 600, -1800, 240.0, 190.0, 30.0, "at_anchor", None),
        ("MV Coastal Runner", 915327, -800, -1300, 45.0, 120.0, 20.0, "underway", None),
    ]
    for name, body, x, y, heading, length, beam, state, berth in vessels:
        props = dict(imo=imo(body), heading_deg=heading, length_m=length, beam_m=beam, state=state)
        if berth:
            props["berth"] = berth
        f.append(point(name, "vessel", x, y, **props))

    stacks = [
        ("Stack A1", 450, -150, [("EXPU", 123450), ("EXPU", 123461), ("LGRU", 700112), ("LGRU", 700125), ("PRTU", 550001)]),
        ("Stack A2", 650, -150, [("PRTU", 550017), ("PRTU", 550022), ("EXPU", 123475), ("CSTU", 880309)]),
        ("Stack B1", 850, 20, [("CSTU", 880310), ("CSTU", 880321), ("LGRU", 700130), ("EXPU", 123489), ("PRTU", 550038), ("LGRU", 700146)]),
        ("Stack B2", 1050, 20, [("EXPU", 123494), ("LGRU", 700151), ("CSTU", 880332)]),
    ]
    for name, x, y, boxes in stacks:
        f.append(point(
            name, "container_stack", x, y,
            containers=[iso6346(owner, serial) for owner, serial in boxes],
            heading_deg=90.0, rows=3, tiers=2,
        ))

    f.append(point("Gate camera", "camera", 1420, 300, heading_deg=200.0, fov_deg=70.0))
    return f


def render(features):
    # One feature per line: small diffs, and still readable.
    body = ",\n".join(json.dumps(x, separators=(",", ":"), ensure_ascii=False) for x in features)
    return '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"


def main():
    text = render(build())
    if "--check" in sys.argv[1:]:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is out of date: run scripts/gen-example-port.py")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
