//! The explorer driven through egui_kittest: the real app on the bundled NB201 data and model.

use std::time::{Duration, Instant};

use cellspace::gui::views::bo::BoPanel;
use cellspace::gui::views::candidates::CandidatesPanel;
use cellspace::gui::views::landscape::LandscapePanel;
use cellspace::gui::views::map::MapPanel;
use cellspace::gui::views::training::TrainingPanel;
use cellspace::gui::views::walk::WalkPanel;
use cellspace::gui::{CellspaceApp, FixedDialogs, Selection, StartOptions};
use cellspace::space::SpaceKind;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn app_harness(dialogs: FixedDialogs) -> Harness<'static, CellspaceApp> {
    harness_with(
        StartOptions {
            space: SpaceKind::Nb201,
            backend: cellspace::backend::Backend::Cpu,
            ..Default::default()
        },
        dialogs,
    )
}

fn harness_with(options: StartOptions, dialogs: FixedDialogs) -> Harness<'static, CellspaceApp> {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_eframe(move |cc| CellspaceApp::with_dialogs(cc, options, Box::new(dialogs)))
}

/// The app on the bundled ENAS data and model, once opened.
fn enas_harness() -> Harness<'static, CellspaceApp> {
    let options = StartOptions {
        space: SpaceKind::Enas,
        backend: cellspace::backend::Backend::Cpu,
        ..Default::default()
    };
    let mut harness = harness_with(options, FixedDialogs::default());
    step_until(
        &mut harness,
        Duration::from_secs(300),
        "the ENAS model",
        |a| a.workspace.is_some() && !a.is_loading(),
    );
    harness
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

/// The open run of the app (the test has checked one is open).
fn open_run(app: &CellspaceApp) -> &cellspace::gui::workspace::OpenRun {
    app.workspace.as_ref().unwrap().run.as_ref().unwrap()
}

/// The app's panel of type `T`.
fn panel<T: cellspace::gui::view::View + 'static>(app: &CellspaceApp) -> &T {
    app.panel::<T>().expect("the app has this panel")
}

fn panel_mut<T: cellspace::gui::view::View + 'static>(app: &mut CellspaceApp) -> &mut T {
    app.panel_mut::<T>().expect("the app has this panel")
}

/// A primary click at `pos`: press, a frame, release, a frame.
fn click_at(harness: &mut Harness<'_, CellspaceApp>, pos: egui::Pos2) {
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        });
        harness.step();
    }
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
    assert_eq!(harness.state().current_id(), "map");
    step_until(&mut harness, Duration::from_secs(10), "the map", |a| {
        panel::<MapPanel>(a).last_rect.is_some() && a.frame.first_map_seconds.is_some()
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
        let run = open_run(app);
        let p = run.pca[best];
        let map = panel::<MapPanel>(app);
        let (_, view) = map.view.unwrap();
        view.to_screen(map.last_rect.unwrap(), [p[0] as f64, p[1] as f64])
    };
    harness.hover_at(pos);
    harness.step();
    click_at(&mut harness, pos);
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
    let tabs: Vec<(&str, &str)> = harness
        .state()
        .views
        .iter()
        .map(|v| (v.id(), v.title()))
        .collect();
    assert_eq!(tabs.len(), 8, "{tabs:?}");
    for (id, title) in tabs {
        harness.get_by_label(title).click();
        harness.step();
        harness.step();
        assert_eq!(harness.state().current_id(), id);
    }

    // Pin the selected cell and export it.
    harness.get_by_label("Pin as candidate").click();
    harness.step();
    assert_eq!(
        panel::<CandidatesPanel>(harness.state()).candidates.len(),
        1
    );
    harness.get_by_label("Candidates").click();
    harness.step();
    assert_eq!(harness.state().current_id(), "candidates");
    harness.get_by_label("Export JSON...").click();
    let file = out.path().join("candidates-nb201.json");
    // The dialog answers on its own thread; the export follows in a later frame.
    step_until(&mut harness, Duration::from_secs(10), "the export", |a| {
        a.notice
            .as_deref()
            .is_some_and(|n| n.starts_with("wrote 1 candidates"))
    });
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
        let t = panel_mut::<TrainingPanel>(harness.state_mut());
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
    assert!(panel::<TrainingPanel>(harness.state()).task.is_some());
    step_until(&mut harness, Duration::from_secs(120), "one epoch", |a| {
        !panel::<TrainingPanel>(a).curves.is_empty()
    });
    harness.get_by_label("Cancel training").click();
    step_until(&mut harness, Duration::from_secs(120), "the cancel", |a| {
        panel::<TrainingPanel>(a).task.is_none()
    });
    let message = panel::<TrainingPanel>(harness.state())
        .message
        .clone()
        .unwrap_or_default();
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
                .is_some_and(|r| r.run.dir == run_dir)
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
    // Without an adapter nothing renders and the shader is never tried: that is a failure,
    // unless whoever runs the tests said on purpose that this machine cannot render.
    if !renderer_available() {
        assert!(
            std::env::var_os("CELLSPACE_SKIP_RENDER").is_some(),
            "no wgpu adapter to render the map with: install one (Debian: mesa-vulkan-drivers, \
             as .ci/run does), or set CELLSPACE_SKIP_RENDER=1 to skip this test knowingly"
        );
        eprintln!("CELLSPACE_SKIP_RENDER is set: the point-shader snapshot is skipped");
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
        harness.state().frame.gpu_points,
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

#[test]
fn without_a_native_dialog_the_path_fields_answer() {
    // FixedDialogs::default() answers every dialog with "nothing chosen", as rfd does where no
    // desktop portal runs.
    let out = tempfile::tempdir().unwrap();
    let mut harness = app_harness(FixedDialogs::default());
    opened(&mut harness);
    let best = harness.state().best_row().unwrap();
    harness.state_mut().selection = Some(Selection::Row(best));
    harness.step();
    harness.get_by_label("Pin as candidate").click();
    harness.step();
    harness.get_by_label("Candidates").click();
    harness.step();
    harness.get_by_label("Export JSON...").click();
    step_until(&mut harness, Duration::from_secs(10), "the answer", |a| {
        a.pending_dialog.is_none() && a.notice.is_some()
    });
    let notice = harness.state().notice.clone().unwrap();
    assert!(
        notice.contains("nothing chosen") && notice.contains("type it"),
        "{notice}"
    );
    // The in-window field, filled with a default, exports where it says (CSV by the name).
    assert!(
        panel::<CandidatesPanel>(harness.state())
            .export
            .ends_with("candidates-nb201.json")
    );
    let file = out.path().join("mine.csv");
    panel_mut::<CandidatesPanel>(harness.state_mut()).export = file.display().to_string();
    harness.step();
    harness.get_by_label("Export here").click();
    harness.step();
    let csv = std::fs::read_to_string(&file).expect("the export wrote the typed path");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    let notice = harness.state().notice.clone().unwrap();
    assert!(notice.starts_with("wrote 1 candidates to"), "{notice}");
    // A path that cannot be written is an error naming it.
    panel_mut::<CandidatesPanel>(harness.state_mut()).export =
        out.path().join("no/such/dir/x.json").display().to_string();
    harness.step();
    harness.get_by_label("Export here").click();
    harness.step();
    let errors = harness.state().errors.clone();
    assert!(
        errors.iter().any(|e| e.contains("no/such/dir")),
        "{errors:?}"
    );
}

/// Starts a job with `start` and cancels it: with the top bar's Cancel button when `button`
/// (jobs that run for seconds), else at once through the app (a job that may end within a
/// frame, which would otherwise race the click). Waits until it is gone and returns the
/// seconds from the cancel to the job's end.
fn start_and_cancel(
    harness: &mut Harness<'_, CellspaceApp>,
    what: &str,
    button: bool,
    start: impl FnOnce(&mut CellspaceApp),
) -> f64 {
    start(harness.state_mut());
    if button {
        harness.step();
        assert!(harness.state().busy(), "{what} started");
        harness.get_by_label("Cancel").click();
    } else {
        let app = harness.state_mut();
        app.decode.as_mut().expect("a decoding job").cancel();
    }
    let clicked = Instant::now();
    step_until(harness, Duration::from_secs(60), what, |a| !a.busy());
    let seconds = clicked.elapsed().as_secs_f64();
    println!("{what}: ended {seconds:.2} s after Cancel");
    assert!(
        harness.state().errors.is_empty(),
        "{what}: {:?}",
        harness.state().errors
    );
    seconds
}

#[test]
fn every_job_kind_cancels_and_its_result_is_never_applied() {
    let mut harness = app_harness(FixedDialogs::default());
    opened(&mut harness);
    let best = harness.state().best_row().unwrap();
    harness.state_mut().selection = Some(Selection::Row(best));
    harness.step();
    let mut latencies = Vec::new();

    latencies.push(start_and_cancel(&mut harness, "t-SNE", true, |a| {
        a.act::<MapPanel, _>(|p, c, acts| p.start_tsne(c, acts));
    }));
    assert!(open_run(harness.state()).tsne.is_none());

    latencies.push(start_and_cancel(&mut harness, "GP prediction", true, |a| {
        a.act::<MapPanel, _>(|p, c, acts| p.start_predict(c, acts));
    }));
    let run = open_run(harness.state());
    assert!(run.predicted.is_none() && run.surrogate.is_none());

    panel_mut::<WalkPanel>(harness.state_mut()).steps = 400;
    latencies.push(start_and_cancel(&mut harness, "walk", true, |a| {
        a.act::<WalkPanel, _>(|p, c, acts| p.start(c, acts));
    }));
    assert!(panel::<WalkPanel>(harness.state()).result.is_empty());

    panel_mut::<LandscapePanel>(harness.state_mut()).size = 60;
    latencies.push(start_and_cancel(&mut harness, "landscape", true, |a| {
        a.act::<LandscapePanel, _>(|p, c, acts| p.start(c, acts));
    }));
    assert!(panel::<LandscapePanel>(harness.state()).points.is_empty());

    latencies.push(start_and_cancel(&mut harness, "BO", true, |a| {
        a.act::<BoPanel, _>(|p, c, acts| p.start(c, acts));
    }));
    let bo = panel::<BoPanel>(harness.state());
    assert!(bo.outcome.is_none() && bo.cancelled);

    let latent = open_run(harness.state()).latents[0].clone();
    latencies.push(start_and_cancel(&mut harness, "decoding", false, |a| {
        a.decode_point(latent, "test".into())
    }));
    assert_eq!(harness.state().selection, Some(Selection::Row(best)));

    // Opening another space: cancelled, the open workspace stays.
    latencies.push(start_and_cancel(&mut harness, "opening ENAS", true, |a| {
        a.open_space(SpaceKind::Enas)
    }));
    assert_eq!(
        harness.state().workspace.as_ref().unwrap().space,
        SpaceKind::Nb201
    );
    println!("cancel latencies (s): {latencies:.2?}");
}

/// Runs a small walk, landscape and BO from the open run's panels and checks their results.
fn walk_landscape_and_bo(harness: &mut Harness<'_, CellspaceApp>, steps: usize, grid: usize) {
    let best = harness.state().best_row().unwrap();
    harness.state_mut().selection = Some(Selection::Row(best));

    // Walk: started from its panel's button, decoded steps from the selected cell.
    harness.get_by_label("Walk").click();
    harness.step();
    panel_mut::<WalkPanel>(harness.state_mut()).steps = steps;
    harness.get_by_label("Start walk").click();
    harness.step();
    assert!(
        panel::<WalkPanel>(harness.state()).task.is_some(),
        "the walk started"
    );
    step_until(harness, Duration::from_secs(120), "the walk", |a| {
        panel::<WalkPanel>(a).task.is_none()
    });
    let app = harness.state();
    let walk = &panel::<WalkPanel>(app).result;
    assert_eq!(walk.len(), steps);
    let run = open_run(app);
    assert_eq!(
        walk[0].latent, run.latents[best],
        "the walk starts at the selected cell's latent mean"
    );

    // Landscape: a grid, every point decoded.
    harness.get_by_label("Landscape").click();
    harness.step();
    panel_mut::<LandscapePanel>(harness.state_mut()).size = grid;
    harness.get_by_label("Decode grid").click();
    harness.step();
    assert!(
        panel::<LandscapePanel>(harness.state()).task.is_some(),
        "the grid started"
    );
    step_until(harness, Duration::from_secs(120), "the grid", |a| {
        panel::<LandscapePanel>(a).task.is_none()
    });
    let landscape = panel::<LandscapePanel>(harness.state());
    assert_eq!(landscape.points.len(), grid * grid);
    assert!(landscape.distinct >= 2);

    // BO: 2 rounds of 4, each evaluation a cell of the table with its true accuracy.
    harness.get_by_label("BO").click();
    harness.step();
    {
        let bo = panel_mut::<BoPanel>(harness.state_mut());
        bo.rounds = 2;
        bo.batch = 4;
    }
    harness.get_by_label("Start BO").click();
    harness.step();
    assert!(
        panel::<BoPanel>(harness.state()).task.is_some(),
        "BO started"
    );
    step_until(harness, Duration::from_secs(300), "BO", |a| {
        panel::<BoPanel>(a).task.is_none()
    });
    let app = harness.state();
    assert!(app.errors.is_empty(), "{:?}", app.errors);
    let outcome = panel::<BoPanel>(app)
        .outcome
        .as_ref()
        .expect("BO recorded its outcome");
    assert_eq!(outcome.evaluations.len(), 8);
    assert!(outcome.best >= outcome.initial_best);
    let data = &app.workspace.as_ref().unwrap().data;
    for e in &outcome.evaluations {
        if let Some(row) = e.row {
            assert_eq!(Some(e.value), data.records[row].accuracy);
        }
    }
}

#[test]
fn walk_landscape_and_bo_run_to_their_results() {
    let mut harness = app_harness(FixedDialogs::default());
    opened(&mut harness);
    // Each panel's map keeps its own pan: dragging the Walk map leaves the Latent map's view.
    let before = panel::<MapPanel>(harness.state()).view;
    assert!(before.is_some(), "the latent map was drawn");
    harness.get_by_label("Walk").click();
    harness.step();
    harness.step();
    let from = egui::pos2(700.0, 600.0);
    let to = from + egui::vec2(90.0, 40.0);
    harness.drag_at(from);
    harness.step();
    harness.hover_at(to);
    harness.step();
    harness.drop_at(to);
    harness.step();
    let walk_view = panel::<WalkPanel>(harness.state())
        .map
        .view()
        .expect("the walk map was drawn");
    let map_before = before.map(|(_, v)| v);
    assert_ne!(Some(walk_view), map_before, "the walk map was panned");
    assert_eq!(
        panel::<MapPanel>(harness.state()).view,
        before,
        "the latent map did not move"
    );
    harness.get_by_label("Latent map").click();
    harness.step();
    walk_landscape_and_bo(&mut harness, 8, 6);
    let best = harness.state().best_row().unwrap();
    assert_eq!(
        panel::<WalkPanel>(harness.state()).result[0].row,
        Some(best),
        "the walk's first point decodes to the selected cell"
    );
    // SVGe figure 3's setting: the plane of the cells above 75 %, a grid over [-0.3, 0.3]^2.
    harness.get_by_label("Landscape").click();
    harness.step();
    harness.get_by_label("SVGe figure 3 settings").click();
    harness.step();
    harness.get_by_label("Decode grid").click();
    harness.step();
    step_until(
        &mut harness,
        Duration::from_secs(120),
        "the grid above 75 %",
        |a| panel::<LandscapePanel>(a).task.is_none(),
    );
    let data = &harness.state().workspace.as_ref().unwrap().data;
    let above = data
        .records
        .iter()
        .filter(|r| r.accuracy.is_some_and(|a| a > 75.0))
        .count();
    let landscape = panel::<LandscapePanel>(harness.state());
    assert!(above > 2 && above < data.len());
    assert_eq!(landscape.plane_cells, above);
    assert_eq!(landscape.grid, (6, 0.3));
    assert_eq!(landscape.points.len(), 36);
    // Every NB201 cell is in the table: every BO evaluation is one of its rows.
    let app = harness.state();
    let outcome = panel::<BoPanel>(app).outcome.as_ref().unwrap();
    assert!(outcome.evaluations.iter().all(|e| e.row.is_some()));
}

/// The model picker lists every bundled ENAS model; each opens from it, and the map, walk,
/// landscape and BO work with it.
#[test]
fn each_bundled_enas_model_opens_from_the_picker_and_explores() {
    let mut harness = enas_harness();
    let bundled = cellspace::gui::bundled_runs(SpaceKind::Enas);
    let names: Vec<String> = bundled
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    let expected = [
        "dvae-emb-enas",
        "dvae-enas",
        "gcn-emb-enas",
        "gcn-enas",
        "graphrnn-enas",
        "svae-enas",
        "svge-enas",
    ];
    for expected in expected {
        assert!(names.contains(&expected.to_string()), "{names:?}");
    }
    for name in names.iter().filter(|n| *n != "svge-enas") {
        // The picker is the combo box that shows the open run.
        harness
            .get(
                egui_kittest::kittest::by()
                    .predicate(|n| n.value().is_some_and(|v| v.starts_with("run: "))),
            )
            .click();
        harness.step();
        harness.step();
        harness.get_by_label(name).click();
        harness.step();
        assert!(harness.state().is_loading(), "{name} is opening");
        step_until(&mut harness, Duration::from_secs(300), name, |a| {
            !a.is_loading()
        });
        let app = harness.state();
        assert!(app.errors.is_empty(), "{name}: {:?}", app.errors);
        let ws = app.workspace.as_ref().unwrap();
        let run = ws.run.as_ref().expect("a model is open");
        assert!(run.run.dir.ends_with(name), "{:?}", run.run.dir);
        assert_eq!(run.latents.len(), ws.data.len());
        assert_eq!(run.pca.len(), ws.data.len());
        walk_landscape_and_bo(&mut harness, 6, 5);
    }
}

#[test]
fn other_runs_curves_are_drawn_beside_the_open_ones_on_a_log_scale() {
    let mut harness = app_harness(FixedDialogs::default());
    opened(&mut harness);
    harness.get_by_label("Data & training").click();
    harness.step();
    let enas = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models/svge-enas");
    panel_mut::<TrainingPanel>(harness.state_mut()).run_field = enas.display().to_string();
    harness.step();
    harness.get_by_label("Add the run folder above").click();
    harness.step();
    harness.step();
    let added = &panel::<TrainingPanel>(harness.state()).compare.added;
    assert_eq!(added.len(), 1, "{:?}", harness.state().errors);
    assert_eq!(added[0].label, "svge-enas (svge)");
    assert_eq!(added[0].epochs.len(), 54);
    // Both runs are in the legends: the open NB201 run's train and test, the added run's train.
    harness.get_by_label("log scale").click();
    harness.step();
    harness.step();
    assert!(panel::<TrainingPanel>(harness.state()).compare.log_scale);
    harness.get_by_label("Reconstruction loss per graph (log scale)");
    assert_eq!(
        harness.get_all_by_label("svge-enas (svge) train").count(),
        2
    );
    assert_eq!(harness.get_all_by_label("svge-nb201 test").count(), 2);
    // A folder that is no run: an error naming it, nothing added.
    panel_mut::<TrainingPanel>(harness.state_mut()).run_field = "/nonexistent/run".into();
    harness.step();
    harness.get_by_label("Add the run folder above").click();
    harness.step();
    harness.step();
    assert_eq!(
        panel::<TrainingPanel>(harness.state()).compare.added.len(),
        1
    );
    let errors = &harness.state().errors;
    assert!(
        errors.iter().any(|e| e.contains("/nonexistent/run")),
        "{errors:?}"
    );
}

/// The Compare panel: the open ENAS run beside the bundled D-VAE run, two maps and the figures;
/// a point hovered in one map is the one marked in both, and a click selects it for the app.
#[test]
fn compare_panel_shows_two_runs_with_linked_hover_and_selection() {
    use cellspace::gui::views::compare::ComparePanel;
    let mut harness = enas_harness();
    harness.get_by_label("Compare").click();
    harness.step();
    harness.get_by_label("dvae-enas").click();
    harness.step();
    fn panel(a: &CellspaceApp) -> &ComparePanel {
        crate::panel::<ComparePanel>(a)
    }
    harness.get_by_label("Compare runs").click();
    harness.step();
    assert!(harness.state().busy(), "the comparison started");
    step_until(
        &mut harness,
        Duration::from_secs(600),
        "the comparison",
        |a| !a.busy(),
    );
    let app = harness.state();
    assert!(app.errors.is_empty(), "{:?}", app.errors);
    let p = panel(app);
    let c = p.result.as_ref().expect("the comparison is shown");
    assert_eq!(c.runs.len(), 2);
    assert!(
        c.runs[0].name.starts_with("svge-enas"),
        "{}",
        c.runs[0].name
    );
    assert!(
        c.runs[1].name.starts_with("dvae-enas"),
        "{}",
        c.runs[1].name
    );
    assert!(c.rows.iter().all(|r| r.values.len() == 2));
    assert_eq!(p.maps.len(), 2);
    // Hover a cell in the second map: it becomes the panel's hovered cell (marked in both).
    let row = 123;
    let pos = p.maps[1].screen_of(row).expect("the map was drawn");
    harness.hover_at(pos);
    harness.step();
    harness.step();
    let p = panel(harness.state());
    let hovered = p.hovered.expect("a point is hovered");
    let near = p.maps[1].screen_of(hovered).unwrap();
    assert!(near.distance(pos) <= 6.0, "{near:?} vs {pos:?}");
    assert!(p.maps[0].screen_of(hovered).is_some());
    // Clicking selects that cell for the whole app (the inspector and every map).
    click_at(&mut harness, pos);
    harness.step();
    assert_eq!(harness.state().selection, Some(Selection::Row(hovered)));
}

/// The Epochs panel on a run with three snapshots: one frame per kept epoch, the newest shown
/// first, Play steps from the first to the last, and a click on a point selects that cell.
#[test]
fn epoch_slider_and_play_step_through_a_runs_snapshots() {
    use cellspace::gui::views::epochs::EpochsPanel;
    use cellspace::model::{ModelKind, VaeConfig};
    use cellspace::train::{TrainConfig, snapshots::SnapshotPlan};
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut vae = VaeConfig::paper(ModelKind::Svge);
    vae.hidden = 16;
    let mut config = TrainConfig::paper(SpaceKind::Nb201, vae);
    config.epochs = 3;
    config.batch_size = 16;
    config.learning_rate = 1e-3;
    config.backend = cellspace::backend::Backend::Cpu;
    config.train_limit = Some(64);
    config.test_limit = Some(16);
    config.snapshots = Some(SnapshotPlan {
        every: 1,
        cells: 300,
    });
    let never = std::sync::atomic::AtomicBool::new(false);
    cellspace::train::train(&config, &run, false, &mut |_| {}, &never).unwrap();

    let options = StartOptions {
        space: SpaceKind::Nb201,
        run: Some(run.clone()),
        backend: cellspace::backend::Backend::Cpu,
        panel: Some("epochs".into()),
        ..Default::default()
    };
    let mut harness = harness_with(options, FixedDialogs::default());
    fn panel(a: &CellspaceApp) -> &EpochsPanel {
        crate::panel::<EpochsPanel>(a)
    }
    step_until(
        &mut harness,
        Duration::from_secs(120),
        "three frames",
        |a| a.workspace.is_some() && panel(a).frames.len() == 3,
    );
    let p = panel(harness.state());
    assert_eq!(p.rows.len(), 300);
    let epochs: Vec<usize> = p.frames.iter().map(|f| f.epoch).collect();
    assert_eq!(epochs, vec![0, 1, 2]);
    assert_eq!(p.index, 2, "the newest epoch is shown first");
    assert!(p.frames.iter().all(|f| f.xy.len() == 300));
    harness.get_by_label("snapshot 3 of 3: epoch 3 (300 cells)");

    harness.get_by_label("Play").click();
    harness.step();
    assert!(panel(harness.state()).playing);
    assert_eq!(
        panel(harness.state()).index,
        0,
        "Play at the end starts over"
    );
    step_until(
        &mut harness,
        Duration::from_secs(30),
        "playing to the end",
        |a| !panel(a).playing,
    );
    assert_eq!(panel(harness.state()).index, 2);
    harness.get_by_label("Play");
    // The t-SNE view: each epoch's map starts from the one before, so successive maps stay
    // closer to each other than a map of the same epoch started afresh.
    harness.get_by_label("t-SNE").click();
    harness.step();
    step_until(
        &mut harness,
        Duration::from_secs(120),
        "the t-SNE maps",
        |a| panel(a).frames.iter().all(|f| f.tsne.is_some()),
    );
    let p = panel(harness.state());
    let (first, second) = (
        p.frames[1].tsne.clone().unwrap(),
        p.frames[2].tsne.clone().unwrap(),
    );
    let means = cellspace::train::snapshots::read_epoch(&run, 2).unwrap();
    let afresh: Vec<[f32; 2]> = cellspace::explore::tsne_2d(&means, 30.0, 300, |_, _| {}, &never)
        .unwrap()
        .into_iter()
        .map(|(x, y)| [x, y])
        .collect();
    let mean_gap = |a: &[[f32; 2]], b: &[[f32; 2]]| {
        a.iter()
            .zip(b)
            .map(|(p, q)| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt())
            .sum::<f32>()
            / a.len() as f32
    };
    let (chained, fresh) = (mean_gap(&first, &second), mean_gap(&first, &afresh));
    assert!(chained < fresh, "chained {chained} vs afresh {fresh}");
    harness.get_by_label("PCA").click();
    harness.step();

    // A click on a sample point selects its row of the table.
    let p = panel(harness.state());
    let pos = p.map().unwrap().screen_of(40).unwrap();
    let rows = p.rows.clone();
    harness.hover_at(pos);
    harness.step();
    click_at(&mut harness, pos);
    harness.step();
    match harness.state().selection {
        Some(Selection::Row(r)) => assert!(rows.contains(&r), "row {r} is not in the sample"),
        ref other => panic!("nothing selected: {other:?}"),
    }
    assert!(
        harness.state().errors.is_empty(),
        "{:?}",
        harness.state().errors
    );
}

/// A walk's points on the t-SNE map: placed against the fixed map (the map does not move), the
/// first step (the selected cell's own latent mean) beside that cell's t-SNE position.
#[test]
fn walk_steps_are_placed_on_the_tsne_map() {
    let mut harness = app_harness(FixedDialogs::default());
    opened(&mut harness);
    let best = harness.state().best_row().unwrap();
    harness.state_mut().selection = Some(Selection::Row(best));
    panel_mut::<WalkPanel>(harness.state_mut()).steps = 6;
    harness
        .state_mut()
        .act::<WalkPanel, _>(|p, c, acts| p.start(c, acts));
    panel_mut::<MapPanel>(harness.state_mut()).tsne_epochs = 200;
    harness
        .state_mut()
        .act::<MapPanel, _>(|p, c, acts| p.start_tsne(c, acts));
    step_until(
        &mut harness,
        Duration::from_secs(300),
        "the walk and t-SNE",
        |a| panel::<WalkPanel>(a).task.is_none() && panel::<MapPanel>(a).tsne_task.is_none(),
    );
    let tsne = open_run(harness.state()).tsne.clone();
    let tsne = tsne.expect("t-SNE finished");
    // The map panel (the one shown) in the t-SNE view places the walk, then draws it.
    assert_eq!(harness.state().current_id(), "map");
    step_until(
        &mut harness,
        Duration::from_secs(120),
        "the placement",
        |a| {
            let map = panel::<MapPanel>(a);
            map.place_task.is_none() && map.placed.as_ref().is_some_and(|p| p.xy.len() == 6)
        },
    );
    let app = harness.state();
    assert!(app.errors.is_empty(), "{:?}", app.errors);
    let placed = panel::<MapPanel>(app)
        .placed
        .as_ref()
        .expect("the walk is placed");
    assert_eq!(placed.xy.len(), 6);
    let run = open_run(app);
    assert!(
        std::sync::Arc::ptr_eq(run.tsne.as_ref().unwrap(), &tsne),
        "the map did not move"
    );
    let (lo, hi) = tsne
        .iter()
        .fold(([f32::MAX; 2], [f32::MIN; 2]), |(lo, hi), p| {
            (
                [lo[0].min(p[0]), lo[1].min(p[1])],
                [hi[0].max(p[0]), hi[1].max(p[1])],
            )
        });
    let extent = (hi[0] - lo[0]).max(hi[1] - lo[1]);
    let d = ((placed.xy[0][0] - tsne[best][0]).powi(2) + (placed.xy[0][1] - tsne[best][1]).powi(2))
        .sqrt();
    assert!(
        d < 0.05 * extent,
        "first step placed {d} from its cell (map extent {extent})"
    );
}

/// The inspector asks for a walk without knowing the Walk panel: the request reaches it, the
/// walk starts from the selected cell and its tab is shown; its steps appear on the latent map.
#[test]
fn walk_from_here_reaches_the_walk_panel_and_the_map_shows_it() {
    let mut harness = app_harness(FixedDialogs::default());
    opened(&mut harness);
    let best = harness.state().best_row().unwrap();
    harness.state_mut().selection = Some(Selection::Row(best));
    panel_mut::<WalkPanel>(harness.state_mut()).steps = 5;
    harness.step();
    harness.get_by_label("Walk from here").click();
    harness.step();
    assert_eq!(harness.state().current_id(), "walk");
    step_until(&mut harness, Duration::from_secs(120), "the walk", |a| {
        panel::<WalkPanel>(a).task.is_none()
    });
    let walk = &panel::<WalkPanel>(harness.state()).result;
    assert_eq!(walk.len(), 5);
    assert_eq!(walk[0].latent, open_run(harness.state()).latents[best]);
    assert!(
        harness.state().errors.is_empty(),
        "{:?}",
        harness.state().errors
    );
    // The Latent map tab draws the walk: the map panel sees it on the board.
    harness.get_by_label("Latent map").click();
    harness.step();
    harness.step();
    let board_walk = harness
        .state()
        .views
        .iter()
        .filter_map(|v| {
            let mut board = cellspace::gui::view::Board::default();
            v.publish(&mut board);
            board.overlays.into_iter().next()
        })
        .next()
        .expect("the walk is published for the maps");
    assert_eq!(board_walk.latents.len(), 5);
}

/// Panel settings survive a relaunch (what eframe's storage keeps is `KeptSettings` as JSON),
/// survive opening another run, and "Reset panel settings" brings back the defaults.
#[test]
fn panel_settings_are_kept_between_launches_and_reset_from_the_menu() {
    use cellspace::gui::KeptSettings;
    use cellspace::gui::views::map::Projection;
    use cellspace::gui::views::walk::WalkMode;
    let mut first = app_harness(FixedDialogs::default());
    opened(&mut first);
    {
        let app = first.state_mut();
        let map = panel_mut::<MapPanel>(app);
        map.projection = Projection::Tsne;
        map.radius = 4.0;
        map.min_accuracy = 60.0;
        let walk = panel_mut::<WalkPanel>(app);
        walk.steps = 30;
        walk.mode = WalkMode::Line;
        panel_mut::<BoPanel>(app).rounds = 4;
        panel_mut::<LandscapePanel>(app).size = 11;
        panel_mut::<CandidatesPanel>(app).top = 9;
    }
    // What `save` writes, read back as the next launch reads it.
    let text = serde_json::to_string(&first.state().kept_settings()).unwrap();
    let kept: KeptSettings = serde_json::from_str(&text).unwrap();
    let mut second = app_harness(FixedDialogs::default());
    opened(&mut second);
    second.state_mut().apply_settings(&kept, true);
    // Reopening the workspace resets the panels' results, not their settings.
    let app = second.state();
    let map = panel::<MapPanel>(app);
    assert_eq!(
        (map.projection, map.radius, map.min_accuracy),
        (Projection::Tsne, 4.0, 60.0)
    );
    let walk = panel::<WalkPanel>(app);
    assert_eq!((walk.steps, walk.mode), (30, WalkMode::Line));
    assert_eq!(panel::<BoPanel>(app).rounds, 4);
    assert_eq!(panel::<LandscapePanel>(app).size, 11);
    assert_eq!(panel::<CandidatesPanel>(app).top, 9);
    assert_eq!(
        serde_json::to_value(second.state().kept_settings()).unwrap(),
        serde_json::to_value(&kept).unwrap()
    );
    // Open the same space again: the settings stay.
    second
        .state_mut()
        .open_space(cellspace::space::SpaceKind::Nb201);
    step_until(&mut second, Duration::from_secs(120), "reopened", |a| {
        a.workspace.is_some() && !a.is_loading()
    });
    assert_eq!(panel::<WalkPanel>(second.state()).steps, 30);
    assert_eq!(panel::<MapPanel>(second.state()).radius, 4.0);
    // The menu's reset.
    second.get_by_label("Settings").click();
    for _ in 0..3 {
        second.step();
    }
    second.get_by_label("Reset panel settings").click();
    second.step();
    let app = second.state();
    assert_eq!(panel::<WalkPanel>(app).steps, WalkPanel::default().steps);
    assert_eq!(panel::<MapPanel>(app).projection, Projection::Pca);
    assert_eq!(panel::<BoPanel>(app).rounds, BoPanel::default().rounds);
}

#[test]
fn save_figure_writes_the_panels_figure_through_the_dialog_and_the_typed_path() {
    let out = tempfile::tempdir().unwrap();
    let mut harness = app_harness(FixedDialogs {
        save_dir: Some(out.path().to_path_buf()),
        ..Default::default()
    });
    opened(&mut harness);
    step_until(&mut harness, Duration::from_secs(10), "the map", |a| {
        panel::<MapPanel>(a).last_rect.is_some()
    });
    // Through the dialog: the map alone, at the bar's size, under the name it proposes.
    harness.state_mut().figure_saver.width = 640;
    harness.state_mut().figure_saver.height = 400;
    harness.state_mut().figure_saver.scale = 1.5;
    harness.step();
    harness.get_by_label("Save figure...").click();
    step_until(&mut harness, Duration::from_secs(20), "the save", |a| {
        a.pending_dialog.is_none() && a.notice.is_some()
    });
    let png = out.path().join("map-nb201.png");
    let image = image::open(&png)
        .unwrap_or_else(|e| panic!("{}: {e}; {:?}", png.display(), harness.state().errors));
    assert_eq!((image.width(), image.height()), (960, 600));
    // Through the typed path, as SVG by its extension: the map's axes and colour bar named.
    let svg = out.path().join("typed.svg");
    harness.state_mut().figure_saver.typed = svg.display().to_string();
    harness.step();
    harness.get_by_label("Save").click();
    harness.step();
    let text = std::fs::read_to_string(&svg).expect("the typed path was written");
    let doc = roxmltree::Document::parse(&text).expect("the SVG parses");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::trim))
        .collect();
    for name in ["PC 1", "PC 2", "accuracy (%)"] {
        assert!(texts.contains(&name), "{name} not in {texts:?}");
    }
    assert!(
        harness
            .state()
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("typed.svg"),
        "{:?}",
        harness.state().notice
    );
    // A panel with nothing to draw says so instead of writing an empty picture.
    harness.get_by_label("Walk").click();
    harness.step();
    harness.state_mut().figure_saver.typed = out.path().join("walk.png").display().to_string();
    harness.step();
    harness.get_by_label("Save").click();
    harness.step();
    assert!(!out.path().join("walk.png").exists());
    let errors = harness.state().errors.clone();
    assert!(
        errors.iter().any(|e| e.contains("nothing to draw")),
        "{errors:?}"
    );
}
