//! Building one app's parts: its processes (with boot times and autoscaling), traffic classes
//! (with clients, add-on use and enqueued jobs) and job kinds.

use toml::Spanned;

use super::addons::{build_uses, one_of};
use super::error::ScenarioError;
use super::load::{Checker, DEFAULT_CLIENT_BACKOFF, check_name};
use super::raw::{RawApp, RawProcess, RawTraffic};
use super::spec::*;
use super::traffic::{BuildCtx, build_arrival, build_service};
use crate::engine::SimDuration;
use crate::model::dyno_type;
use crate::model::service::ServiceDist;

pub(crate) fn build_process(
    ctx: &Checker,
    spanned: &Spanned<RawProcess>,
    pkey: &str,
    space: &SpaceConfig,
    build_ctx: &BuildCtx,
    speeds: &std::collections::BTreeMap<String, f64>,
) -> Result<ProcessSpec, ScenarioError> {
    let p = spanned.get_ref();
    let kind = p.kind.get_ref();
    let kind_ok = !kind.is_empty()
        && kind.len() <= 64
        && kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !kind_ok {
        return Err(ctx.err(
            p.kind.span(),
            format!("{pkey}.type"),
            format!("\"{kind}\" is not a valid process type: use letters, digits, `-` or `_`"),
        ));
    }
    let default_type = match space.runtime {
        Runtime::Private if space.network.shield => "shield-m",
        Runtime::Private => "private-m",
        Runtime::Common => "standard-1x",
    };
    let dyno_type = match &p.dyno_type {
        Some(t) => dyno_type::lookup(t.get_ref()).ok_or_else(|| {
            ctx.err(
                t.span(),
                format!("{pkey}.dyno_type"),
                format!(
                    "unknown dyno type \"{}\"; known types: {}",
                    t.get_ref(),
                    dyno_type::names().join(", ")
                ),
            )
        })?,
        None => dyno_type::lookup(default_type).expect("default dyno type is in the catalogue"),
    };
    let concurrency = match &p.concurrency {
        Some(c) if *c.get_ref() == 0 => {
            return Err(ctx.err(
                c.span(),
                format!("{pkey}.concurrency"),
                "`concurrency` must be at least 1",
            ));
        }
        Some(c) => *c.get_ref(),
        None => dyno_type.default_concurrency,
    };
    let speed = match &p.speed {
        Some(s) if !(s.get_ref().is_finite() && *s.get_ref() > 0.0) => {
            return Err(ctx.err(
                s.span(),
                format!("{pkey}.speed"),
                "`speed` must be a number above 0 (1.0 = as measured)",
            ));
        }
        Some(s) => *s.get_ref(),
        None => speeds.get(dyno_type.name).copied().unwrap_or(1.0),
    };
    let boot = match &p.boot {
        Some(b) => build_service(b.get_ref(), build_ctx)
            .map_err(|m| ctx.err(b.span(), format!("{pkey}.boot"), m))?,
        None => ServiceDist::Constant(DEFAULT_BOOT),
    };
    let autoscale = match &p.autoscale {
        Some(a) => Some(build_autoscale(ctx, p, a, pkey, dyno_type)?),
        None => None,
    };
    Ok(ProcessSpec {
        kind: kind.clone(),
        count: *p.count.get_ref(),
        dyno_type,
        concurrency,
        backlog: p.backlog.as_ref().map_or(DEFAULT_BACKLOG, |b| *b.get_ref()),
        speed,
        boot,
        autoscale,
    })
}

/// `autoscale` on a web process of a dedicated dyno type (facts §3.3), `min <= count <= max`.
pub(crate) fn build_autoscale(
    ctx: &Checker,
    p: &RawProcess,
    a: &Spanned<super::raw::RawAutoscale>,
    pkey: &str,
    dyno_type: &dyno_type::DynoType,
) -> Result<Autoscale, ScenarioError> {
    let key = format!("{pkey}.autoscale");
    if p.kind.get_ref() != "web" {
        return Err(ctx.err(
            a.span(),
            key,
            format!(
                "autoscaling applies to `web` processes only (it follows the p95 response \
                 time, facts §3.3); \"{}\" is not web: scale it with a `scale` operation",
                p.kind.get_ref()
            ),
        ));
    }
    if !dyno_type.dedicated {
        return Err(ctx.err(
            a.span(),
            key,
            format!(
                "autoscaling is available for Performance, Private and Shield web dynos only \
                 (facts §3.3); \"{}\" is not one",
                dyno_type.name
            ),
        ));
    }
    let raw = a.get_ref();
    let (min, max) = (*raw.min.get_ref(), *raw.max.get_ref());
    if min == 0 {
        return Err(ctx.err(
            raw.min.span(),
            format!("{key}.min"),
            "`autoscale.min` must be at least 1 (facts §3.3: the minimum is 1 dyno)",
        ));
    }
    if min > max {
        return Err(ctx.err(
            raw.max.span(),
            format!("{key}.max"),
            format!("`autoscale.max` ({max}) must be at least `autoscale.min` ({min})"),
        ));
    }
    let count = *p.count.get_ref();
    if !(min..=max).contains(&count) {
        return Err(ctx.err(
            p.count.span(),
            format!("{pkey}.count"),
            format!(
                "`count` ({count}) must be within the autoscale range [{min}, {max}]: it is \
                 the formation autoscaling starts from"
            ),
        ));
    }
    if raw.p95.get_ref().0 == SimDuration::ZERO {
        return Err(ctx.err(
            raw.p95.span(),
            format!("{key}.p95"),
            "`autoscale.p95` must be more than 0s: the desired p95 response time, e.g. \"500ms\"",
        ));
    }
    Ok(Autoscale {
        min,
        max,
        p95: raw.p95.get_ref().0,
    })
}

/// `preboot = true` is a Common Runtime feature (facts §3.1).
pub(crate) fn build_preboot(
    ctx: &Checker,
    app: &RawApp,
    akey: &str,
    runtime: Runtime,
) -> Result<bool, ScenarioError> {
    match &app.preboot {
        Some(p) if *p.get_ref() && runtime == Runtime::Private => Err(ctx.err(
            p.span(),
            format!("{akey}.preboot"),
            "preboot is not available in a Private Space: Private Spaces use rolling deploys \
             (facts §3.1); remove `preboot`, or set space.runtime = \"common\"",
        )),
        Some(p) => Ok(*p.get_ref()),
        None => Ok(false),
    }
}

/// `[[apps.jobs]]`, each worked by a non-web process type of the app.
pub(crate) fn build_jobs(
    ctx: &Checker,
    app: &RawApp,
    processes: &[ProcessSpec],
    akey: &str,
    app_name: &str,
    build_ctx: &BuildCtx,
) -> Result<Vec<JobSpec>, ScenarioError> {
    let mut jobs: Vec<JobSpec> = Vec::with_capacity(app.jobs.len());
    for (ji, j) in app.jobs.iter().enumerate() {
        let jkey = format!("{akey}.jobs[{ji}]");
        let j = j.get_ref();
        let name = check_name(ctx, &j.name, &format!("{jkey}.name"))?;
        if jobs.iter().any(|x| x.name == name) {
            return Err(ctx.err(
                j.name.span(),
                format!("{jkey}.name"),
                format!("job \"{name}\" is defined twice in app \"{app_name}\""),
            ));
        }
        let wanted = j.process.get_ref();
        let workers = || {
            one_of(
                "non-web process types",
                processes
                    .iter()
                    .filter(|p| !p.is_web())
                    .map(|p| p.kind.as_str()),
            )
        };
        if wanted == "web" {
            return Err(ctx.err(
                j.process.span(),
                format!("{jkey}.process"),
                format!(
                    "jobs run on a worker process type, not `web` (web dynos serve HTTP \
                     requests); {}",
                    workers()
                ),
            ));
        }
        let process = processes
            .iter()
            .position(|p| &p.kind == wanted)
            .ok_or_else(|| {
                ctx.err(
                    j.process.span(),
                    format!("{jkey}.process"),
                    format!(
                        "app \"{app_name}\" has no process type \"{wanted}\"; {}; add \
                         [[apps.processes]] with type = \"{wanted}\"",
                        workers()
                    ),
                )
            })?;
        let arrival = match &j.arrival {
            Some(a) => Some(
                build_arrival(a.get_ref(), build_ctx)
                    .map_err(|m| ctx.err(a.span(), format!("{jkey}.arrival"), m))?,
            ),
            None => None,
        };
        let service = build_service(j.service.get_ref(), build_ctx)
            .map_err(|m| ctx.err(j.service.span(), format!("{jkey}.service"), m))?;
        jobs.push(JobSpec {
            name,
            process,
            arrival,
            service,
        });
    }
    Ok(jobs)
}

/// One `[[apps.traffic]]` class, with its client, add-on uses and enqueued jobs.
pub(crate) fn build_traffic(
    ctx: &Checker,
    t: &RawTraffic,
    tkey: &str,
    app_name: &str,
    addons: &[AddonSpec],
    jobs: &[JobSpec],
    build_ctx: &BuildCtx,
) -> Result<TrafficSpec, ScenarioError> {
    let name = check_name(ctx, &t.name, &format!("{tkey}.name"))?;
    let arrival = build_arrival(t.arrival.get_ref(), build_ctx)
        .map_err(|m| ctx.err(t.arrival.span(), format!("{tkey}.arrival"), m))?;
    let service = build_service(t.service.get_ref(), build_ctx)
        .map_err(|m| ctx.err(t.service.span(), format!("{tkey}.service"), m))?;
    let client = match &t.client {
        Some(c) => {
            let c = c.get_ref();
            let timeout = match &c.timeout {
                Some(d) if d.get_ref().0 == SimDuration::ZERO => {
                    return Err(ctx.err(
                        d.span(),
                        format!("{tkey}.client.timeout"),
                        "`client.timeout` must be more than 0s; leave it out for a client \
                         that waits for the router's answer",
                    ));
                }
                d => d.as_ref().map(|d| d.get_ref().0),
            };
            Some(ClientSpec {
                timeout,
                retries: c.retries.unwrap_or(0),
                backoff: c.backoff.map_or(DEFAULT_CLIENT_BACKOFF, |d| d.0),
            })
        }
        None => None,
    };
    let uses = build_uses(ctx, &t.addons, addons, tkey, app_name)?;
    let enqueue = match &t.enqueue {
        Some(e) => {
            let e = e.get_ref();
            let job = jobs
                .iter()
                .position(|j| &j.name == e.job.get_ref())
                .ok_or_else(|| {
                    ctx.err(
                        e.job.span(),
                        format!("{tkey}.enqueue.job"),
                        format!(
                            "app \"{app_name}\" has no job \"{}\"; {}",
                            e.job.get_ref(),
                            one_of("jobs ([[apps.jobs]])", jobs.iter().map(|j| j.name.as_str()))
                        ),
                    )
                })?;
            let per = *e.per_request.get_ref();
            if !(per.is_finite() && per > 0.0) {
                return Err(ctx.err(
                    e.per_request.span(),
                    format!("{tkey}.enqueue.per_request"),
                    format!(
                        "`per_request` must be a number above 0 (jobs per successful request; \
                         0.3 enqueues one for 30% of requests); got {per}"
                    ),
                ));
            }
            Some(Enqueue {
                job,
                per_request: per,
            })
        }
        None => None,
    };
    Ok(TrafficSpec {
        name,
        arrival,
        service,
        client,
        addons: uses,
        enqueue,
        // Filled by the caller, which holds the scenario's `[[external]]` services.
        network: super::space::ClientNetwork::default(),
        http: super::http::build_http(ctx, t, tkey)?,
    })
}
