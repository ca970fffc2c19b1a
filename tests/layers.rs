//! The layers of ARCHITECTURE.md, checked: no module names a module of a higher layer, and no
//! panel of the explorer names another panel. Read from the source text (`crate::x` paths,
//! `use crate::{x, y}` groups and `super::x` inside the GUI), so a new import that points up
//! fails here with the file and line that adds it.

use std::path::{Path, PathBuf};

/// The library's modules, lowest first: each may use only those before it (and itself).
const LIBRARY: &[&str] = &[
    "backend", "jobs", "threads", "space", "data", "model", "latent", "train", "bo", "explore",
    "eval", "run", "figures", "gui", "cli",
];

/// The explorer's files, lowest first, by the same rule. `views` holds the panels, which may
/// not use one another.
const GUI: &[&str] = &[
    "colormap",
    "cell_view",
    "op_embedding",
    "curves",
    "point_cloud",
    "dialogs",
    "tasks",
    "selection",
    "workspace",
    "view",
    "map_widget",
    "inspector",
    "views",
    "save_figure",
    "screenshot",
    "app",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Module path of a source file below `src/`: `src/eval/compare.rs` is ["eval", "compare"].
fn module_of(file: &Path, src: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The first path segment after each `prefix` on a line (`crate::eval::x` gives "eval"), with
/// the names at the top of a `prefix{a, b::c}` group.
fn names_after(line: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            let mut at_top = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        at_top = true;
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 && at_top {
                    if c.is_alphanumeric() || c == '_' {
                        item.push(c);
                    } else if !item.is_empty() {
                        out.push(std::mem::take(&mut item));
                        at_top = false;
                    }
                }
            }
            if !item.is_empty() {
                out.push(item);
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
        rest = after;
    }
    out
}

/// Each line of `file` outside comments, numbered from 1.
fn code_lines(file: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

fn rank(order: &[&str], name: &str) -> Option<usize> {
    order.iter().position(|m| *m == name)
}

/// Every upward arrow in the tree at `src`, as "file:line: a uses b".
fn upward_arrows(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let module = module_of(file, src);
        // lib.rs and main.rs stand above every layer.
        let Some(top) = module.first().filter(|m| *m != "lib" && *m != "main") else {
            continue;
        };
        let Some(own) = rank(LIBRARY, top) else {
            found.push(format!(
                "{}: module {top} is in no layer: add it to ARCHITECTURE.md and tests/layers.rs",
                file.display()
            ));
            continue;
        };
        for (line_no, line) in code_lines(file) {
            let at = format!("{}:{line_no}", file.display());
            for used in names_after(&line, "crate::") {
                match rank(LIBRARY, &used) {
                    Some(r) if r > own => found.push(format!("{at}: {top} uses {used}")),
                    _ => {}
                }
            }
            if top == "gui" {
                found.extend(gui_arrows(&module, &line, &at));
            }
        }
    }
    found
}

/// The GUI's own rule for one line of the file of `module` (["gui", ...]).
fn gui_arrows(module: &[String], line: &str, at: &str) -> Vec<String> {
    let Some(own_name) = module.get(1) else {
        return Vec::new(); // gui/mod.rs: the window's entry point, above its files
    };
    let own = rank(GUI, own_name);
    let in_views = own_name == "views";
    let view_file = module.get(2);
    let mut used: Vec<String> = names_after(line, "crate::gui::");
    if in_views {
        // Inside views/, `super::x` is a panel (or views' mod.rs itself).
        for name in names_after(line, "super::") {
            if name == "super" {
                used.extend(names_after(line, "super::super::"));
            } else if let Some(file) = view_file
                && &name != file
            {
                return vec![format!("{at}: panel {file} uses panel {name}")];
            }
        }
        for name in names_after(line, "crate::gui::views::") {
            if let Some(file) = view_file
                && &name != file
            {
                return vec![format!("{at}: panel {file} uses panel {name}")];
            }
        }
    } else {
        used.extend(names_after(line, "super::"));
    }
    let mut out = Vec::new();
    for name in used {
        match (own, rank(GUI, &name)) {
            (Some(o), Some(r)) if r > o => {
                out.push(format!("{at}: gui::{own_name} uses gui::{name}"))
            }
            (None, Some(_)) => out.push(format!(
                "{at}: gui::{own_name} is in no layer of the GUI: add it to ARCHITECTURE.md and \
                 tests/layers.rs"
            )),
            _ => {}
        }
    }
    out
}

#[test]
fn no_module_uses_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let arrows = upward_arrows(&src);
    assert!(
        arrows.is_empty(),
        "imports that point up a layer (ARCHITECTURE.md):\n{}",
        arrows.join("\n")
    );
}

/// The check itself finds what it is for: an upward import, a group import, a panel using a
/// panel, and a GUI file using the app.
#[test]
fn the_check_finds_upward_imports() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |path: &str, text: &str| {
        let p = src.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("lib.rs", "pub mod eval;\n");
    write(
        "model/mod.rs",
        "use crate::space::Cell;\n// crate::gui in a comment\n",
    );
    write(
        "train/run.rs",
        "use crate::{model::GraphVae, eval::latent_means};\n",
    );
    write("bo/mod.rs", "fn f() { crate::explore::walk(); }\n");
    write(
        "gui/views/walk.rs",
        "use super::map::MapView;\nuse crate::gui::app::Selection;\n",
    );
    write("gui/view.rs", "use super::workspace::Workspace;\n");
    let arrows = upward_arrows(src);
    let expect = [
        "train/run.rs:1: train uses eval",
        "bo/mod.rs:1: bo uses explore",
        "gui/views/walk.rs:1: panel walk uses panel map",
        "gui/views/walk.rs:2: gui::views uses gui::app",
    ];
    for e in expect {
        assert!(
            arrows.iter().any(|a| a.ends_with(e)),
            "missed `{e}` in {arrows:#?}"
        );
    }
    assert_eq!(arrows.len(), expect.len(), "{arrows:#?}");
}

/// The longest a library function may be (ARCHITECTURE.md): beyond it, a function holds more
/// than one stage and a reader cannot see it whole.
const MAX_FUNCTION_LINES: usize = 80;

/// The source text with comments, strings and character literals blanked (newlines kept), so
/// that braces are counted from code only. A `'` starts a character literal only when one
/// character (or an escape) and a closing `'` follow; otherwise it is a lifetime.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            chars.get(i + 1 + hashes) == Some(&'"')
        } {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = i + hashes + 2;
            let rest: String = chars[body_start..].iter().collect();
            let len = rest.find(&close).map_or(rest.chars().count(), |at| {
                rest[..at].chars().count() + close.len()
            });
            for &ch in &chars[i..(body_start + len).min(chars.len())] {
                out.push(blank(ch));
            }
            i = body_start + len;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let step = if chars[i] == '\\' { 2 } else { 1 };
                for &ch in &chars[i..(i + step).min(chars.len())] {
                    out.push(blank(ch));
                }
                i += step;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            let literal = match next {
                Some('\\') => chars[i + 2..]
                    .iter()
                    .position(|&ch| ch == '\'')
                    .map(|at| at + 3),
                Some(_) if chars.get(i + 2) == Some(&'\'') => Some(3),
                _ => None,
            };
            let len = literal.unwrap_or(1);
            for &ch in &chars[i..(i + len).min(chars.len())] {
                out.push(if literal.is_some() { blank(ch) } else { ch });
            }
            i += len;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Every function in `text` with its name, first line and length in lines (the `fn` line to
/// the closing brace); declarations without a body are left out.
fn function_lengths(text: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(text);
    let bytes = code.as_bytes();
    let line_at = |at: usize| code[..at].matches('\n').count() + 1;
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(found) = code[search..].find("fn ") {
        let at = search + found;
        search = at + 3;
        let word_start =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let name: String = code[at + 3..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !word_start || name.is_empty() {
            continue;
        }
        // The body starts at the first `{` outside the signature's brackets; a `;` first means
        // a declaration.
        let mut depth = 0i32;
        let mut body = None;
        for (offset, b) in bytes[at..].iter().enumerate() {
            match b {
                b'(' | b'[' => depth += 1,
                b')' | b']' => depth -= 1,
                b';' if depth == 0 => break,
                b'{' if depth == 0 => {
                    body = Some(at + offset);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = body else { continue };
        let mut braces = 0i32;
        for (offset, b) in bytes[open..].iter().enumerate() {
            match b {
                b'{' => braces += 1,
                b'}' => braces -= 1,
                _ => {}
            }
            if braces == 0 {
                let first = line_at(at);
                out.push((name, first, line_at(open + offset) - first + 1));
                break;
            }
        }
    }
    out
}

/// Every library function (outside `cli/` and `gui/`, the edges) longer than the limit, as
/// "file:line: name is N lines".
fn long_functions(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let module = module_of(file, src);
        if matches!(module.first().map(String::as_str), Some("cli" | "gui")) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (name, line, len) in function_lengths(&text) {
            if len > MAX_FUNCTION_LINES {
                found.push(format!("{}:{line}: {name} is {len} lines", file.display()));
            }
        }
    }
    found
}

#[test]
fn no_library_function_is_longer_than_the_limit() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let long = long_functions(&src);
    assert!(
        long.is_empty(),
        "library functions over {MAX_FUNCTION_LINES} lines (ARCHITECTURE.md: split them into \
         their stages):\n{}",
        long.join("\n")
    );
}

/// The length check measures what it should: braces in strings, raw strings, characters and
/// comments do not count, lifetimes are not characters, a declaration has no body, and a
/// function one line over the limit is found while one at the limit is not.
#[test]
fn the_length_check_counts_lines_of_code_bodies() {
    let body = |lines: usize| "    let x = 1;\n".repeat(lines - 2);
    let text = format!(
        "trait T {{ fn declared(&self); }}\n\
         fn at_limit<'a>(s: &'a str) -> [u8; 2] {{\n{}}}\n\
         pub(crate) fn over() {{\n    let s = \"}}{{\"; let c = '}}'; let r = r#\"{{\"#;\n    // }}\n{}}}\n\
         fn after() {{ /* {{ */ }}\n",
        body(MAX_FUNCTION_LINES),
        body(MAX_FUNCTION_LINES),
    );
    let found = function_lengths(&text);
    let names: Vec<(&str, usize)> = found.iter().map(|(n, _, l)| (n.as_str(), *l)).collect();
    assert_eq!(
        names,
        [
            ("at_limit", MAX_FUNCTION_LINES),
            ("over", MAX_FUNCTION_LINES + 2),
            ("after", 1)
        ],
        "{found:#?}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("model")).unwrap();
    std::fs::create_dir_all(dir.path().join("cli")).unwrap();
    std::fs::write(dir.path().join("model/long.rs"), &text).unwrap();
    std::fs::write(dir.path().join("cli/long.rs"), &text).unwrap();
    let long = long_functions(dir.path());
    assert_eq!(long.len(), 1, "{long:#?}");
    assert!(
        long[0].ends_with("long.rs:82: over is 82 lines"),
        "{long:#?}"
    );
}
