//! The space and formation rules: each one's id, level and source, in one table.
//!
//! The scenario builder applies them while it reads a file (it has the lines); this table is
//! what they are named by, what `spacesim lint` prints, and what the README's rule table lists.
//! Rules about add-ons and timeline operations are defined next to their builders.

use crate::scenario::space::{Finding, Level};

/// A platform rule: what it is called, how bad breaking it is, and where it comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Id printed in brackets: `error[space-cidr]`.
    pub id: &'static str,
    /// Error (the platform would never have let the space or formation exist) or warning.
    pub level: Level,
    /// What it checks, in a phrase.
    pub what: &'static str,
    /// Where the rule comes from.
    pub source: &'static str,
}

impl Rule {
    /// A finding of this rule at `line` about `key`.
    pub fn at(&self, line: usize, key: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            level: self.level,
            rule: self.id,
            message: message.into(),
            source: self.source,
            line: Some(line),
            key: key.into(),
        }
    }
}

/// The region is not a Private Space region.
pub const SPACE_REGION: Rule = Rule {
    id: "space-region",
    level: Level::Error,
    what: "`space.region` is one of the ten Private Space regions",
    source: "heroku-facts.md §5 (Regions); private-spaces.txt, \"Regions\"",
};

/// The dyno VPC is not an RFC 1918 /16.
pub const SPACE_CIDR: Rule = Rule {
    id: "space-cidr",
    level: Level::Error,
    what: "`space.cidr` is an RFC 1918 /16",
    source: "private-spaces.txt, \"Choosing Private Network CIDR Range\"; heroku-facts.md §5",
};

/// The data VPC is not RFC 1918, not /16 to /20, or overlaps the dyno VPC.
pub const SPACE_DATA_CIDR: Rule = Rule {
    id: "space-data-cidr",
    level: Level::Error,
    what: "`space.data_cidr` is RFC 1918, /16 to /20, and does not overlap `space.cidr`",
    source: "private-spaces.txt, \"Choosing Private Network CIDR Range\"; heroku-facts.md §5",
};

/// More trusted IP ranges than the limit.
pub const TRUSTED_IPS_LIMIT: Rule = Rule {
    id: "trusted-ips-limit",
    level: Level::Error,
    what: "at most `space.limits.trusted_ips` (20) trusted IP ranges",
    source: "private-spaces.txt, \"Default limits for Private Spaces\"",
};

/// Trusted IPs for data services in a Shield space.
pub const DATA_TRUSTED_IPS_SHIELD: Rule = Rule {
    id: "data-trusted-ips-shield",
    level: Level::Error,
    what: "no `space.data_trusted_ips` in a Shield space",
    source: "private-spaces.txt, \"Trusted IP ranges for data services\"",
};

/// `0.0.0.0/0` among the trusted IPs for data services.
pub const DATA_TRUSTED_IPS_IGNORED: Rule = Rule {
    id: "data-trusted-ips-ignored",
    level: Level::Warning,
    what: "`0.0.0.0/0` in `space.data_trusted_ips` is ignored",
    source: "private-spaces.txt, \"Trusted IP ranges for data services\"",
};

/// More apps than the limit.
pub const APPS_LIMIT: Rule = Rule {
    id: "apps-limit",
    level: Level::Error,
    what: "at most `space.limits.apps` (25) apps in a space",
    source: "private-spaces.txt, \"Default limits for Private Spaces\"; heroku-facts.md §5",
};

/// An app with more process types than the limit.
pub const PROCESS_TYPES_LIMIT: Rule = Rule {
    id: "process-types-limit",
    level: Level::Error,
    what: "at most `space.limits.process_types` (100) process types per app",
    source: "private-spaces.txt, \"Default limits for Private Spaces\"",
};

/// A process type of a dedicated dyno type with more dynos than the limit.
pub const DYNOS_PER_PROCESS_TYPE: Rule = Rule {
    id: "dynos-per-process-type",
    level: Level::Error,
    what: "at most `space.limits.dynos_per_process_type` (10) Private, Shield or Performance \
           dynos per process type (autoscale max counts)",
    source: "private-spaces.txt, \"Default limits for Private Spaces\"; heroku-facts.md §4.2",
};

/// An app with more dynos than the limit.
pub const DYNOS_PER_APP: Rule = Rule {
    id: "dynos-per-app",
    level: Level::Error,
    what: "at most `space.limits.dynos_per_app` (100) dynos per app",
    source: "heroku-facts.md §4.2",
};

/// A space with more dynos than the limit.
pub const DYNOS_PER_SPACE: Rule = Rule {
    id: "dynos-per-space",
    level: Level::Error,
    what: "at most `space.limits.dynos_per_space` (100) dynos in the space",
    source: "private-spaces.txt, \"Default limits for Private Spaces\"",
};

/// A dyno type that does not run in this kind of space.
pub const SHIELD_DYNOS: Rule = Rule {
    id: "shield-dynos",
    level: Level::Error,
    what: "a Shield space runs only shield-* dynos; other spaces run no shield-* dynos \
           (the second half is an assumption)",
    source: "heroku-facts.md §5 (Shield extras)",
};

/// A space outbound IP that an external service does not allow.
pub const EXTERNAL_ALLOW_LIST: Rule = Rule {
    id: "external-allow-list",
    level: Level::Error,
    what: "every `[[external]]` allow-list holds every outbound IP of the space",
    source: "private-spaces.txt, \"Stable outbound IP addresses\"",
};

/// Every rule in this table, in the order the README lists them.
pub const RULES: &[Rule] = &[
    SPACE_REGION,
    SPACE_CIDR,
    SPACE_DATA_CIDR,
    TRUSTED_IPS_LIMIT,
    DATA_TRUSTED_IPS_SHIELD,
    DATA_TRUSTED_IPS_IGNORED,
    APPS_LIMIT,
    PROCESS_TYPES_LIMIT,
    DYNOS_PER_PROCESS_TYPE,
    DYNOS_PER_APP,
    DYNOS_PER_SPACE,
    SHIELD_DYNOS,
    EXTERNAL_ALLOW_LIST,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
