use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cellspace::cli::Cli::parse();
    match cellspace::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
