//! The explorer driven through egui_kittest: the real app on the bundled NB201 data and model.

use std::time::{Duration, Instant};

use cellspace::gui::{CellspaceApp, FixedDialogs, Panel, Selection, StartOptions};
use cellspace::space::SpaceKind;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn app_harness(dialogs: FixedDialogs) -> Harness<'static, CellspaceApp> {
    let options = StartOptions {
        space: SpaceKind::Nb201,
        backend: cellspace::backend::Backend::Cpu,
        ..Default::default()
    };
    Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(move |cc| CellspaceApp::with_dialogs(cc, options, Box::new(dialogs)))
}

/// Steps the app until `done` holds, failing after `limit`.
fn step_until(
    harness: &mut Harness<'_, CellspaceApp>,
    limit: Duration,
    what: &str,
    done: impl Fn(&CellspaceApp) -> bool,
) {
    let start = Instant::now();
    while !done(harness.state()) {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}; errors: {:?}",
            harness.state().errors
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.step();
}

fn opened(harness: &mut Harness<'_, CellspaceApp>) {
    step_until(
        harness,
        Duration::from_secs(300),
        "the bundled model",
        |a| a.workspace.is_some() && !a.is_loading(),
    );
    let app = harness.state();
    assert!(app.errors.is_empty(), "{:?}", app.errors);
    let ws = app.workspace.as_ref().unwrap();
    assert_eq!(ws.data.len(), 15_625);
    let run = ws.run.as_ref().expect("the bundled NB201 model is open");
    assert_eq!(run.latents.len(), 15_625);
}

#[test]
fn opens_selects_pins_and_exports() {
    let out = tempfile::tempdir().unwrap();
    let mut harness = app_harness(FixedDialogs {
        save_dir: Some(out.path().to_path_buf()),
        ..Default::default()
    });
    opened(&mut harness);
    // The first screen is the latent map, drawn.
    assert_eq!(harness.state().panel, Panel::Map);
    step_until(&mut harness, Duration::from_secs(10), "the map", |a| {
        a.map.last_rect.is_some() && a.first_map_seconds.is_some()
    });

    // Click on the point of the best cell: the inspector shows it.
    let best = {
        let ws = harness.state().workspace.as_ref().unwrap();
        let b = ws.data.best().unwrap();
        ws.data
            .records
            .iter()
            .position(|r| std::ptr::eq(r, b))
            .unwrap()
    };
    let pos = {
        let app = harness.state();
        let run = app.workspace.as_ref().unwrap().run.as_ref().unwrap();
        let p = run.pca[best];
        let (_, view) = app.map.view.unwrap();
        view.to_screen(app.map.last_rect.unwrap(), [p[0] as f64, p[1] as f64])
    };
    harness.hover_at(pos);
    harness.step();
    harness.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    harness.step();
    harness.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    });
    harness.step();
    harness.step();
    let selected = harness.state().selection.clone();
    let Some(Selection::Row(row)) = selected else {
        panic!("clicking a point selects it, got {selected:?}");
    };
    // Points may overlap: the click picks the nearest one, which is drawn where the best is.
    let ws = harness.state().workspace.as_ref().unwrap();
    let run = ws.run.as_ref().unwrap();
    let (a, b) = (run.pca[row], run.pca[best]);
    assert!((a[0] - b[0]).abs() < 0.2 && (a[1] - b[1]).abs() < 0.2);
    let id = harness.state().workspace.as_ref().unwrap().data.records[row]
        .id
        .clone();
    harness.get_by_label(&format!("yes, id {id}"));
    harness.get_by_label("avg path length");

    // Switch through every panel.
    for p in Panel::ALL {
        harness.get_by_label(p.title()).click();
        harness.step();
        harness.step();
        assert_eq!(harness.state().panel, p);
    }

    // Pin the selected cell and export it.
    harness.get_by_label("Pin as candidate").click();
    harness.step();
    assert_eq!(harness.state().candidates.len(), 1);
    harness.get_by_label("Export JSON...").click();
    harness.step();
    harness.step();
    let file = out.path().join("candidates-nb201.json");
    let text = std::fs::read_to_string(&file).expect("the export wrote a file");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0]["id"],
        serde_json::json!(harness.state().workspace.as_ref().unwrap().data.records[row].id)
    );
    assert!(list[0]["arch_str"].as_str().unwrap().starts_with('|'));
    assert!(list[0]["matrix"].is_array() && list[0]["ops"].is_array());
}

#[test]
fn starts_and_cancels_a_training_run() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let mut harness = app_harness(FixedDialogs::default());
    opened(&mut harness);
    harness.get_by_label("Data & training").click();
    harness.step();
    {
        let t = &mut harness.state_mut().training;
        t.config.epochs = 500;
        t.config.test_limit = Some(16);
        t.config.backend = cellspace::backend::Backend::Cpu;
        t.vae.hidden = 16;
        t.train_limit = 64;
        t.out_dir = run_dir.display().to_string();
    }
    harness.step();
    harness.get_by_label("Start training").click();
    harness.step();
    assert!(harness.state().training.task.is_some());
    step_until(&mut harness, Duration::from_secs(120), "one epoch", |a| {
        !a.training.curves.is_empty()
    });
    harness.get_by_label("Cancel training").click();
    step_until(&mut harness, Duration::from_secs(120), "the cancel", |a| {
        a.training.task.is_none()
    });
    let message = harness.state().training.message.clone().unwrap_or_default();
    assert!(message.contains("cancelled"), "{message}");
    let manifest = cellspace::train::RunManifest::read(&run_dir).unwrap();
    assert_eq!(manifest.status, "cancelled");
    assert!(manifest.completed_epochs() >= 1 && manifest.completed_epochs() < 500);
    // The finished run can be opened from the panel.
    harness.get_by_label("Open this run").click();
    step_until(&mut harness, Duration::from_secs(300), "the new run", |a| {
        !a.is_loading()
            && a.workspace
                .as_ref()
                .and_then(|w| w.run.as_ref())
                .is_some_and(|r| r.dir == run_dir)
    });
}

#[test]
fn a_bad_run_folder_is_an_error_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("run.json"), "{ not json").unwrap();
    let bad_csv = dir.path().join("broken.csv");
    std::fs::write(
        &bad_csv,
        "arch_index,arch_str,ops,c10_test_200\n0,|x~0|,000000,91\n",
    )
    .unwrap();
    let mut harness = app_harness(FixedDialogs {
        folder: Some(dir.path().to_path_buf()),
        file: Some(bad_csv),
        ..Default::default()
    });
    opened(&mut harness);
    harness.get_by_label("Open run...").click();
    step_until(&mut harness, Duration::from_secs(60), "the error", |a| {
        !a.is_loading() && !a.errors.is_empty()
    });
    let app = harness.state();
    assert!(app.errors[0].contains("run.json"), "{:?}", app.errors);
    // The previous workspace stays open.
    assert!(app.workspace.as_ref().unwrap().run.is_some());

    // A malformed data file: an error naming the file, the workspace kept.
    harness.get_by_label("Data & training").click();
    harness.step();
    harness.get_by_label("Open data file...").click();
    step_until(
        &mut harness,
        Duration::from_secs(60),
        "the second error",
        |a| !a.is_loading() && a.errors.len() == 2,
    );
    let app = harness.state();
    assert!(app.errors[1].contains("broken.csv"), "{:?}", app.errors);
    assert_eq!(app.workspace.as_ref().unwrap().data.len(), 15_625);
}

/// Whether any wgpu adapter (a software one included) exists to render snapshots with.
fn renderer_available() -> bool {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default())).is_ok()
}

#[test]
fn renders_the_map_through_the_point_shader() {
    if !renderer_available() {
        eprintln!("no wgpu adapter: snapshot skipped (install mesa-vulkan-drivers for one)");
        return;
    }
    let options = StartOptions {
        space: SpaceKind::Nb201,
        backend: cellspace::backend::Backend::Cpu,
        ..Default::default()
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .wgpu()
        .build_eframe(move |cc| {
            CellspaceApp::with_dialogs(cc, options, Box::new(FixedDialogs::default()))
        });
    opened(&mut harness);
    assert!(
        harness.state().gpu_points,
        "the wgpu renderer carries the point shader"
    );
    harness.step();
    let image = harness.render().expect("the map renders");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gui-snapshots");
    std::fs::create_dir_all(&dir).unwrap();
    image.save(dir.join("map.png")).unwrap();
    // The map's centre holds coloured points: more than a handful of distinct colours.
    let (w, h) = image.dimensions();
    let mut colours = std::collections::HashSet::new();
    for y in (h / 4..3 * h / 4).step_by(3) {
        for x in (w / 3..2 * w / 3).step_by(3) {
            colours.insert(image.get_pixel(x, y).0);
        }
    }
    assert!(
        colours.len() > 20,
        "only {} colours in the map area",
        colours.len()
    );
}
