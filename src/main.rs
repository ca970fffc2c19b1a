use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cellspace::cli::Cli::parse();
    // Burn materialises some state (a resumed optimizer's) on its default device, which is wgpu:
    // without a usable GPU make that default the CPU backend, before any thread starts. Only
    // commands that compute probe the GPU (`data` and `stats` stay quiet and fast).
    if cli.computes()
        && std::env::var_os("BURN_DEVICE").is_none()
        && cellspace::backend::gpu_adapter().is_err()
    {
        // SAFETY: nothing else runs yet; no other thread reads the environment.
        unsafe { std::env::set_var("BURN_DEVICE", "flex") };
    }
    match cellspace::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
