//! The explorer's panels, each a [`View`] that owns its state (see [`super::view`]); one line
//! each in [`all`].

pub mod bo;
pub mod candidates;
pub mod compare;
pub mod epochs;
pub mod landscape;
pub mod map;
pub mod training;
pub mod walk;

use super::view::View;
use crate::space::SpaceKind;

/// Every panel, in tab order; `space` is the one the explorer opens first.
pub fn all(space: SpaceKind) -> Vec<Box<dyn View>> {
    vec![
        Box::new(training::TrainingPanel::new(space)),
        Box::new(map::MapPanel::default()),
        Box::new(walk::WalkPanel::default()),
        Box::new(landscape::LandscapePanel::default()),
        Box::new(bo::BoPanel::default()),
        Box::new(candidates::CandidatesPanel::new(space)),
        Box::new(compare::ComparePanel::default()),
        Box::new(epochs::EpochsPanel::default()),
    ]
}

/// Every panel's id, in tab order (for `cellspace gui --panel`).
pub fn ids() -> Vec<&'static str> {
    all(SpaceKind::Enas).iter().map(|v| v.id()).collect()
}
