use clap::Parser;

fn main() -> std::process::ExitCode {
    cellspace::cli::mark_process_start();
    keep_freed_memory();
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

/// glibc's malloc hands every freed block above 128 KiB back to the kernel. Burn's CPU backend
/// allocates and frees tensors of that size many times per batch, so each new one cost page
/// faults and zeroing by the kernel: about 12 % of encoding time in a profile. Keeping freed
/// memory in the heap made `eval` 18 % and `embed` about 15 % faster (BENCHMARKS.md).
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; nothing else runs yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}
