//! Plain values anyone may parse or compare: durations and sizes as people write them, how
//! close two names are, and text from the input made safe to print (`escape`).
//! The bottom layer of core: it uses nothing else of the crate.

mod duration;
mod edit_distance;
pub mod escape;
mod size;
pub mod suggest;
mod wrap;

pub use duration::parse_duration;
pub use edit_distance::edit_distance;
pub use size::parse_size;
pub use suggest::did_you_mean;
pub use wrap::wrap;
