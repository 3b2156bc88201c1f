//! `[platform]` and `[prices]`: the platform's numbers, each defaulting to the documented value
//! or named assumption in [`PlatformConfig::defaults`], and dyno-hour prices.
//!
//! Only rules that make a value meaningless are checked here (a zero boot timeout, a batch of
//! 0%, an empty back-off list); values that are merely unusual are what-if studies and pass.

use std::collections::BTreeMap;

use toml::Spanned;

use super::error::ScenarioError;
use super::load::Checker;
use super::ops::PlatformConfig;
use super::raw::RawPlatform;
use super::spec::Runtime;
use super::traffic::{BuildCtx, build_service};
use super::units::Dur;
use crate::engine::SimDuration;
use crate::model::dyno_type;

/// Builds `[platform]` over the defaults for `runtime`.
pub(super) fn build_platform(
    ctx: &Checker,
    raw: Option<&RawPlatform>,
    runtime: Runtime,
    build_ctx: &BuildCtx,
) -> Result<PlatformConfig, ScenarioError> {
    let mut p = PlatformConfig::defaults(runtime);
    let Some(raw) = raw else {
        return Ok(p);
    };
    let positive = |d: &Spanned<Dur>, name: &str, why: &str| {
        if d.get_ref().0 == SimDuration::ZERO {
            Err(ctx.err(
                d.span(),
                format!("platform.{name}"),
                format!("`platform.{name}` must be more than 0s: {why}"),
            ))
        } else {
            Ok(d.get_ref().0)
        }
    };
    let at_least_one = |n: &Spanned<u32>, name: &str| {
        if *n.get_ref() == 0 {
            Err(ctx.err(
                n.span(),
                format!("platform.{name}"),
                format!("`platform.{name}` must be at least 1"),
            ))
        } else {
            Ok(*n.get_ref())
        }
    };
    let share = |f: &Spanned<super::units::Fraction>, name: &str, example: &str| {
        if f.get_ref().0 > 0.0 {
            Ok(f.get_ref().0)
        } else {
            Err(ctx.err(
                f.span(),
                format!("platform.{name}"),
                format!("`platform.{name}` must be more than 0%, e.g. \"{example}\""),
            ))
        }
    };

    if let Some(d) = &raw.provision {
        p.provision = build_service(d.get_ref(), build_ctx)
            .map_err(|m| ctx.err(d.span(), "platform.provision", m))?;
    }
    if let Some(d) = &raw.boot_timeout {
        p.boot_timeout = positive(d, "boot_timeout", "every web dyno would crash with R10")?;
    }
    if let Some(d) = raw.shutdown_grace {
        p.shutdown_grace = d.0;
    }
    if let Some(d) = raw.first_deploy_setup {
        p.first_deploy_setup = d.0;
    }
    if let Some(d) = raw.type_change_gap {
        p.type_change_gap = d.0;
    }
    if let Some(f) = &raw.rolling_batch {
        p.rolling_batch = share(f, "rolling_batch", "25%")?;
    }
    if let Some(c) = raw.cycling {
        p.cycling = c;
    }
    if let Some(d) = raw.hold_timeout {
        p.hold_timeout = d.0;
    }
    if let Some(n) = &raw.router_cap_per_dyno {
        p.router_cap_per_dyno = at_least_one(n, "router_cap_per_dyno")?;
    }
    if let Some(d) = raw.quarantine {
        p.quarantine = d.0;
    }
    if let Some(n) = &raw.max_attempts {
        p.max_attempts = at_least_one(n, "max_attempts")?;
    }
    if let Some(d) = raw.preboot_extra {
        p.preboot_extra = d.0;
    }
    if let Some(f) = &raw.zero_downtime_max_utilisation {
        p.zero_downtime_max_utilisation = share(f, "zero_downtime_max_utilisation", "80%")?;
    }
    if let Some(list) = &raw.crash_backoff {
        if list.get_ref().is_empty() {
            return Err(ctx.err(
                list.span(),
                "platform.crash_backoff",
                "`platform.crash_backoff` is empty; give at least one cool-off, e.g. [\"0s\"] \
                 (restart at once after every crash) or [\"0s\", \"20m\", \"40m\"]",
            ));
        }
        p.crash_backoff = list.get_ref().iter().map(|d| d.0).collect();
    }
    if let Some(d) = &raw.failover {
        p.failover = positive(
            d,
            "failover",
            "a failover always makes the database unavailable",
        )?;
    }
    if let Some(d) = &raw.maintenance {
        p.maintenance = positive(
            d,
            "maintenance",
            "maintenance always makes the add-on unavailable",
        )?;
    }
    Ok(p)
}

/// `[prices]`: US dollars per dyno-hour by dyno type (0 or more).
pub(super) fn build_prices(
    ctx: &Checker,
    raw: Option<&BTreeMap<Spanned<String>, Spanned<f64>>>,
) -> Result<BTreeMap<String, f64>, ScenarioError> {
    build_per_type(ctx, raw, "prices", |v| {
        (v.is_finite() && v >= 0.0).then_some(()).ok_or_else(|| {
            format!("a price must be a number of US dollars per dyno-hour, 0 or more; got {v}")
        })
    })
}

/// `[speeds]`: how much faster than as measured each dyno type serves (above 0; default 1.0, an
/// assumption: the platform publishes compute multipliers, not request speed).
pub(super) fn build_speeds(
    ctx: &Checker,
    raw: Option<&BTreeMap<Spanned<String>, Spanned<f64>>>,
) -> Result<BTreeMap<String, f64>, ScenarioError> {
    build_per_type(ctx, raw, "speeds", |v| {
        (v.is_finite() && v > 0.0)
            .then_some(())
            .ok_or_else(|| format!("a speed must be a number above 0 (1.0 = as measured); got {v}"))
    })
}

/// A table keyed by dyno type name (case-insensitive, stored under the canonical name).
fn build_per_type(
    ctx: &Checker,
    raw: Option<&BTreeMap<Spanned<String>, Spanned<f64>>>,
    section: &str,
    check: impl Fn(f64) -> Result<(), String>,
) -> Result<BTreeMap<String, f64>, ScenarioError> {
    let mut out = BTreeMap::new();
    for (name, value) in raw.into_iter().flatten() {
        let key = format!("{section}.{}", name.get_ref());
        let t = dyno_type::lookup(name.get_ref()).ok_or_else(|| {
            ctx.err(
                name.span(),
                &key,
                format!(
                    "unknown dyno type \"{}\"; `[{section}]` is keyed by dyno type, one of: {}",
                    name.get_ref(),
                    dyno_type::names().join(", ")
                ),
            )
        })?;
        check(*value.get_ref()).map_err(|m| ctx.err(value.span(), &key, m))?;
        if out.insert(t.name.to_string(), *value.get_ref()).is_some() {
            return Err(ctx.err(
                name.span(),
                &key,
                format!("dyno type \"{}\" appears twice in `[{section}]`", t.name),
            ));
        }
    }
    Ok(out)
}
