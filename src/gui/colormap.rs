//! Colours: a perceptually ordered scale for accuracies (viridis, by its published polynomial
//! fit) and a fixed palette for operations.

use egui::Color32;

/// Grey for "unknown", "invalid" or "filtered out".
pub const UNKNOWN: Color32 = Color32::from_rgb(150, 150, 150);

/// Viridis at `t` in [0, 1] (clamped).
pub fn viridis(t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    // Degree-6 polynomial fit of matplotlib's viridis (Mattias Kristensson's coefficients).
    const C: [[f32; 3]; 7] = [
        [0.277_727_3, 0.005_407_344, 0.334_099_8],
        [0.105_093_04, 1.404_613_5, 1.384_590_1],
        [-0.330_861_8, 0.214_847_56, 0.095_095_16],
        [-4.634_230_5, -5.799_101, -19.332_441],
        [6.228_27, 14.179_934, 56.690_55],
        [4.776_385, -13.745_146, -65.353_035],
        [-5.435_456, 4.645_852_6, 26.312_435],
    ];
    let mut rgb = [0.0f32; 3];
    for (k, channel) in rgb.iter_mut().enumerate() {
        let mut v = 0.0;
        for c in C.iter().rev() {
            v = v * t + c[k];
        }
        *channel = v.clamp(0.0, 1.0);
    }
    Color32::from_rgb(
        (rgb[0] * 255.0) as u8,
        (rgb[1] * 255.0) as u8,
        (rgb[2] * 255.0) as u8,
    )
}

/// A linear scale from values to [0, 1], with its ends kept for the colour bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub low: f64,
    pub high: f64,
}

impl Scale {
    /// From the 10th percentile to the maximum of `values`, so that the poor cells (NB201's
    /// 10 % cells, say) do not squash every other colour together; lower values take the
    /// lowest colour.
    pub fn robust(values: impl Iterator<Item = f64>) -> Self {
        let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return Self {
                low: 0.0,
                high: 1.0,
            };
        }
        v.sort_by(f64::total_cmp);
        let low = v[(v.len() * 10 / 100).min(v.len() - 1)];
        let high = v[v.len() - 1];
        Self {
            low,
            high: if high > low { high } else { low + 1.0 },
        }
    }

    pub fn unit(&self, value: f64) -> f32 {
        ((value - self.low) / (self.high - self.low)) as f32
    }

    pub fn color(&self, value: Option<f64>) -> Color32 {
        value.map_or(UNKNOWN, |v| viridis(self.unit(v)))
    }
}

/// Colour of a node type: input and output dark, operations from a qualitative palette.
pub fn op_color(t: u8) -> Color32 {
    const PALETTE: [Color32; 8] = [
        Color32::from_rgb(31, 119, 180),
        Color32::from_rgb(255, 127, 14),
        Color32::from_rgb(44, 160, 44),
        Color32::from_rgb(214, 39, 40),
        Color32::from_rgb(148, 103, 189),
        Color32::from_rgb(140, 86, 75),
        Color32::from_rgb(227, 119, 194),
        Color32::from_rgb(188, 189, 34),
    ];
    match t {
        crate::space::INPUT => Color32::from_rgb(60, 60, 60),
        crate::space::OUTPUT => Color32::from_rgb(20, 20, 20),
        t => PALETTE[(t - crate::space::FIRST_OP) as usize % PALETTE.len()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_are_dark_purple_and_yellow() {
        let (a, b) = (viridis(0.0), viridis(1.0));
        assert!(a.b() > a.g() && a.r() < 100, "{a:?}");
        assert!(b.r() > 200 && b.g() > 200 && b.b() < 80, "{b:?}");
    }

    #[test]
    fn robust_scale_ignores_the_lowest_tenth() {
        let values = (0..100).map(|i| if i < 10 { -1000.0 } else { i as f64 });
        let s = Scale::robust(values);
        assert!(s.low >= 10.0 && s.high == 99.0, "{s:?}");
        assert_eq!(s.unit(s.high), 1.0);
    }
}
