import IQCore

/// Turns volumes into pictures for reports: axial slices, maximum intensity
/// projections, mosaics, with overlays of VOIs and segmentations.
///
/// Display convention: image x to the right, image y downwards (radiological
/// row order as stored); pixels are square and scaled by an integer factor.
public enum VolumeRendering {
    public typealias Color = (UInt8, UInt8, UInt8)

    /// A 2D plane of values with its pixel size in mm.
    public struct Plane: Sendable {
        public var width: Int
        public var height: Int
        public var values: [Float]
        public init(width: Int, height: Int, values: [Float]) {
            self.width = width
            self.height = height
            self.values = values
        }
    }

    /// The axial slice z.
    public static func axialSlice(_ v: Volume, z: Int) -> Plane {
        let z = min(max(z, 0), v.nz - 1)
        let start = z * v.nx * v.ny
        return Plane(width: v.nx, height: v.ny, values: Array(v.voxels[start..<(start + v.nx * v.ny)]))
    }

    /// Maximum intensity projection along y (a coronal MIP: x across, z up).
    public static func coronalMIP(_ v: Volume) -> Plane {
        var out = [Float](repeating: -.infinity, count: v.nx * v.nz)
        for z in 0..<v.nz {
            for y in 0..<v.ny {
                let row = (z * v.ny + y) * v.nx
                for x in 0..<v.nx where v.voxels[row + x] > out[(v.nz - 1 - z) * v.nx + x] {
                    out[(v.nz - 1 - z) * v.nx + x] = v.voxels[row + x]
                }
            }
        }
        return Plane(width: v.nx, height: v.nz, values: out)
    }

    /// Maximum intensity projection along z (an axial MIP: x across, y down).
    public static func axialMIP(_ v: Volume) -> Plane {
        let plane = v.nx * v.ny
        var out = [Float](repeating: -.infinity, count: plane)
        for z in 0..<v.nz {
            let start = z * plane
            for i in 0..<plane where v.voxels[start + i] > out[i] { out[i] = v.voxels[start + i] }
        }
        return Plane(width: v.nx, height: v.ny, values: out)
    }

    /// Where a mask (voxels > 0.5) has any voxel along z: its shadow in the axial MIP.
    public static func axialShadow(_ mask: Volume) -> [Bool] {
        let plane = mask.nx * mask.ny
        var out = [Bool](repeating: false, count: plane)
        for z in 0..<mask.nz {
            let start = z * plane
            for i in 0..<plane where mask.voxels[start + i] > 0.5 { out[i] = true }
        }
        return out
    }

    /// Grey-scale rendering with a window [lo, hi], scaled by `zoom`.
    public static func grey(_ p: Plane, window: ClosedRange<Float>, zoom: Int = 2) -> RGBImage {
        var img = RGBImage(width: p.width * zoom, height: p.height * zoom)
        let span = max(window.upperBound - window.lowerBound, 1e-12)
        for y in 0..<p.height {
            for x in 0..<p.width {
                let v = p.values[y * p.width + x]
                let t = v.isFinite ? min(max((v - window.lowerBound) / span, 0), 1) : 0
                let g = UInt8((t * 255).rounded())
                for dy in 0..<zoom { for dx in 0..<zoom { img[x * zoom + dx, y * zoom + dy] = (g, g, g) } }
            }
        }
        return img
    }

    /// A robust display window: 0.5th to 99.5th percentile of finite values.
    public static func autoWindow(_ p: Plane) -> ClosedRange<Float> {
        let finite = p.values.filter(\.isFinite)
        let q = Statistics.quantiles(finite, [0.005, 0.995])
        let lo = Float(q[0].isFinite ? q[0] : 0)
        let hi = Float(q[1].isFinite ? q[1] : 1)
        return lo < hi ? lo...hi : lo...(lo + 1)
    }

    /// Draws a circle outline of radius `radius` pixels (in plane pixels, before zoom).
    public static func circle(_ img: inout RGBImage, center: (x: Double, y: Double), radius: Double, zoom: Int, color: Color) {
        let cx = (center.x + 0.5) * Double(zoom), cy = (center.y + 0.5) * Double(zoom), r = radius * Double(zoom)
        let steps = max(32, Int(2 * Double.pi * r))
        for i in 0..<steps {
            let a = 2 * Double.pi * Double(i) / Double(steps)
            for w in [-0.5, 0.0, 0.5] {
                img.blend(x: Int((cx + (r + w) * cos(a)).rounded(.down)), y: Int((cy + (r + w) * sin(a)).rounded(.down)), color: color, alpha: 1)
            }
        }
    }

    /// Tints pixels where `mask` is true.
    public static func overlay(_ img: inout RGBImage, mask: [Bool], width: Int, zoom: Int, color: Color, alpha: Double = 0.45) {
        for (i, on) in mask.enumerated() where on {
            let x = i % width, y = i / width
            for dy in 0..<zoom { for dx in 0..<zoom { img.blend(x: x * zoom + dx, y: y * zoom + dy, color: color, alpha: alpha) } }
        }
    }

    /// Tiles images left to right, wrapping after `columns`, on a white background.
    public static func mosaic(_ images: [RGBImage], columns: Int, gap: Int = 4) -> RGBImage {
        guard let first = images.first else { return RGBImage(width: 1, height: 1, fill: (255, 255, 255)) }
        let cols = max(1, min(columns, images.count))
        let rows = (images.count + cols - 1) / cols
        let w = first.width, h = first.height
        var out = RGBImage(width: cols * w + (cols - 1) * gap, height: rows * h + (rows - 1) * gap, fill: (255, 255, 255))
        for (i, img) in images.enumerated() {
            let ox = (i % cols) * (w + gap), oy = (i / cols) * (h + gap)
            for y in 0..<min(h, img.height) { for x in 0..<min(w, img.width) { out[ox + x, oy + y] = img[x, y] } }
        }
        return out
    }
}

import Foundation
