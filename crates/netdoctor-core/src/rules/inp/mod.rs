//! INP — problems with the input itself.

pub mod document_unreadable;
pub mod kind_not_readable;
pub mod object_invalid;
