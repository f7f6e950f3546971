pub mod probe;
pub mod monitor;
