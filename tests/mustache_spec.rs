//! The official mustache spec (`tests/fixtures/mustache-spec/`, see its README): every case of
//! the interpolation, sections, inverted, comments and delimiters modules, rendered by the
//! library byte for byte.
//!
//! Botpress renders content elements with mustache.js (`renderTemplate` in Botpress's
//! `src/bp/core/misc/templating.ts` calls `Mustache.render`), and mustache.js passes these
//! modules; so must interbot. The two delimiters cases that need partials
//! (`Partial Inheritence`, `Post-Partial Behavior`) are rendered with the case's partials.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The five spec modules in scope (no partials, lambdas or inheritance).
const MODULES: [&str; 5] = [
    "interpolation",
    "sections",
    "inverted",
    "comments",
    "delimiters",
];

/// One spec case.
struct Case {
    module: &'static str,
    name: String,
    data: Value,
    template: String,
    partials: Vec<(String, String)>,
    expected: String,
}

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mustache-spec")
}

fn cases(module: &'static str) -> Vec<Case> {
    let path = spec_dir().join(format!("{module}.json"));
    let text = std::fs::read_to_string(&path).expect("a spec file");
    let spec: Value = serde_json::from_str(&text).expect("spec JSON");
    let tests = spec["tests"].as_array().expect("a list of tests");
    tests
        .iter()
        .map(|test| {
            let text = |key: &str| test[key].as_str().expect(key).to_string();
            let partials = test["partials"].as_object().map_or_else(Vec::new, |map| {
                map.iter()
                    .map(|(name, text)| (name.clone(), text.as_str().unwrap_or("").to_string()))
                    .collect()
            });
            Case {
                module,
                name: text("name"),
                data: test["data"].clone(),
                template: text("template"),
                partials,
                expected: text("expected"),
            }
        })
        .collect()
}

fn all_cases() -> Vec<Case> {
    MODULES.into_iter().flat_map(cases).collect()
}

/// Renders one case with the library, with its partials if it has any.
fn render(case: &Case) -> Result<String, String> {
    let partials = |name: &str| {
        case.partials
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, text)| text.clone())
    };
    interbot::template::render_with_partials(&case.template, &case.data, &partials)
        .map_err(|e| e.to_string())
}

#[test]
fn every_case_of_the_five_spec_modules_renders_as_mustache_js_does() {
    let cases = all_cases();
    assert_eq!(cases.len(), 110, "31 + 33 + 21 + 11 + 14 cases");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let got = render(case);
            (got.as_deref() != Ok(case.expected.as_str())).then(|| {
                format!(
                    "{}: {}\n  template {:?}\n  expected {:?}\n  got      {:?}",
                    case.module, case.name, case.template, case.expected, got
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} spec cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
