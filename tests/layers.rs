//! The layers of ARCHITECTURE.md, checked: no module names a module of a higher layer, and no
//! panel of the explorer names another panel. Read from the source text (`crate::x` paths,
//! `use crate::{x, y}` groups and `super::x` inside the GUI), so a new import that points up
//! fails here with the file and line that adds it.

use std::path::{Path, PathBuf};

/// The library's modules, lowest first: each may use only those before it (and itself).
const LIBRARY: &[&str] = &[
    "backend", "jobs", "threads", "space", "data", "model", "latent", "train", "bo", "explore",
    "eval", "run", "gui", "cli",
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
