//! Findings about timeline operations the platform would refuse (being written).
