use std::path::Path;
use std::sync::atomic::AtomicBool;

use burn::tensor::Device;

use super::{LatentError, latent_means_cancellable};
use crate::data::Dataset;
use crate::model::GraphVae;
use crate::space::Cell;

/// Latent means of every cell of a data set, row for row with `data.records`.
#[derive(Debug, Clone)]
pub struct Embedding {
    pub means: Vec<Vec<f32>>,
}

impl Embedding {
    pub fn dims(&self) -> usize {
        self.means.first().map_or(0, |r| r.len())
    }
}

/// Encodes every cell of `data`, or reads the cache `cache` when it is newer than the model
/// file `model_file` and has the right shape; writes the cache after encoding. Stops with
/// [`LatentError::Cancelled`] between batches once `cancel` is set.
pub fn embed_dataset(
    model: &GraphVae,
    data: &Dataset,
    device: &Device,
    cache: Option<(&Path, &Path)>,
    cancel: &AtomicBool,
) -> Result<Embedding, LatentError> {
    if let Some((cache, model_file)) = cache
        && let Some(e) = read_cache(cache, model_file, data.len(), model.latent())
    {
        return Ok(e);
    }
    let cells: Vec<&Cell> = data.records.iter().map(|r| &r.cell).collect();
    let means = latent_means_cancellable(model, &cells, data.space, device, cancel)?;
    let embedding = Embedding { means };
    if let Some((cache, _)) = cache {
        let mut bytes = Vec::with_capacity(embedding.means.len() * embedding.dims() * 4 + 8);
        bytes.extend_from_slice(&(embedding.means.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(embedding.dims() as u32).to_le_bytes());
        for v in embedding.means.iter().flatten() {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        if let Err(e) = std::fs::write(cache, bytes) {
            eprintln!(
                "warning: could not cache the latent means at {}: {e}",
                cache.display()
            );
        }
    }
    Ok(embedding)
}

/// The cached means, if the cache is newer than the model file and holds `rows` points of the
/// model's latent size (a cache copied from another run is encoded afresh, not trusted).
fn read_cache(cache: &Path, model_file: &Path, rows: usize, dims: usize) -> Option<Embedding> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(cache)? < modified(model_file)? {
        return None;
    }
    let bytes = std::fs::read(cache).ok()?;
    let word = |i: usize| {
        bytes
            .get(i * 4..i * 4 + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (n, d) = (word(0)? as usize, word(1)? as usize);
    if n != rows || d != dims || d == 0 || bytes.len() != 8 + n * d * 4 {
        return None;
    }
    let values: Vec<f32> = bytes
        .get(8..)?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Some(Embedding {
        means: values.chunks(d).map(|r| r.to_vec()).collect(),
    })
}
