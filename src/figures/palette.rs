//! The colours every picture of cellspace uses, window and files alike: viridis for values,
//! a fixed qualitative palette for operations and for curves.

/// Viridis at `t` in [0, 1] (clamped), as RGB.
pub fn viridis_rgb(t: f32) -> [u8; 3] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
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
    let mut rgb = [0u8; 3];
    for (k, channel) in rgb.iter_mut().enumerate() {
        let mut v = 0.0;
        for c in C.iter().rev() {
            v = v * t + c[k];
        }
        *channel = (v.clamp(0.0, 1.0) * 255.0) as u8;
    }
    rgb
}

/// Ten colours told apart easily (matplotlib's tab10): operations and curves.
pub const QUALITATIVE: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [188, 189, 34],
    [23, 190, 207],
    [127, 127, 127],
];

/// Colour of a node type: input and output dark, operations from the first eight of
/// [`QUALITATIVE`].
pub fn op_rgb(t: u8) -> [u8; 3] {
    match t {
        crate::space::INPUT => [60, 60, 60],
        crate::space::OUTPUT => [20, 20, 20],
        t => QUALITATIVE[(t - crate::space::FIRST_OP) as usize % 8],
    }
}

/// Grey for "unknown", "invalid" or "filtered out".
pub const UNKNOWN: [u8; 3] = [150, 150, 150];
