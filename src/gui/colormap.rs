//! Colours: a perceptually ordered scale for accuracies (viridis, by its published polynomial
//! fit) and a fixed palette for operations.

use egui::Color32;

/// Grey for "unknown", "invalid" or "filtered out".
pub const UNKNOWN: Color32 = rgb(crate::figures::UNKNOWN);

const fn rgb([r, g, b]: [u8; 3]) -> Color32 {
    Color32::from_rgb(r, g, b)
}

/// Viridis at `t` in [0, 1] (clamped): the colours of the figure files too.
pub fn viridis(t: f32) -> Color32 {
    rgb(crate::figures::viridis_rgb(t))
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

/// Colour of a node type: input and output dark, operations from a qualitative palette (the
/// figure files' too).
pub fn op_color(t: u8) -> Color32 {
    rgb(crate::figures::op_rgb(t))
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
