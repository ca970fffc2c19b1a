//! Figures read back: an SVG parses as XML and names its axes, colour bar and legend in text
//! elements; a PNG has the pixel size asked for and is not blank; `cellspace figures` writes
//! both for a few of the papers' figures and refuses a bad `--out` naming it.

use std::process::Command;

use cellspace::figures::{
    CellPanel, CellStrip, ColorBar, Curves, Figure, FigureError, Line, Overlay, OverlayStyle,
    Point, Scatter, Series, Sheet, Size, png, save, svg,
};
use cellspace::space::{Cell, SpaceKind};

fn scatter() -> Scatter {
    let points = (0..400)
        .map(|i| {
            let t = i as f64 / 40.0;
            Point {
                x: t.cos() * (1.0 + t / 10.0),
                y: t.sin() * (1.0 + t / 10.0),
                value: (i % 7 != 0).then_some(70.0 + t),
            }
        })
        .collect();
    let mut fig = Scatter::new("a latent map", "PC 1 axis", "PC 2 axis", points);
    fig.color = Some(ColorBar::robust(
        "accuracy bar (%)",
        (0..400).map(|i| 70.0 + i as f64 / 40.0),
    ));
    fig.overlays.push(Overlay {
        label: "walk legend".into(),
        style: OverlayStyle::Path,
        points: vec![
            Point {
                x: 0.0,
                y: 0.0,
                value: Some(75.0),
            },
            Point {
                x: 0.5,
                y: 0.2,
                value: None,
            },
        ],
    });
    fig
}

fn curves() -> Figure {
    let series = |label: &str, style, f: fn(f64) -> f64| Series {
        label: label.into(),
        points: (1..=30).map(|e| [e as f64, f(e as f64)]).collect(),
        style,
        color: 2,
    };
    Figure::Curves(Curves {
        title: "losses".into(),
        x_label: "epoch axis".into(),
        y_label: "loss axis".into(),
        log_y: true,
        series: vec![
            series("train legend", Line::Solid, |e| 100.0 / e),
            series("test legend", Line::Dashed, |e| 120.0 / e.sqrt()),
            series("dots legend", Line::Dots, |e| 10.0 + e),
        ],
    })
}

fn cells() -> Figure {
    // in -> a -> b -> out, in -> out: a chain with a skip.
    let cell = Cell::new(vec![0, 2, 3, 1], &[(0, 1), (1, 2), (2, 3), (0, 3)]).unwrap();
    Figure::Cells(CellStrip {
        title: "cells".into(),
        space: SpaceKind::Nb201,
        cells: vec![
            CellPanel {
                caption: "first caption".into(),
                cell: Some(cell.clone()),
            },
            CellPanel {
                caption: "second caption".into(),
                cell: None,
            },
        ],
        columns: 0,
    })
}

/// Every text element of an SVG document, which must parse.
fn svg_texts(text: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(text).expect("the SVG parses as XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect()
}

fn assert_names(texts: &[String], wanted: &[&str]) {
    for w in wanted {
        assert!(
            texts.iter().any(|t| t == w),
            "no text element {w:?} among {texts:?}"
        );
    }
}

#[test]
fn an_svg_parses_and_names_its_axes_bar_and_legend() {
    let size = Size::new(640, 420, 1.0);
    let text = svg(&Figure::Scatter(scatter()), size).unwrap();
    assert!(text.contains("<circle"), "points are vector circles");
    assert_names(
        &svg_texts(&text),
        &[
            "a latent map",
            "PC 1 axis",
            "PC 2 axis",
            "accuracy bar (%)",
            "walk legend",
        ],
    );
    let text = svg(&curves(), size).unwrap();
    assert!(text.contains("<polyline"), "curves are vector paths");
    assert_names(
        &svg_texts(&text),
        &[
            "epoch axis",
            "loss axis (log scale)",
            "train legend",
            "test legend",
            "dots legend",
        ],
    );
    let texts = svg_texts(&svg(&cells(), size).unwrap());
    assert_names(
        &texts,
        &[
            "first caption",
            "second caption",
            "in",
            "out",
            "nothing decoded",
        ],
    );
    assert!(
        texts.iter().any(|t| t.starts_with("c3 = ")),
        "the operation legend: {texts:?}"
    );
}

#[test]
fn a_sheet_draws_every_panel_under_its_title() {
    let sheet = Figure::Sheet(Sheet {
        title: "the sheet".into(),
        columns: 2,
        panels: vec![Figure::Scatter(scatter()), curves(), cells()],
    });
    let texts = svg_texts(&svg(&sheet, Size::new(1200, 800, 1.0)).unwrap());
    assert_names(
        &texts,
        &["the sheet", "PC 1 axis", "epoch axis", "first caption"],
    );
}

#[test]
fn a_png_has_the_asked_size_and_is_not_blank() {
    for (size, fig) in [
        (Size::new(500, 300, 1.0), Figure::Scatter(scatter())),
        (Size::new(400, 250, 2.0), curves()),
        (Size::new(300, 200, 1.5), cells()),
    ] {
        let bytes = png(&fig, size).unwrap();
        let image = image::load_from_memory(&bytes).unwrap().to_rgb8();
        let (w, h) = size.pixels();
        assert_eq!(image.dimensions(), (w, h), "{}", fig.title());
        let pixels = image.pixels().count();
        let inked = image.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(
            inked * 50 > pixels,
            "{}: only {inked} of {pixels} pixels drawn",
            fig.title()
        );
        let mut colours: Vec<[u8; 3]> = image.pixels().map(|p| p.0).collect();
        colours.sort_unstable();
        colours.dedup();
        assert!(
            colours.len() > 8,
            "{}: {} colours",
            fig.title(),
            colours.len()
        );
    }
}

#[test]
fn saving_picks_the_format_by_extension_and_refuses_others() {
    let dir = tempfile::tempdir().unwrap();
    let fig = curves();
    let size = Size::new(300, 200, 1.0);
    save(&fig, &dir.path().join("a.SVG"), size).unwrap();
    save(&fig, &dir.path().join("a.png"), size).unwrap();
    let svg_text = std::fs::read_to_string(dir.path().join("a.SVG")).unwrap();
    assert!(svg_text.starts_with("<svg"));
    let png_bytes = std::fs::read(dir.path().join("a.png")).unwrap();
    assert_eq!(&png_bytes[1..4], b"PNG");
    let bad = dir.path().join("a.jpg");
    match save(&fig, &bad, size) {
        Err(e @ FigureError::Format { .. }) => {
            assert!(e.to_string().contains("a.jpg"), "{e}")
        }
        other => panic!("a .jpg was not refused: {other:?}"),
    }
    assert!(matches!(
        save(&fig, &dir.path().join("b.png"), Size::new(4, 4, 1.0)),
        Err(FigureError::Size { .. })
    ));
    let missing = dir.path().join("no-such-folder").join("c.svg");
    let e = save(&fig, &missing, size).unwrap_err();
    assert!(e.to_string().contains("no-such-folder"), "{e}");
}

fn cellspace(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("BURN_DEVICE", "flex")
        .output()
        .expect("the binary runs")
}

#[test]
fn the_figures_command_writes_png_and_svg_of_the_papers_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = cellspace(&[
        "figures", "--out", out, "--only", "emb-fig3", "--only", "emb-fig9", "--json",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let names: Vec<&str> = report["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["emb-fig3-reconstruction", "emb-fig9-dvae-epochs"]);
    let texts = svg_texts(
        &std::fs::read_to_string(dir.path().join("emb-fig3-reconstruction.svg")).unwrap(),
    );
    assert_names(
        &texts,
        &[
            "epoch",
            "reconstruction loss per graph (log scale)",
            "dvae-enas train",
            "dvae-emb-enas test",
        ],
    );
    let texts =
        svg_texts(&std::fs::read_to_string(dir.path().join("emb-fig9-dvae-epochs.svg")).unwrap());
    assert_names(&texts, &["epoch 1", "epoch 20", "PC 1", "accuracy (%)"]);
    let image = image::open(dir.path().join("emb-fig9-dvae-epochs.png")).unwrap();
    assert_eq!((image.width(), image.height()), (1500, 400));
}

#[test]
fn a_bad_out_path_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let run = cellspace(&[
        "figures",
        "--out",
        file.to_str().unwrap(),
        "--only",
        "emb-fig3",
    ]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("a-file") && err.contains("not a folder"),
        "{err}"
    );
    let run = cellspace(&[
        "figures",
        "--out",
        dir.path().to_str().unwrap(),
        "--only",
        "fig99",
    ]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("fig99"));
}
