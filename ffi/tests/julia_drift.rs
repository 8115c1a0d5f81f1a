//! The Julia package (bindings/julia/Ferrolab/src/*.jl) against include/ferrolab.h, without
//! Julia (CI has none): every `ccall((:name, lib), Ret, (ArgTypes...), args...)` is parsed from
//! the sources and checked for a header prototype of that name, the same number of argument
//! types and values as the prototype has parameters, and a Julia type that matches each C type
//! (see `julia_types`). Every header function must be called somewhere, or be listed in
//! `UNWRAPPED` with the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Header functions deliberately left out of the Julia package: (name, reason).
const UNWRAPPED: &[(&str, &str)] = &[];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A C prototype: return type and parameter types, each normalised by `c_type`.
#[derive(Debug)]
struct Prototype {
    ret: String,
    params: Vec<String>,
}

/// Whitespace-normalised type with the parameter name dropped: "const double *", "ferrolab_gp **".
fn c_type(decl: &str, has_name: bool) -> String {
    let spaced = decl.replace('*', " * ");
    let mut tokens: Vec<&str> = spaced.split_whitespace().collect();
    if has_name && tokens.len() > 1 && tokens.last().is_some_and(|t| *t != "*") {
        tokens.pop();
    }
    tokens.join(" ").replace("* *", "**")
}

fn strip_c_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('/') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("//") {
            rest = tail.find('\n').map_or("", |j| &tail[j..]);
        } else if tail.starts_with("/*") {
            rest = tail.find("*/").map_or("", |j| &tail[j + 2..]);
        } else {
            out.push('/');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn header_prototypes(text: &str) -> BTreeMap<String, Prototype> {
    let code: String = strip_c_comments(text)
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with('#') && !l.contains("extern \"C\"") && l.trim() != "}"
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeMap::new();
    for stmt in code.split(';') {
        let stmt = stmt.trim();
        if stmt.starts_with("typedef") || !stmt.ends_with(')') {
            continue;
        }
        let Some(open) = stmt.find('(') else { continue };
        let head = &stmt[..open];
        let Some(name_at) = head.rfind(|c: char| !(c.is_alphanumeric() || c == '_')) else {
            continue;
        };
        let name = head[name_at + 1..].to_string();
        if !name.starts_with("ferrolab_") {
            continue;
        }
        let ret = c_type(&head[..name_at + 1], false);
        let inner = &stmt[open + 1..stmt.len() - 1];
        let params = if inner.trim().is_empty() || inner.trim() == "void" {
            Vec::new()
        } else {
            inner.split(',').map(|p| c_type(p, true)).collect()
        };
        out.insert(name, Prototype { ret, params });
    }
    out
}

/// Julia source with `#` and `#= =#` comments blanked, string literals kept.
fn strip_julia_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if text[i..].starts_with("\"\"\"") {
            let end = text[i + 3..]
                .find("\"\"\"")
                .map_or(b.len(), |j| i + 3 + j + 3);
            out.push_str(&text[i..end]);
            i = end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(b.len());
            out.push_str(&text[i..end]);
            i = end;
        } else if text[i..].starts_with("#=") {
            i = text[i..].find("=#").map_or(b.len(), |j| i + j + 2);
        } else if b[i] == b'#' {
            i = text[i..].find('\n').map_or(b.len(), |j| i + j);
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Split at top-level commas (outside (), {}, [] and strings); empty trailing pieces dropped.
fn split_top(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut in_str, mut cur) = (0i32, false, String::new());
    for c in s.chars() {
        match c {
            '"' => in_str = !in_str,
            '(' | '{' | '[' if !in_str => depth += 1,
            ')' | '}' | ']' if !in_str => depth -= 1,
            ',' if !in_str && depth == 0 => {
                parts.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        parts.push(cur.trim().to_string());
    }
    parts
}

/// One parsed ccall: where, name, return type, argument types and the number of values.
#[derive(Debug)]
struct CCall {
    at: String,
    name: String,
    ret: String,
    types: Vec<String>,
    values: usize,
}

fn julia_ccalls(file: &str, text: &str) -> Vec<CCall> {
    let code = strip_julia_comments(text);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = code[from..].find("ccall(") {
        let start = from + k;
        from = start + 6;
        if code[..start]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '@')
        {
            continue;
        }
        let (mut depth, mut end) = (1, from);
        for (j, c) in code[from..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = from + j;
                break;
            }
        }
        let line = code[..start].matches('\n').count() + 1;
        let parts = split_top(&code[from..end]);
        let at = format!("{file}:{line}");
        assert!(parts.len() >= 3, "{at}: ccall with fewer than 3 arguments");
        let target = parts[0].trim_start_matches('(');
        let name = target
            .trim_start_matches(':')
            .split(|c: char| c == ',' || c.is_whitespace())
            .next()
            .unwrap()
            .to_string();
        let tuple = parts[2].trim();
        assert!(
            tuple.starts_with('(') && tuple.ends_with(')'),
            "{at}: argument types are not a literal tuple: {tuple}"
        );
        let types = split_top(&tuple[1..tuple.len() - 1])
            .into_iter()
            .map(|t| t.split_whitespace().collect::<String>())
            .collect();
        out.push(CCall {
            at,
            name,
            ret: parts[1].split_whitespace().collect(),
            types,
            values: parts.len() - 3,
        });
    }
    out
}

/// The Julia spellings accepted for a C type (as normalised by `c_type`).
fn julia_types(c: &str) -> Vec<String> {
    let stars = c.matches('*').count();
    let base = c.replace("const ", "").replace('*', "").trim().to_string();
    if base.starts_with("ferrolab_") {
        return match stars {
            1 => vec!["Ptr{Cvoid}".into()],
            2 => vec!["Ref{Ptr{Cvoid}}".into(), "Ptr{Ptr{Cvoid}}".into()],
            _ => vec![],
        };
    }
    let scalar: &[&str] = match base.as_str() {
        "int32_t" => &["Int32", "Cint"],
        "int64_t" => &["Int64"],
        "uint64_t" => &["UInt64"],
        "uint8_t" => &["UInt8"],
        "size_t" => &["Csize_t"],
        "double" => &["Float64", "Cdouble"],
        "float" => &["Float32", "Cfloat"],
        "void" if stars == 0 => &["Cvoid", "Nothing"],
        "char" => &[],
        _ => return vec![],
    };
    match (base.as_str(), stars, c.starts_with("const ")) {
        (_, 0, _) => scalar.iter().map(|s| s.to_string()).collect(),
        // A NUL-terminated input string; an output buffer must not be a Cstring (NUL check).
        ("char", 1, true) => vec!["Cstring".into(), "Ptr{UInt8}".into(), "Ptr{Cchar}".into()],
        ("char", 1, false) => vec!["Ptr{UInt8}".into(), "Ptr{Cchar}".into()],
        (_, 1, _) => scalar
            .iter()
            .flat_map(|s| [format!("Ptr{{{s}}}"), format!("Ref{{{s}}}")])
            .collect(),
        _ => vec![],
    }
}

fn julia_sources() -> Vec<(String, String)> {
    let dir = root().join("bindings/julia/Ferrolab/src");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jl"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(root()).unwrap().display().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Every mismatch between the ccalls of `sources` and the prototypes of `header`.
fn drift(header: &str, sources: &[(String, String)]) -> (Vec<String>, usize) {
    let protos = header_prototypes(header);
    let mut errors = Vec::new();
    let mut called = BTreeSet::new();
    for (file, text) in sources {
        for call in julia_ccalls(file, text) {
            let Some(p) = protos.get(&call.name) else {
                errors.push(format!("{}: {} is not in the header", call.at, call.name));
                continue;
            };
            called.insert(call.name.clone());
            if !julia_types(&p.ret).contains(&call.ret) {
                errors.push(format!(
                    "{}: {} returns `{}`, Julia says {}",
                    call.at, call.name, p.ret, call.ret
                ));
            }
            if call.types.len() != p.params.len() || call.values != p.params.len() {
                errors.push(format!(
                    "{}: {} takes {} parameters; the ccall has {} types and {} values",
                    call.at,
                    call.name,
                    p.params.len(),
                    call.types.len(),
                    call.values
                ));
                continue;
            }
            for (i, (c, j)) in p.params.iter().zip(&call.types).enumerate() {
                let ok = julia_types(c);
                if !ok.contains(j) {
                    errors.push(format!(
                        "{}: {} parameter {} is `{c}` in C, `{j}` in Julia (expected one of {ok:?})",
                        call.at,
                        call.name,
                        i + 1
                    ));
                }
            }
        }
    }
    let unwrapped: BTreeSet<&str> = UNWRAPPED.iter().map(|(n, _)| *n).collect();
    for name in protos.keys() {
        if !called.contains(name) && !unwrapped.contains(name.as_str()) {
            errors.push(format!(
                "{name} is in the header but no Julia ccall calls it (nor is it in UNWRAPPED)"
            ));
        }
        if called.contains(name) && unwrapped.contains(name.as_str()) {
            errors.push(format!("{name} is wrapped but listed in UNWRAPPED"));
        }
    }
    for name in &unwrapped {
        if !protos.contains_key(*name) {
            errors.push(format!(
                "UNWRAPPED lists {name}, which the header does not declare"
            ));
        }
    }
    (errors, called.len())
}

fn header() -> String {
    std::fs::read_to_string(root().join("include/ferrolab.h")).unwrap()
}

#[test]
fn every_julia_ccall_matches_the_header() {
    let header = header();
    let protos = header_prototypes(&header);
    assert!(
        protos.len() > 90,
        "parsed only {} prototypes from the header",
        protos.len()
    );
    let (errors, wrapped) = drift(&header, &julia_sources());
    assert!(
        errors.is_empty(),
        "Julia bindings drift from include/ferrolab.h:\n{}",
        errors.join("\n")
    );
    assert_eq!(wrapped + UNWRAPPED.len(), protos.len());
}

#[test]
fn the_parser_sees_every_prototype_and_every_type() {
    let protos = header_prototypes(&header());
    let pca = &protos["ferrolab_pca"];
    assert_eq!(pca.ret, "int32_t");
    assert_eq!(pca.params[0], "const double *");
    assert_eq!(pca.params.len(), 8);
    assert_eq!(protos["ferrolab_config_new"].params, ["ferrolab_config **"]);
    assert_eq!(protos["ferrolab_version_string"].ret, "const char *");
    let train = &protos["ferrolab_unet_train"].params;
    assert_eq!(
        (&train[2][..], &train[6][..]),
        ("const uint8_t *", "double *")
    );
    assert_eq!(protos["ferrolab_unet_probabilities"].params[4], "float *");
    assert_eq!(
        julia_types("float *"),
        ["Ptr{Float32}", "Ref{Float32}", "Ptr{Cfloat}", "Ref{Cfloat}"]
    );
    assert_eq!(julia_types("const uint8_t *"), ["Ptr{UInt8}", "Ref{UInt8}"]);
    assert!(protos["ferrolab_abi_version"].params.is_empty());
    // Every C type in the header has a Julia spelling in the table.
    for (name, p) in &protos {
        for c in p.params.iter().chain([&p.ret]) {
            assert!(
                !julia_types(c).is_empty(),
                "{name}: no Julia mapping for `{c}`"
            );
        }
    }
}

#[test]
fn a_wrong_type_or_count_is_caught() {
    let header = header();
    let good = "f() = ccall((:ferrolab_set_num_threads, lib), Int32, (Csize_t,), n) # (Int32,)\n";
    assert!(
        drift(&header, &[("x.jl".into(), good.into())])
            .0
            .iter()
            .all(|e| e.contains("no Julia ccall"))
    );
    for bad in [
        "f() = ccall((:ferrolab_set_num_threads, lib), Int32, (Int32,), n)",
        "f() = ccall((:ferrolab_set_num_threads, lib), Int32, (Csize_t, Csize_t), n, n)",
        "f() = ccall((:ferrolab_set_num_threads, lib), Int32, (Csize_t,))",
        "f() = ccall((:ferrolab_set_num_threads, lib), Cvoid, (Csize_t,), n)",
        "f() = ccall((:ferrolab_last_error, lib), Int32, (Cstring, Csize_t, Ref{Csize_t}), b, c, n)",
        "f() = ccall((:ferrolab_no_such_function, lib), Int32, ())",
    ] {
        let (errors, _) = drift(&header, &[("x.jl".into(), bad.into())]);
        assert!(
            errors.iter().any(|e| e.starts_with("x.jl:1")),
            "not caught: {bad}\n{errors:?}"
        );
    }
}
