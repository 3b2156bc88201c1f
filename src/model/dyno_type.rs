//! The dyno-type catalogue: memory, dedication and default web concurrency per type.
//!
//! Source: heroku-facts.md §4.1 (Dev Center "Dyno Types", 4 Jun 2024; default web concurrency is
//! the Python buildpack's `WEB_CONCURRENCY`, "python-concurrency", changelog 2846). Speed factors
//! are **assumptions**: the platform publishes compute multipliers, not request speed, so every
//! type defaults to 1.0 (service times are taken as measured on the type being simulated); a
//! scenario may set `speed` per process to study a type change.

/// One dyno type.
#[derive(Clone, Debug, PartialEq)]
pub struct DynoType {
    /// The platform's name, e.g. `private-m`.
    pub name: &'static str,
    /// Memory quota in MB.
    pub memory_mb: u32,
    /// Runs on dedicated compute (Performance, Private and Shield types).
    pub dedicated: bool,
    /// Which runtime family may run it.
    pub family: Family,
    /// Requests one dyno serves at once by default (the Python buildpack's `WEB_CONCURRENCY`).
    pub default_concurrency: u32,
}

/// Where a dyno type can run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Family {
    /// Common Runtime shared types (eco, basic, standard-1x, standard-2x).
    Shared,
    /// Common Runtime dedicated types (performance-*).
    Performance,
    /// Private Space types (private-*).
    Private,
    /// Shield Private Space types (shield-*).
    Shield,
}

/// Every dyno type the simulator knows, in a stable order. Memory and default web concurrency
/// from facts §4.1; there is no performance-s.
pub const CATALOGUE: &[DynoType] = &[
    DynoType {
        name: "eco",
        memory_mb: 512,
        dedicated: false,
        family: Family::Shared,
        default_concurrency: 2,
    },
    DynoType {
        name: "basic",
        memory_mb: 512,
        dedicated: false,
        family: Family::Shared,
        default_concurrency: 2,
    },
    DynoType {
        name: "standard-1x",
        memory_mb: 512,
        dedicated: false,
        family: Family::Shared,
        default_concurrency: 2,
    },
    DynoType {
        name: "standard-2x",
        memory_mb: 1024,
        dedicated: false,
        family: Family::Shared,
        default_concurrency: 4,
    },
    DynoType {
        name: "performance-m",
        memory_mb: 2560,
        dedicated: true,
        family: Family::Performance,
        default_concurrency: 5,
    },
    DynoType {
        name: "performance-l",
        memory_mb: 14336,
        dedicated: true,
        family: Family::Performance,
        default_concurrency: 17,
    },
    DynoType {
        name: "performance-l-ram",
        memory_mb: 30720,
        dedicated: true,
        family: Family::Performance,
        default_concurrency: 9,
    },
    DynoType {
        name: "performance-xl",
        memory_mb: 63488,
        dedicated: true,
        family: Family::Performance,
        default_concurrency: 17,
    },
    DynoType {
        name: "performance-2xl",
        memory_mb: 129024,
        dedicated: true,
        family: Family::Performance,
        default_concurrency: 33,
    },
    DynoType {
        name: "private-s",
        memory_mb: 1024,
        dedicated: true,
        family: Family::Private,
        default_concurrency: 4,
    },
    DynoType {
        name: "private-m",
        memory_mb: 2560,
        dedicated: true,
        family: Family::Private,
        default_concurrency: 5,
    },
    DynoType {
        name: "private-l",
        memory_mb: 14336,
        dedicated: true,
        family: Family::Private,
        default_concurrency: 17,
    },
    DynoType {
        name: "private-l-ram",
        memory_mb: 30720,
        dedicated: true,
        family: Family::Private,
        default_concurrency: 9,
    },
    DynoType {
        name: "private-xl",
        memory_mb: 63488,
        dedicated: true,
        family: Family::Private,
        default_concurrency: 17,
    },
    DynoType {
        name: "private-2xl",
        memory_mb: 129024,
        dedicated: true,
        family: Family::Private,
        default_concurrency: 33,
    },
    DynoType {
        name: "shield-s",
        memory_mb: 1024,
        dedicated: true,
        family: Family::Shield,
        default_concurrency: 4,
    },
    DynoType {
        name: "shield-m",
        memory_mb: 2560,
        dedicated: true,
        family: Family::Shield,
        default_concurrency: 5,
    },
    DynoType {
        name: "shield-l",
        memory_mb: 14336,
        dedicated: true,
        family: Family::Shield,
        default_concurrency: 17,
    },
    DynoType {
        name: "shield-l-ram",
        memory_mb: 30720,
        dedicated: true,
        family: Family::Shield,
        default_concurrency: 9,
    },
    DynoType {
        name: "shield-xl",
        memory_mb: 63488,
        dedicated: true,
        family: Family::Shield,
        default_concurrency: 17,
    },
    DynoType {
        name: "shield-2xl",
        memory_mb: 129024,
        dedicated: true,
        family: Family::Shield,
        default_concurrency: 33,
    },
];

/// Looks a dyno type up by name (case-insensitive).
pub fn lookup(name: &str) -> Option<&'static DynoType> {
    let wanted = name.to_ascii_lowercase();
    CATALOGUE.iter().find(|t| t.name == wanted)
}

/// All type names, for error messages.
pub fn names() -> Vec<&'static str> {
    CATALOGUE.iter().map(|t| t.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_table_values() {
        let m = lookup("private-m").unwrap();
        assert_eq!(
            (m.memory_mb, m.default_concurrency, m.dedicated),
            (2560, 5, true)
        );
        assert_eq!(lookup("Standard-2X").unwrap().default_concurrency, 4);
        assert_eq!(lookup("shield-l").unwrap().memory_mb, 14336);
        assert!(lookup("performance-s").is_none());
        assert!(lookup("private-xxl").is_none());
        assert_eq!(names().len(), 4 + 5 + 6 + 6);
    }
}
