//! Placeholder until the benchmark lands (issue 8 in progress).

fn main() {}
