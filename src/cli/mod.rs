//! The command-line interface: one sub-command per job.

mod bench_cmd;
mod bo_cmd;
mod compare_cmd;
mod data_cmd;
mod eval_cmd;
mod explore_cmd;
mod extrapolate_cmd;
mod figures_cmd;
mod finetune_cmd;
mod halve_cmd;
mod stats_cmd;
mod tables_cmd;
mod tables_kept;
mod train_cmd;

use clap::{Parser, Subcommand};

pub use bench_cmd::BenchArgs;
pub use data_cmd::DataArgs;
pub use eval_cmd::EvalArgs;
pub use stats_cmd::StatsArgs;
pub use train_cmd::TrainArgs;

#[derive(Debug, Parser)]
#[command(
    name = "cellspace",
    version,
    about = "Graph VAEs on neural-architecture cells, and their latent space"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Threads for the CPU backend's training (data-parallel), encoding and decoding [default:
    /// every core]. Results do not depend on it, up to float round-off.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise a search space's data: counts, op histogram, accuracy range, best cell.
    Data(DataArgs),
    /// Correlate graph properties (average path length, clustering) with accuracy.
    Stats(StatsArgs),
    /// Train a graph VAE (any `--model` of the registry) into a resumable run folder.
    Train(TrainArgs),
    /// Reconstruction accuracy, validity, uniqueness and novelty of a trained run.
    Eval(EvalArgs),
    /// Training, encoding and decoding graphs/s of each model on each backend.
    Bench(BenchArgs),
    /// Latent means of every cell and their PCA coordinates, as CSV.
    Embed(explore_cmd::EmbedArgs),
    /// Decode a great circle (or a line) through the latent space from a cell.
    Walk(explore_cmd::WalkArgs),
    /// Decode a grid over the PCA plane of the latent space.
    Grid(explore_cmd::GridArgs),
    /// Sparse-GP accuracy prediction from latent means: RMSE and Pearson r on the test split.
    Predict(bo_cmd::PredictArgs),
    /// Bayesian optimisation in the latent space against the benchmark table.
    Bo(bo_cmd::BoArgs),
    /// Fine-tune a run's encoder with an accuracy MLP on few labels (SVGe paper, Table II).
    Finetune(finetune_cmd::FinetuneArgs),
    /// Rewrite a run's weights in half precision (f16) where its figures hold (for bundles).
    Halve(halve_cmd::HalveArgs),
    /// Grow an NB101 cell into 8-node cells and rank them by a fine-tuned predictor.
    Extrapolate(extrapolate_cmd::ExtrapolateArgs),
    /// Two or more runs on one space side by side: Table-I figures, GP fit and smoothness.
    Compare(compare_cmd::CompareArgs),
    /// The papers' tables regenerated from the bundled models, beside the published numbers.
    Tables(tables_cmd::TablesArgs),
    /// The papers' figures from the bundled models, headless on the CPU, as PNG and SVG.
    Figures(figures_cmd::FiguresArgs),
    /// Open the explorer window (what `cellspace` alone does, with options).
    Gui(GuiArgs),
}

#[derive(Debug, clap::Args)]
pub struct GuiArgs {
    /// Search space to open with its bundled data (and bundled model, if there is one).
    #[arg(long, value_enum, default_value = "nb201")]
    pub space: crate::space::SpaceKind,
    /// Run folder to open instead of the bundled model.
    #[arg(long)]
    pub run: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: crate::backend::Backend,
    /// Panel to show first: training, map, walk, landscape, bo, candidates, compare or epochs.
    #[arg(long, default_value = "map")]
    pub panel: String,
    /// Write a PNG of the window once the panel has its content, then exit.
    #[arg(long)]
    pub screenshot: Option<std::path::PathBuf>,
    /// With --screenshot: first save the panel's figure here (.png or .svg) through the Save
    /// figure bar's typed path.
    #[arg(long, requires = "screenshot")]
    pub save_figure: Option<std::path::PathBuf>,
}

impl Cli {
    /// Whether the command runs a model (and so needs to know whether a GPU exists).
    pub fn computes(&self) -> bool {
        !matches!(
            self.command,
            Some(Command::Data(_)) | Some(Command::Stats(_))
        )
    }
}

impl GuiArgs {
    fn start_options(&self) -> anyhow::Result<crate::gui::StartOptions> {
        let ids = crate::gui::views::ids();
        anyhow::ensure!(
            ids.contains(&self.panel.as_str()),
            "--panel {}: no such panel (one of: {})",
            self.panel,
            ids.join(", ")
        );
        Ok(crate::gui::StartOptions {
            space: self.space,
            run: self.run.clone(),
            backend: self.backend,
            panel: Some(self.panel.clone()),
            screenshot: self.screenshot.clone(),
            save_figure: self.save_figure.clone(),
        })
    }
}

/// When the process started, for `bench`'s time to the first training batch (a GPU compiles
/// its kernels then; issue: a minute of silence on a fresh machine).
static PROCESS_START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Marks the process's start; `main` calls it first. Later calls keep the first mark.
pub fn mark_process_start() {
    PROCESS_START.get_or_init(std::time::Instant::now);
}

/// Seconds since [`mark_process_start`] (since the first call here, where it was not called).
pub(crate) fn seconds_since_start() -> f64 {
    PROCESS_START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(n) = cli.threads {
        anyhow::ensure!(n > 0, "--threads must be at least 1");
        crate::threads::set_threads(n);
    }
    match cli.command {
        Some(Command::Data(args)) => data_cmd::run(&args),
        Some(Command::Stats(args)) => stats_cmd::run(&args),
        Some(Command::Train(args)) => train_cmd::run(&args),
        Some(Command::Eval(args)) => eval_cmd::run(&args),
        Some(Command::Halve(args)) => halve_cmd::run(&args),
        Some(Command::Bench(args)) => bench_cmd::run(&args),
        Some(Command::Embed(args)) => explore_cmd::embed(&args),
        Some(Command::Walk(args)) => explore_cmd::walk(&args),
        Some(Command::Grid(args)) => explore_cmd::grid(&args),
        Some(Command::Predict(args)) => bo_cmd::predict(&args),
        Some(Command::Bo(args)) => bo_cmd::bo(&args),
        Some(Command::Finetune(args)) => finetune_cmd::run(&args),
        Some(Command::Extrapolate(args)) => extrapolate_cmd::run(&args),
        Some(Command::Compare(args)) => compare_cmd::run(&args),
        Some(Command::Tables(args)) => tables_cmd::run(&args),
        Some(Command::Figures(args)) => figures_cmd::run(&args),
        Some(Command::Gui(args)) => crate::gui::run(args.start_options()?),
        None => crate::gui::run(crate::gui::StartOptions::default()),
    }
}

/// Writes a command's Markdown output to `--out`.
pub(crate) fn write_out(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))
}

/// A progress bar on stderr, hidden when `--json` asks for clean output.
pub(crate) fn progress_bar(len: u64, message: &str, hidden: bool) -> indicatif::ProgressBar {
    if hidden {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:24} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message.to_string());
    bar
}
