//! Plain values anyone may parse or compare: durations and sizes as people write them, and how close
//! two names are. The bottom layer of core: it uses nothing else of the crate.

mod duration;
mod edit_distance;
mod size;

pub use duration::parse_duration;
pub use edit_distance::edit_distance;
pub use size::parse_size;
