//! Plain values anyone may parse or compare: durations as people write them, and how close
//! two names are. The bottom layer of core: it uses nothing else of the crate.

mod duration;
mod edit_distance;

pub use duration::parse_duration;
pub use edit_distance::edit_distance;
