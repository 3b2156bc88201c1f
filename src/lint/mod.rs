//! `spacesim lint`: the platform's rules, checked without simulating (being written).

pub mod ops;
