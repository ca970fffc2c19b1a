//! Latent means: the encoder run over many cells, in batches, on every thread the device
//! gains from. Below `train`, `explore`, `eval` and `bo`, which all need it.

use std::sync::atomic::AtomicBool;

use burn::tensor::Device;

use super::LatentError;
use crate::model::{GraphBatch, GraphVae, tensor_values};
use crate::space::{Cell, SpaceKind};

/// Latent means of `cells`, in batches, as rows (one per cell). Cells larger than the space's
/// (grown NB101 cells) get batches of their size.
pub fn latent_means(
    model: &GraphVae,
    cells: &[&Cell],
    space: SpaceKind,
    device: &Device,
) -> Result<Vec<Vec<f32>>, LatentError> {
    latent_means_cancellable(model, cells, space, device, &AtomicBool::new(false))
}

/// [`latent_means`], stopping with [`LatentError::Cancelled`] between batches once `cancel` is set.
pub fn latent_means_cancellable(
    model: &GraphVae,
    cells: &[&Cell],
    space: SpaceKind,
    device: &Device,
    cancel: &AtomicBool,
) -> Result<Vec<Vec<f32>>, LatentError> {
    // 256 cells a batch: encoding 2,048 ENAS cells on one thread, GCN-EMB ran 13,394 / 11,844 /
    // 10,066 / 5,701 graphs/s at 64 / 128 / 256 / 512, D-VAE peaked at 256 (1,509) and SVGe
    // hardly changed (2,318-2,605). Measured in session 4 (BENCHMARKS.md).
    const CHUNK: usize = 256;
    let chunks: Vec<&[&Cell]> = cells.chunks(CHUNK).collect();
    let encode = |chunk: &[&Cell]| -> Result<Vec<Vec<f32>>, LatentError> {
        crate::jobs::check(cancel)?;
        let batch = GraphBatch::new(chunk, GraphBatch::nodes_for(chunk, space), device);
        let (mu, _) = model.encode(&batch);
        let latent = mu.dims()[1].max(1);
        let values: Vec<f32> = tensor_values(mu.into_data())?;
        if values.len() != chunk.len() * latent {
            return Err(LatentError::EncodedCount {
                values: values.len(),
                cells: chunk.len(),
                latent,
            });
        }
        Ok(values.chunks(latent).map(|r| r.to_vec()).collect())
    };
    // Encoding draws no random numbers: chunks run on every thread (CPU only), in any order,
    // and are put back in order.
    let results =
        crate::threads::map_ordered(crate::threads::workers_for(device), &chunks, |c| encode(c));
    let mut out = Vec::with_capacity(cells.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}
