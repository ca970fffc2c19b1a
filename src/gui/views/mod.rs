//! The panels that own themselves (see [`super::view`]); one line each in [`all`].

pub mod compare;
pub mod epochs;

use super::view::View;

/// Every self-contained panel, in tab order (after the older panels).
pub fn all() -> Vec<Box<dyn View>> {
    vec![
        Box::new(compare::ComparePanel::default()),
        Box::new(epochs::EpochsPanel::default()),
    ]
}
