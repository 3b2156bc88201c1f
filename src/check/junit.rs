//! JUnit XML for `spacesim check --junit FILE`, the format CI systems display as test results
//! (GitHub Actions test reporters, GitLab's `artifacts:reports:junit`, Jenkins' JUnit plugin).
//!
//! The mapping: the whole check is `<testsuites name="spacesim check">`, each scenario a
//! `<testsuite>` (its name, with the scenario file in `file`), each result a `<testcase>` whose
//! `classname` is the scenario and whose `name` is the assertion as a person reads it
//! (`latency_ms.p99 < 300ms`). A failed result carries `<failure message=…>observed X, bound
//! Y</failure>`, an invalid one `<error message=…>` with the whole explanation as its text.
//!
//! Pitfalls:
//! - Assertions are full of `<`, `>=` and quotes: every attribute value and text is escaped by
//!   `quick-xml`, never by hand.
//! - There are no `time` or `timestamp` attributes on purpose: the same check writes the same
//!   bytes. The JUnit readers named above treat a missing time as zero.
//! - XML 1.0 cannot carry most control characters at all, escaped or not; the few that could
//!   reach a message (from a scenario file's bytes) are replaced by U+FFFD so the file always
//!   parses.
//! - Attribute values lose their line breaks to XML's normalisation, so `message` holds the first
//!   line of the explanation and the element's text holds all of it.

use std::borrow::Cow;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::check::report::{AssertionResult, CheckReport, Kind, ScenarioOutcome, Status};

/// Renders `report` as a JUnit XML document (UTF-8, two-space indent, ending with a newline).
pub fn to_junit(report: &CheckReport) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_report(&mut writer, report).expect("writing XML into a Vec<u8> cannot fail");
    let mut xml =
        String::from_utf8(writer.into_inner()).expect("quick-xml writes the UTF-8 it is given");
    xml.push('\n');
    xml
}

fn write_report(w: &mut Writer<Vec<u8>>, report: &CheckReport) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let (passed, failed, errors) = report.counts();
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "spacesim check"));
    push_counts(&mut suites, passed + failed + errors, failed, errors);
    if report.scenarios.is_empty() {
        return w.write_event(Event::Empty(suites));
    }
    w.write_event(Event::Start(suites))?;
    for scenario in &report.scenarios {
        write_scenario(w, scenario)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))
}

fn write_scenario(w: &mut Writer<Vec<u8>>, scenario: &ScenarioOutcome) -> io::Result<()> {
    let name = xml_chars(&scenario.name);
    let file = scenario.file.to_string_lossy();
    let file = xml_chars(&file);
    let count = |status| {
        scenario
            .results
            .iter()
            .filter(|r| r.status == status)
            .count()
    };
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(("name", name.as_ref()));
    push_counts(
        &mut suite,
        scenario.results.len(),
        count(Status::Fail),
        count(Status::Error),
    );
    suite.push_attribute(("file", file.as_ref()));
    if scenario.results.is_empty() {
        return w.write_event(Event::Empty(suite));
    }
    w.write_event(Event::Start(suite))?;
    for result in &scenario.results {
        write_case(w, &name, &file, result)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
}

fn write_case(
    w: &mut Writer<Vec<u8>>,
    scenario: &str,
    file: &str,
    result: &AssertionResult,
) -> io::Result<()> {
    let assertion = xml_chars(&result.assertion);
    let mut case = BytesStart::new("testcase");
    case.push_attribute(("classname", scenario));
    case.push_attribute(("name", assertion.as_ref()));
    // GitHub's reporters use a test case's `file` to annotate the file in the pull request.
    case.push_attribute(("file", file));
    let (tag, fallback, text) = match result.status {
        Status::Pass => return w.write_event(Event::Empty(case)),
        Status::Fail => ("failure", "the bound does not hold", observed_bound(result)),
        Status::Error => {
            // The whole explanation (a scenario's parse error spans lines), then what is known.
            let text = match &result.message {
                Some(m) => format!("{m}\n{}", observed_bound(result)),
                None => observed_bound(result),
            };
            ("error", "invalid input", text)
        }
    };
    let message = result.message.as_deref().unwrap_or(fallback);
    let message = xml_chars(message.lines().next().unwrap_or(fallback));
    let mut verdict = BytesStart::new(tag);
    verdict.push_attribute(("message", message.as_ref()));
    verdict.push_attribute(("type", kind_name(result.kind)));
    w.write_event(Event::Start(case))?;
    w.write_event(Event::Start(verdict))?;
    w.write_event(Event::Text(BytesText::new(&xml_chars(&text))))?;
    w.write_event(Event::End(BytesEnd::new(tag)))?;
    w.write_event(Event::End(BytesEnd::new("testcase")))
}

/// `tests`, `failures` and `errors`, in the order every JUnit reader expects.
fn push_counts(element: &mut BytesStart, tests: usize, failures: usize, errors: usize) {
    element.push_attribute(("tests", tests.to_string().as_str()));
    element.push_attribute(("failures", failures.to_string().as_str()));
    element.push_attribute(("errors", errors.to_string().as_str()));
}

/// `observed 212.4 ms, bound < 300 ms`; "nothing" when no value could be observed, no bound when
/// there is none (an unknown metric's).
fn observed_bound(result: &AssertionResult) -> String {
    let observed = result.observed.as_deref().unwrap_or("nothing");
    match result.bound.as_str() {
        "" => format!("observed {observed}"),
        bound => format!("observed {observed}, bound {bound}"),
    }
}

/// The `type` of a failure or error: where the result came from, as in the JSON report.
fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Expect => "expect",
        Kind::Baseline => "baseline",
        Kind::Runs => "runs",
        Kind::Lint => "lint",
    }
}

/// `s` with every character XML 1.0 cannot hold (control characters other than tab, line feed
/// and carriage return; U+FFFE and U+FFFF) replaced by U+FFFD.
fn xml_chars(s: &str) -> Cow<'_, str> {
    fn allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    }
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use quick_xml::Reader;
    use quick_xml::escape::resolve_predefined_entity;
    use quick_xml::events::Event;

    use super::*;

    fn result(assertion: &str, status: Status, message: Option<&str>) -> AssertionResult {
        AssertionResult {
            kind: Kind::Expect,
            assertion: assertion.to_string(),
            metric: Some("latency_ms.p99".to_string()),
            observed: Some("412.0 ms".to_string()),
            bound: "< 300 ms".to_string(),
            status,
            message: message.map(str::to_string),
        }
    }

    fn sample() -> CheckReport {
        CheckReport {
            scenarios: vec![
                ScenarioOutcome {
                    file: PathBuf::from("scenarios/a&b.toml"),
                    name: "deploy \"blue\" & <green>".to_string(),
                    replications: 1,
                    results: vec![
                        result(
                            "latency_ms.p99 < 300ms",
                            Status::Fail,
                            Some("412.0 ms is not < 300 ms"),
                        ),
                        result("availability >= 99.9%", Status::Pass, None),
                        result("error_rate <= '0.1%'", Status::Pass, None),
                    ],
                },
                ScenarioOutcome {
                    file: PathBuf::from("scenarios/bad.toml"),
                    name: "bad".to_string(),
                    replications: 1,
                    results: vec![AssertionResult {
                        kind: Kind::Expect,
                        assertion: "latency_ms.p98 < 300ms".to_string(),
                        metric: Some("latency_ms.p98".to_string()),
                        observed: None,
                        bound: "< 300 ms".to_string(),
                        status: Status::Error,
                        message: Some(
                            "unknown metric `latency_ms.p98`\nknown: latency_ms.p99 & others"
                                .to_string(),
                        ),
                    }],
                },
                ScenarioOutcome {
                    file: PathBuf::from("scenarios/quiet.toml"),
                    name: "quiet".to_string(),
                    replications: 3,
                    results: vec![AssertionResult {
                        kind: Kind::Runs,
                        assertion: "runs cleanly".to_string(),
                        metric: None,
                        observed: None,
                        bound: "no error".to_string(),
                        status: Status::Pass,
                        message: None,
                    }],
                },
            ],
        }
    }

    /// One element as a real XML parser sees it: name, unescaped attributes, unescaped text.
    #[derive(Debug)]
    struct Element {
        name: String,
        attrs: BTreeMap<String, String>,
        text: String,
        depth: usize,
    }

    fn parse(xml: &str) -> Vec<Element> {
        let mut reader = Reader::from_str(xml);
        reader.config_mut().check_end_names = true;
        let mut out: Vec<Element> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        loop {
            let event = reader.read_event().expect("well-formed XML");
            let start = |e: &quick_xml::events::BytesStart, depth| Element {
                name: e.name().as_ref().to_string(),
                attrs: e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("well-formed attribute");
                        let key = a.key.as_ref().to_string();
                        let value = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .expect("valid escapes")
                            .into_owned();
                        (key, value)
                    })
                    .collect(),
                text: String::new(),
                depth,
            };
            match event {
                Event::Start(e) => {
                    out.push(start(&e, open.len()));
                    open.push(out.len() - 1);
                }
                Event::Empty(e) => out.push(start(&e, open.len())),
                Event::End(_) => {
                    open.pop().expect("balanced tags");
                }
                Event::Text(t) => {
                    if let Some(&i) = open.last() {
                        out[i].text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    let i = *open.last().expect("references only inside elements");
                    match r.resolve_char_ref().expect("valid character reference") {
                        Some(c) => out[i].text.push(c),
                        None => {
                            let resolved =
                                resolve_predefined_entity(r.as_ref()).expect("known entity");
                            out[i].text.push_str(resolved);
                        }
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(open.is_empty(), "every element is closed");
        out
    }

    fn named<'a>(elements: &'a [Element], name: &str) -> Vec<&'a Element> {
        elements.iter().filter(|e| e.name == name).collect()
    }

    #[test]
    fn counts_suites_and_cases() {
        let xml = to_junit(&sample());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        assert!(xml.ends_with("</testsuites>\n"));
        let elements = parse(&xml);

        let root = &elements[0];
        assert_eq!(root.name, "testsuites");
        assert_eq!(root.attrs["name"], "spacesim check");
        assert_eq!(
            (
                root.attrs["tests"].as_str(),
                root.attrs["failures"].as_str()
            ),
            ("5", "1")
        );
        assert_eq!(root.attrs["errors"], "1");

        let suites = named(&elements, "testsuite");
        assert_eq!(suites.len(), 3);
        assert!(suites.iter().all(|s| s.depth == 1));
        let counts: Vec<_> = suites
            .iter()
            .map(|s| {
                (
                    s.attrs["tests"].as_str(),
                    s.attrs["failures"].as_str(),
                    s.attrs["errors"].as_str(),
                )
            })
            .collect();
        assert_eq!(counts, [("3", "1", "0"), ("1", "0", "1"), ("1", "0", "0")]);
        assert_eq!(suites[1].attrs["file"], "scenarios/bad.toml");

        let cases = named(&elements, "testcase");
        assert_eq!(cases.len(), 5);
        assert!(cases.iter().all(|c| c.depth == 2));
        assert_eq!(cases[4].attrs["classname"], "quiet");
        assert_eq!(cases[4].attrs["name"], "runs cleanly");
        assert!(
            !xml.contains("time="),
            "no times: the output is deterministic"
        );
    }

    #[test]
    fn escapes_names_assertions_and_messages() {
        let xml = to_junit(&sample());
        let elements = parse(&xml);
        let suites = named(&elements, "testsuite");
        assert_eq!(suites[0].attrs["name"], "deploy \"blue\" & <green>");
        assert_eq!(suites[0].attrs["file"], "scenarios/a&b.toml");

        let cases = named(&elements, "testcase");
        let names: Vec<_> = cases.iter().map(|c| c.attrs["name"].as_str()).collect();
        assert_eq!(
            names,
            [
                "latency_ms.p99 < 300ms",
                "availability >= 99.9%",
                "error_rate <= '0.1%'",
                "latency_ms.p98 < 300ms",
                "runs cleanly",
            ]
        );
        assert_eq!(cases[0].attrs["classname"], "deploy \"blue\" & <green>");
        assert!(!xml.contains("<green>") && !xml.contains("< 300"));
    }

    #[test]
    fn failure_and_error_elements() {
        let elements = parse(&to_junit(&sample()));
        let failures = named(&elements, "failure");
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].depth, 3);
        assert_eq!(failures[0].attrs["message"], "412.0 ms is not < 300 ms");
        assert_eq!(failures[0].attrs["type"], "expect");
        assert_eq!(failures[0].text, "observed 412.0 ms, bound < 300 ms");

        let errors = named(&elements, "error");
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].attrs["message"],
            "unknown metric `latency_ms.p98`"
        );
        assert_eq!(
            errors[0].text,
            "unknown metric `latency_ms.p98`\nknown: latency_ms.p99 & others\n\
             observed nothing, bound < 300 ms"
        );
        // A passing case is an empty element.
        let cases = named(&elements, "testcase");
        assert!(cases[1].text.is_empty());
        assert_eq!(elements.iter().filter(|e| e.depth == 3).count(), 2);
    }

    #[test]
    fn message_falls_back_when_missing() {
        let mut report = sample();
        report.scenarios[0].results[0].message = None;
        report.scenarios[1].results[0].message = None;
        let elements = parse(&to_junit(&report));
        assert_eq!(
            named(&elements, "failure")[0].attrs["message"],
            "the bound does not hold"
        );
        let error = named(&elements, "error")[0];
        assert_eq!(error.attrs["message"], "invalid input");
        assert_eq!(error.text, "observed nothing, bound < 300 ms");

        report.scenarios[1].results[0].bound.clear();
        let elements = parse(&to_junit(&report));
        assert_eq!(named(&elements, "error")[0].text, "observed nothing");
    }

    #[test]
    fn control_characters_still_parse() {
        let mut report = sample();
        report.scenarios[0].results[0].assertion = "latency\u{1}_ms.p99 < 300ms".to_string();
        report.scenarios[0].results[0].message = Some("bad\u{0}byte".to_string());
        let elements = parse(&to_junit(&report));
        let cases = named(&elements, "testcase");
        assert_eq!(cases[0].attrs["name"], "latency\u{FFFD}_ms.p99 < 300ms");
        assert_eq!(
            named(&elements, "failure")[0].attrs["message"],
            "bad\u{FFFD}byte"
        );
    }

    #[test]
    fn empty_report_and_empty_scenario() {
        let xml = to_junit(&CheckReport::default());
        let elements = parse(&xml);
        assert_eq!(elements.len(), 1);
        assert_eq!(elements[0].attrs["tests"], "0");

        let mut report = sample();
        report.scenarios[2].results.clear();
        let elements = parse(&to_junit(&report));
        assert_eq!(named(&elements, "testsuite")[2].attrs["tests"], "0");
        assert_eq!(named(&elements, "testcase").len(), 4);
    }

    #[test]
    fn same_report_same_bytes() {
        assert_eq!(to_junit(&sample()), to_junit(&sample()));
    }
}
