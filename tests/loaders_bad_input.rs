//! Every loader answers bad input with an error naming the file and the line, never a panic.

use std::path::Path;

use cellspace::data::{DataError, load_enas, load_nb101_cells, load_nb101_labels, load_nb201};

const ENAS_HEADER: &str = "line,dvae_used,ops,skips,arc,acc\n";
const ENAS_ROW: &str =
    "0,0,145023,000111111100001,1 4 0 5 0 0 0 1 1 1 2 1 1 1 1 3 0 0 0 0 1,0.7302\n";
const NB201_HEADER: &str = "index,arch_str,ops,c10_test_200\n";
const NB201_ROW: &str = "0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,421211,85.86\n";
const NB101_HEADER: &str = "hash,n,edges,adj,ops\n";
const NB101_ROW: &str = "00005c142e6f48ac74fdcf73e3439874,7,9,0100110001000000010010000010000001000000010000000,02001\n";
const LABEL_HEADER: &str =
    "hash,val_acc_4,val_acc_12,val_acc_36,val_acc_108,train_time_108,params,naslib_val_acc_108\n";
const LABEL_ROW: &str = "00005c142e6f48ac74fdcf73e3439874,0.36,0.42,0.90,0.93,1768.9,8555530,\n";

fn enas(text: &str) -> Result<usize, DataError> {
    load_enas(Path::new("user/enas.csv"), text.as_bytes(), false).map(|r| r.len())
}
fn nb201(text: &str) -> Result<usize, DataError> {
    load_nb201(Path::new("user/nb201.csv"), text.as_bytes(), "c10_test_200").map(|r| r.len())
}
fn nb101(text: &str) -> Result<usize, DataError> {
    load_nb101_cells(Path::new("user/nb101.csv"), text.as_bytes(), true).map(|r| r.len())
}
fn labels(text: &str) -> Result<usize, DataError> {
    load_nb101_labels(Path::new("user/labels.csv"), text.as_bytes()).map(|r| r.len())
}

/// The error names `file` and, when `line` is given, `file:line`.
fn assert_names(result: Result<usize, DataError>, file: &str, line: Option<u64>) -> String {
    let message = result.expect_err("bad input must be refused").to_string();
    assert!(message.contains(file), "'{message}' does not name {file}");
    if let Some(line) = line {
        assert!(
            message.contains(&format!("{file}:{line}:")),
            "'{message}' does not name line {line}"
        );
    }
    message
}

#[test]
fn good_rows_load() {
    assert_eq!(enas(&format!("{ENAS_HEADER}{ENAS_ROW}")).unwrap(), 1);
    assert_eq!(nb201(&format!("{NB201_HEADER}{NB201_ROW}")).unwrap(), 1);
    assert_eq!(nb101(&format!("{NB101_HEADER}{NB101_ROW}")).unwrap(), 1);
    assert_eq!(labels(&format!("{LABEL_HEADER}{LABEL_ROW}")).unwrap(), 1);
}

#[test]
fn empty_files() {
    assert_names(enas(""), "user/enas.csv", None);
    assert_names(nb201(""), "user/nb201.csv", None);
    assert_names(nb101(""), "user/nb101.csv", None);
    assert_names(labels(""), "user/labels.csv", None);
    // A header and nothing else is empty too.
    assert_names(enas(ENAS_HEADER), "user/enas.csv", None);
}

#[test]
fn truncated_last_line() {
    let cut = |row: &str| row[..row.len() / 2].to_string();
    assert_names(
        enas(&format!("{ENAS_HEADER}{ENAS_ROW}{}", cut(ENAS_ROW))),
        "user/enas.csv",
        Some(3),
    );
    assert_names(
        nb201(&format!("{NB201_HEADER}{NB201_ROW}{}", cut(NB201_ROW))),
        "user/nb201.csv",
        Some(3),
    );
    assert_names(
        nb101(&format!("{NB101_HEADER}{NB101_ROW}{}", cut(NB101_ROW))),
        "user/nb101.csv",
        Some(3),
    );
    assert_names(
        labels(&format!("{LABEL_HEADER}{LABEL_ROW}{}", cut(LABEL_ROW))),
        "user/labels.csv",
        Some(3),
    );
}

#[test]
fn wrong_column_count() {
    let extra = |row: &str| row.replace('\n', ",7\n");
    assert_names(
        enas(&format!("{ENAS_HEADER}{}", extra(ENAS_ROW))),
        "user/enas.csv",
        Some(2),
    );
    assert_names(
        nb201(&format!("{NB201_HEADER}{}", extra(NB201_ROW))),
        "user/nb201.csv",
        Some(2),
    );
    assert_names(
        nb101(&format!("{NB101_HEADER}{}", extra(NB101_ROW))),
        "user/nb101.csv",
        Some(2),
    );
    assert_names(
        labels(&format!("{LABEL_HEADER}{}", extra(LABEL_ROW))),
        "user/labels.csv",
        Some(2),
    );
    let missing = enas("line,ops,skips,acc\n0,145023,000111111100001,0.7\n");
    assert!(assert_names(missing, "user/enas.csv", Some(1)).contains("dvae_used"));
}

#[test]
fn garbled_values() {
    assert_names(
        enas(&format!(
            "{ENAS_HEADER}{}",
            ENAS_ROW.replace("0.7302", "0.7x02")
        )),
        "user/enas.csv",
        Some(2),
    );
    assert_names(
        nb201(&format!(
            "{NB201_HEADER}{}",
            NB201_ROW.replace("~0|+", "~0+")
        )),
        "user/nb201.csv",
        Some(2),
    );
    assert_names(
        nb101(&format!(
            "{NB101_HEADER}{}",
            NB101_ROW.replace("00005c14", "zz005c14")
        )),
        "user/nb101.csv",
        Some(2),
    );
    assert_names(
        labels(&format!(
            "{LABEL_HEADER}{}",
            LABEL_ROW.replace("0.93", "nan")
        )),
        "user/labels.csv",
        Some(2),
    );
    let binary = format!("{ENAS_HEADER}0,0,\u{1}\u{2},\u{3},x,y\n");
    assert_names(enas(&binary), "user/enas.csv", Some(2));
}

#[test]
fn out_of_range_ops() {
    assert_names(
        enas(&format!(
            "{ENAS_HEADER}{}",
            ENAS_ROW.replace("145023", "145029")
        )),
        "user/enas.csv",
        Some(2),
    );
    assert_names(
        nb201(&format!(
            "{NB201_HEADER}{}",
            NB201_ROW.replace("421211", "421219")
        )),
        "user/nb201.csv",
        Some(2),
    );
    assert_names(
        nb101(&format!(
            "{NB101_HEADER}{}",
            NB101_ROW.replace(",02001", ",02003")
        )),
        "user/nb101.csv",
        Some(2),
    );
    // An accuracy that is no fraction is out of range too.
    assert_names(
        enas(&format!(
            "{ENAS_HEADER}{}",
            ENAS_ROW.replace("0.7302", "73.02")
        )),
        "user/enas.csv",
        Some(2),
    );
}

#[test]
fn cyclic_graph() {
    // Edge 2 -> 1 below the diagonal closes the cycle 1 -> 2 -> 1.
    let row = "00005c142e6f48ac74fdcf73e3439874,3,3,011001010,0\n";
    let message = assert_names(
        nb101(&format!("{NB101_HEADER}{row}")),
        "user/nb101.csv",
        Some(2),
    );
    assert!(message.contains("cycle"), "{message}");
}

#[test]
fn oversized_graph() {
    let n = 8;
    let adj: String = (0..n * n)
        .map(|k| if k % n == k / n + 1 { '1' } else { '0' })
        .collect();
    let row = format!(
        "00005c142e6f48ac74fdcf73e3439874,{n},{},{adj},000000\n",
        n - 1
    );
    let message = assert_names(
        nb101(&format!("{NB101_HEADER}{row}")),
        "user/nb101.csv",
        Some(2),
    );
    assert!(message.contains("vertices"), "{message}");
    // Ten edges in seven vertices.
    let adj = "0111111001000100010010001000100010000000100000000";
    let row = format!("00005c142e6f48ac74fdcf73e3439874,7,10,{adj},00000\n");
    assert_names(
        nb101(&format!("{NB101_HEADER}{row}")),
        "user/nb101.csv",
        Some(2),
    );
}

#[test]
fn wrong_hash_and_duplicates() {
    let wrong = NB101_ROW.replace(
        "00005c142e6f48ac74fdcf73e3439874",
        "00005c142e6f48ac74fdcf73e3439875",
    );
    assert_names(
        nb101(&format!("{NB101_HEADER}{wrong}")),
        "user/nb101.csv",
        Some(2),
    );
    assert_names(
        labels(&format!("{LABEL_HEADER}{LABEL_ROW}{LABEL_ROW}")),
        "user/labels.csv",
        Some(3),
    );
}

#[test]
fn a_file_cut_short_is_reported() {
    // `0.7302` cut to `0.73`: the value parses, so only the missing final newline tells.
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.csv");
    let whole = format!("{ENAS_HEADER}{ENAS_ROW}{ENAS_ROW}");
    std::fs::write(&cut, &whole[..whole.len() - 3]).unwrap();
    let data = cellspace::data::Dataset::from_file(cellspace::space::SpaceKind::Enas, &cut)
        .expect("a cut file still loads");
    assert_eq!(data.warnings.len(), 1, "{:?}", data.warnings);
    let w = &data.warnings[0];
    assert!(
        w.contains("cut.csv:3:") && w.contains("newline") && w.contains("'0.73'"),
        "{w}"
    );
    // A whole file has no warning.
    let ok = dir.path().join("ok.csv");
    std::fs::write(&ok, &whole).unwrap();
    let data = cellspace::data::Dataset::from_file(cellspace::space::SpaceKind::Enas, &ok).unwrap();
    assert!(data.warnings.is_empty());
    // The CLI says so on stderr.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .args(["data", "--space", "enas", "--file"])
        .arg(&cut)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("warning: ") && err.contains("cut.csv:3:"),
        "{err}"
    );
}
