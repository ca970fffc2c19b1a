//! Choosing where models run: a GPU through wgpu, or Burn's CPU backend (`flex`).
//! Falling back is never silent: the caller gets the reason to show.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why no GPU is used: the reason a fallback to the CPU shows.
#[derive(Debug, Clone, Error)]
pub enum BackendError {
    #[error("no GPU adapter found ({0})")]
    NoAdapter(wgpu::RequestAdapterError),
    #[error("only a software adapter was found ({name})")]
    SoftwareOnly { name: String },
}

/// The backend a user asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A GPU through wgpu (Vulkan, Metal, DX12), falling back to the CPU when none exists.
    #[default]
    Wgpu,
    /// Burn's pure-Rust CPU backend.
    Cpu,
}

/// The device chosen, what to call it, and why the request was not met (if it was not).
pub struct ChosenDevice {
    pub device: burn::tensor::Device,
    /// "wgpu: <adapter name>" or "CPU".
    pub label: String,
    pub fallback: Option<String>,
}

impl ChosenDevice {
    /// Whether this is Burn's CPU backend (where work is split over threads by hand).
    pub fn is_cpu(&self) -> bool {
        is_cpu(&self.device)
    }
}

/// Whether `device` is Burn's CPU backend (plain or with autodiff): the one device cellspace
/// splits work over threads for (a GPU runs a batch on all its cores already).
pub fn is_cpu(device: &burn::tensor::Device) -> bool {
    device.clone().without_autodiff() == burn::tensor::Device::flex()
}

/// Finds a hardware wgpu adapter; software rasterisers (llvmpipe/lavapipe) do not count, since
/// training on them is far slower than on Burn's CPU backend (set
/// `CELLSPACE_ALLOW_SOFTWARE_GPU=1` to use one anyway, e.g. to test the wgpu path).
/// Probed once per process: start-up and every later `choose` share the answer.
pub fn gpu_adapter() -> Result<String, BackendError> {
    static PROBE: std::sync::OnceLock<Result<String, BackendError>> = std::sync::OnceLock::new();
    PROBE.get_or_init(|| quiet_stderr(probe_adapter)).clone()
}

/// Runs `f` with the process's stderr sent to /dev/null: the Vulkan loader and Mesa print
/// lines such as "XDG_RUNTIME_DIR is invalid" while an adapter is looked for, and a probe
/// must not print. The answer (a reason, when no GPU is usable) is returned instead.
#[cfg(unix)]
fn quiet_stderr<T>(f: impl FnOnce() -> T) -> T {
    use std::os::fd::AsRawFd;
    let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") else {
        return f();
    };
    // SAFETY: plain descriptor calls on descriptors this function owns or restores.
    let saved = unsafe { libc::dup(2) };
    if saved < 0 || unsafe { libc::dup2(null.as_raw_fd(), 2) } < 0 {
        return f();
    }
    let out = f();
    // SAFETY: `saved` is the descriptor duplicated above.
    unsafe {
        libc::dup2(saved, 2);
        libc::close(saved);
    }
    out
}

#[cfg(not(unix))]
fn quiet_stderr<T>(f: impl FnOnce() -> T) -> T {
    f()
}

fn probe_adapter() -> Result<String, BackendError> {
    // Vulkan, Metal and DX12 only: Burn computes through those, and probing OpenGL (EGL) only
    // prints display-server noise.
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    descriptor.backends = wgpu::Backends::PRIMARY;
    let instance = wgpu::Instance::new(descriptor);
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        ..Default::default()
    }))
    .map_err(BackendError::NoAdapter)?;
    let info = adapter.get_info();
    let allow_software = std::env::var_os("CELLSPACE_ALLOW_SOFTWARE_GPU").is_some_and(|v| v == "1");
    if info.device_type == wgpu::DeviceType::Cpu && !allow_software {
        return Err(BackendError::SoftwareOnly {
            name: info.name.clone(),
        });
    }
    Ok(format!("{} ({:?})", info.name, info.backend))
}

/// The device for `backend`, falling back to the CPU with a reason when no GPU is usable.
pub fn choose(backend: Backend) -> ChosenDevice {
    let cpu = |fallback| ChosenDevice {
        device: burn::tensor::Device::flex(),
        label: "CPU".into(),
        fallback,
    };
    match backend {
        Backend::Cpu => cpu(None),
        Backend::Wgpu => match gpu_adapter() {
            Ok(name) => ChosenDevice {
                device: burn::tensor::Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
                label: format!("wgpu: {name}"),
                fallback: None,
            },
            Err(reason) => cpu(Some(format!(
                "{reason}; running on the CPU backend instead"
            ))),
        },
    }
}
