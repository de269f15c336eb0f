//! The port's surface as a raster of materials (sea, berth, quay, yard...), built once from the scenario's zones.
//!
//! A scenario names quays, yards, berths and restricted areas but not where the coastline
//! runs, so the rest is inferred (the example port lies on an east-west coast, sea to the
//! south): north of the northernmost quay or berth is land; inside an `area` zone, open
//! ground landward (north) of a quay, yard or restricted zone is land (aprons, roads); sea
//! gaps narrower than [`GAP_FILL_M`] between two pieces of land are land too. Everything
//! else is sea. Cells are [`SurfaceMap::CELL_M`] square over the port's zones; outside the
//! raster only the coastline rule applies.

use mission::area::ZoneKind;
use nalgebra::Vector2;

use super::zones::ring_edges;
pub use super::zones::{LocalShape, LocalZone};

/// East/North metres in the world's local frame.
pub type V2 = Vector2<f64>;

/// Narrower sea strips than this between two pieces of land are filled in: zone polygons
/// drawn by hand leave slivers between neighbouring quays and yards that are not water.
pub const GAP_FILL_M: f64 = 30.0;

/// Width of the painted edge lines (quay copes, berth outlines), in cells.
const EDGE_CELLS: usize = 2;

/// Most cells a raster may hold; larger ports get coarser cells rather than more memory.
const MAX_CELLS: f64 = 40e6;

/// Marks cells inside an `area` zone while the raster is built; cleared afterwards.
const AREA_FLAG: u8 = 0x80;

/// What lies at a point of the ground/sea plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Material {
    Sea = 0,
    /// Water inside a berth zone.
    Berth = 1,
    /// The outline of a berth, painted on the water side.
    BerthEdge = 2,
    Quay = 3,
    /// Land along the water's edge (the quay cope line).
    QuayEdge = 4,
    ContainerYard = 5,
    Restricted = 6,
    /// Inferred land: aprons, roads, the town.
    Land = 7,
}

impl Material {
    pub fn from_u8(v: u8) -> Material {
        match v & !AREA_FLAG {
            1 => Material::Berth,
            2 => Material::BerthEdge,
            3 => Material::Quay,
            4 => Material::QuayEdge,
            5 => Material::ContainerYard,
            6 => Material::Restricted,
            7 => Material::Land,
            _ => Material::Sea,
        }
    }

    pub fn is_water(self) -> bool {
        matches!(self, Material::Sea | Material::Berth | Material::BerthEdge)
    }
}

/// The material raster; see the module documentation for how land and sea are told apart.
#[derive(Debug, Clone)]
pub struct SurfaceMap {
    /// South-west corner of cell (0, 0).
    origin: V2,
    cell_m: f64,
    inv_cell: f64,
    cols: usize,
    rows: usize,
    cells: Vec<u8>,
    /// North of this line is land (infinite when the scenario has no quay or berth).
    coast_north: f64,
    /// Every `COARSE`-th cell each way: small enough to stay in cache for distant ground.
    coarse: Vec<u8>,
    coarse_cols: usize,
    coarse_rows: usize,
}

/// Cells per coarse cell, each way.
const COARSE: usize = 8;

impl SurfaceMap {
    /// Cell size for ports up to 40 million cells (about 10 km² at this size).
    pub const CELL_M: f64 = 0.5;

    pub fn build(zones: &[LocalZone]) -> Self {
        fn of<'a>(zones: &'a [LocalZone], kinds: &'a [ZoneKind]) -> impl Iterator<Item = &'a LocalZone> + 'a {
            zones.iter().filter(move |z| kinds.contains(&z.kind))
        }
        let coast_north = of(zones, &[ZoneKind::Quay, ZoneKind::Berth])
            .map(|z| z.bbox().1.y)
            .fold(f64::NEG_INFINITY, f64::max);
        let coast_north = if coast_north.is_finite() {
            coast_north
        } else {
            f64::INFINITY
        };
        let mapped = [
            ZoneKind::Quay,
            ZoneKind::ContainerYard,
            ZoneKind::Restricted,
            ZoneKind::Berth,
            ZoneKind::Area,
        ];
        let mut lo = V2::repeat(f64::INFINITY);
        let mut hi = V2::repeat(f64::NEG_INFINITY);
        for z in of(zones, &mapped) {
            let (a, b) = z.bbox();
            lo = lo.inf(&a);
            hi = hi.sup(&b);
        }
        if !(lo.x < hi.x && lo.y < hi.y) {
            return Self {
                origin: V2::zeros(),
                cell_m: Self::CELL_M,
                inv_cell: 1.0 / Self::CELL_M,
                cols: 0,
                rows: 0,
                cells: Vec::new(),
                coast_north,
                coarse: Vec::new(),
                coarse_cols: 0,
                coarse_rows: 0,
            };
        }
        let margin = GAP_FILL_M;
        let (lo, hi) = (lo.add_scalar(-margin), hi.add_scalar(margin));
        let size = hi - lo;
        let cell_m = Self::CELL_M.max((size.x * size.y / MAX_CELLS).sqrt());
        let cols = (size.x / cell_m).ceil() as usize;
        let rows = (size.y / cell_m).ceil() as usize;
        let mut map = Self {
            origin: lo,
            cell_m,
            inv_cell: 1.0 / cell_m,
            cols,
            rows,
            cells: vec![Material::Sea as u8; cols * rows],
            coast_north,
            coarse: Vec::new(),
            coarse_cols: 0,
            coarse_rows: 0,
        };
        for r in 0..rows {
            if map.row_north(r) >= coast_north {
                map.cells[r * cols..(r + 1) * cols].fill(Material::Land as u8);
            }
        }
        for z in of(zones, &[ZoneKind::Area]) {
            map.paint(z, |c| *c |= AREA_FLAG);
        }
        for (kind, material) in [
            (ZoneKind::Berth, Material::Berth),
            (ZoneKind::ContainerYard, Material::ContainerYard),
            (ZoneKind::Quay, Material::Quay),
            (ZoneKind::Restricted, Material::Restricted),
        ] {
            for z in of(zones, std::slice::from_ref(&kind)) {
                map.paint(z, |c| *c = (*c & AREA_FLAG) | material as u8);
            }
        }
        map.fill_landward();
        map.fill_gaps();
        map.paint_edges();
        map.build_coarse();
        map
    }

    fn row_north(&self, r: usize) -> f64 {
        self.origin.y + (r as f64 + 0.5) * self.cell_m
    }

    /// Applies `f` to every cell whose centre lies inside the zone (scanline, even-odd).
    fn paint(&mut self, zone: &LocalZone, mut f: impl FnMut(&mut u8)) {
        let rings = zone.fill_rings();
        let (lo, hi) = zone.bbox();
        let cell_m = self.cell_m;
        let to_index = move |v: f64| (v / cell_m - 0.5).ceil().max(0.0) as usize;
        let r0 = to_index(lo.y - self.origin.y);
        let r1 = to_index(hi.y - self.origin.y).min(self.rows);
        let mut xs = Vec::new();
        for r in r0..r1 {
            let y = self.row_north(r);
            xs.clear();
            for (a, b) in rings.iter().flat_map(|ring| ring_edges(ring)) {
                if (a.y > y) != (b.y > y) {
                    xs.push(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x));
                }
            }
            xs.sort_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                let c0 = to_index(pair[0] - self.origin.x).min(self.cols);
                let c1 = to_index(pair[1] - self.origin.x).min(self.cols);
                for cell in &mut self.cells[r * self.cols + c0..r * self.cols + c1] {
                    f(cell);
                }
            }
        }
    }

    /// Open ground of an area zone north of a quay, yard or restricted zone is land.
    fn fill_landward(&mut self) {
        let mut seen_land = vec![false; self.cols];
        for row in self.cells.chunks_exact_mut(self.cols) {
            for (cell, seen) in row.iter_mut().zip(seen_land.iter_mut()) {
                let m = Material::from_u8(*cell);
                if matches!(m, Material::Quay | Material::ContainerYard | Material::Restricted) {
                    *seen = true;
                } else if m == Material::Sea && *seen && *cell & AREA_FLAG != 0 {
                    *cell = Material::Land as u8;
                }
                *cell &= !AREA_FLAG;
            }
        }
    }

    /// East-west sea runs narrower than [`GAP_FILL_M`] with land on both ends become land.
    fn fill_gaps(&mut self) {
        let max_run = (GAP_FILL_M / self.cell_m) as usize;
        let is_land = |v: u8| !Material::from_u8(v).is_water();
        for row in self.cells.chunks_exact_mut(self.cols) {
            let mut c = 0;
            while c < row.len() {
                if row[c] != Material::Sea as u8 {
                    c += 1;
                    continue;
                }
                let start = c;
                while c < row.len() && row[c] == Material::Sea as u8 {
                    c += 1;
                }
                if start > 0 && c < row.len() && is_land(row[start - 1]) && is_land(row[c]) && c - start <= max_run {
                    row[start..c].fill(Material::Land as u8);
                }
            }
        }
    }

    /// Land cells next to water become cope edge, berth cells next to open sea berth edge.
    fn paint_edges(&mut self) {
        let (cols, rows) = (self.cols, self.rows);
        let before = self.cells.clone();
        let m = |r: usize, c: usize| Material::from_u8(before[r * cols + c]);
        for r in 0..rows {
            for c in 0..cols {
                let here = m(r, c);
                let wants: fn(Material) -> bool = match here {
                    Material::Quay | Material::ContainerYard | Material::Restricted | Material::Land => {
                        |n: Material| n.is_water()
                    }
                    Material::Berth => |n: Material| n == Material::Sea,
                    _ => continue,
                };
                let near = (1..=EDGE_CELLS).any(|k| {
                    (r >= k && wants(m(r - k, c)))
                        || (r + k < rows && wants(m(r + k, c)))
                        || (c >= k && wants(m(r, c - k)))
                        || (c + k < cols && wants(m(r, c + k)))
                });
                if near {
                    self.cells[r * cols + c] = if here == Material::Berth {
                        Material::BerthEdge as u8
                    } else {
                        Material::QuayEdge as u8
                    };
                }
            }
        }
    }

    /// Samples the middle cell of every `COARSE` × `COARSE` block.
    fn build_coarse(&mut self) {
        self.coarse_cols = self.cols.div_ceil(COARSE);
        self.coarse_rows = self.rows.div_ceil(COARSE);
        self.coarse = (0..self.coarse_rows)
            .flat_map(|r| (0..self.coarse_cols).map(move |c| (r, c)))
            .map(|(r, c)| {
                let (r, c) = (
                    (r * COARSE + COARSE / 2).min(self.rows - 1),
                    (c * COARSE + COARSE / 2).min(self.cols - 1),
                );
                self.cells[r * self.cols + c]
            })
            .collect();
    }

    /// The material at an East/North point from a raster `COARSE` times coarser: for
    /// ground seen from afar, where a pixel spans several cells anyway.
    #[inline]
    pub fn material_coarse_xy(&self, x: f64, y: f64) -> Material {
        let k = self.inv_cell / COARSE as f64;
        let c = (x - self.origin.x) * k;
        let r = (y - self.origin.y) * k;
        if c >= 0.0 && r >= 0.0 && (c as usize) < self.coarse_cols && (r as usize) < self.coarse_rows {
            Material::from_u8(self.coarse[r as usize * self.coarse_cols + c as usize])
        } else if y >= self.coast_north {
            Material::Land
        } else {
            Material::Sea
        }
    }

    /// The material at an East/North point.
    #[inline]
    pub fn material_at(&self, p: V2) -> Material {
        self.material_xy(p.x, p.y)
    }

    #[inline]
    pub fn material_xy(&self, x: f64, y: f64) -> Material {
        // Truncation is the floor here: negative values are refused before the cast.
        let c = (x - self.origin.x) * self.inv_cell;
        let r = (y - self.origin.y) * self.inv_cell;
        if c >= 0.0 && r >= 0.0 && (c as usize) < self.cols && (r as usize) < self.rows {
            Material::from_u8(self.cells[r as usize * self.cols + c as usize])
        } else if y >= self.coast_north {
            Material::Land
        } else {
            Material::Sea
        }
    }

    /// The northing north of which everything is land (infinite without quays or berths).
    pub fn coast_north(&self) -> f64 {
        self.coast_north
    }

    pub fn cell_m(&self) -> f64 {
        self.cell_m
    }

    /// Cells across and along (East, North).
    pub fn dimensions(&self) -> (usize, usize) {
        (self.cols, self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(name: &str, kind: ZoneKind, x0: f64, y0: f64, x1: f64, y1: f64) -> LocalZone {
        LocalZone {
            name: name.into(),
            kind,
            shape: LocalShape::Rings(vec![vec![
                V2::new(x0, y0),
                V2::new(x1, y0),
                V2::new(x1, y1),
                V2::new(x0, y1),
            ]]),
        }
    }

    #[test]
    fn quays_berths_coast_and_gaps() {
        let zones = vec![
            rect("port", ZoneKind::Area, -500.0, -300.0, 500.0, 300.0),
            rect("pier", ZoneKind::Quay, -100.0, -200.0, 0.0, 200.0),
            rect("berth", ZoneKind::Berth, 0.0, -150.0, 40.0, 150.0),
            rect("yard", ZoneKind::ContainerYard, 20.0, 210.0, 300.0, 280.0),
            rect("other", ZoneKind::Quay, 310.0, 150.0, 400.0, 280.0),
        ];
        let map = SurfaceMap::build(&zones);
        assert_eq!(map.coast_north(), 280.0);
        assert_eq!(map.material_at(V2::new(-50.0, 0.0)), Material::Quay);
        assert_eq!(map.material_at(V2::new(-99.8, 0.0)), Material::QuayEdge);
        assert_eq!(map.material_at(V2::new(20.0, 0.0)), Material::Berth);
        assert_eq!(map.material_at(V2::new(39.8, 0.0)), Material::BerthEdge);
        assert_eq!(map.material_at(V2::new(200.0, 0.0)), Material::Sea);
        assert_eq!(map.material_at(V2::new(200.0, -2000.0)), Material::Sea);
        assert_eq!(map.material_at(V2::new(0.0, 5000.0)), Material::Land);
        assert_eq!(map.material_at(V2::new(100.0, 250.0)), Material::ContainerYard);
        // The 10 m strip between the yard and the other quay is filled in.
        assert_eq!(map.material_at(V2::new(305.0, 230.0)), Material::Land);
        // North of the pier, inside the area: land; the sea beside it stays sea.
        assert_eq!(map.material_at(V2::new(-50.0, 250.0)), Material::Land);
        assert_eq!(map.material_at(V2::new(-300.0, 250.0)), Material::Sea);
    }

    #[test]
    fn circles_and_holes() {
        let mut holed = rect("y", ZoneKind::ContainerYard, 0.0, 0.0, 100.0, 100.0);
        if let LocalShape::Rings(r) = &mut holed.shape {
            r.push(vec![
                V2::new(40.0, 40.0),
                V2::new(60.0, 40.0),
                V2::new(60.0, 60.0),
                V2::new(40.0, 60.0),
            ]);
        }
        assert!(holed.contains(V2::new(10.0, 10.0)) && !holed.contains(V2::new(50.0, 50.0)));
        let c = LocalZone {
            name: "c".into(),
            kind: ZoneKind::Exclusion,
            shape: LocalShape::Circle {
                center: V2::new(5.0, 5.0),
                radius: 10.0,
            },
        };
        assert!(c.contains(V2::new(12.0, 5.0)) && !c.contains(V2::new(16.0, 5.0)));
        assert_eq!(c.bbox(), (V2::new(-5.0, -5.0), V2::new(15.0, 15.0)));
        let empty = SurfaceMap::build(&[c]);
        assert_eq!(empty.material_at(V2::new(0.0, 1e6)), Material::Sea);
    }
}
