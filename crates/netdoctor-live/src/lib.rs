pub mod monitor;
pub mod probe;
