//! Graph properties the operation-embeddings paper relates to accuracy (its appendix C).

use super::Cell;

/// Average shortest directed path length over all ordered pairs of distinct nodes, with
/// unreachable pairs counted as 0 (operation-embeddings paper, eq. 12).
pub fn average_path_length(cell: &Cell) -> f64 {
    let n = cell.len();
    if n < 2 {
        return 0.0;
    }
    let mut total = 0usize;
    for source in 0..n {
        // Breadth-first search: edges have unit length.
        let mut dist = vec![usize::MAX; n];
        dist[source] = 0;
        let mut frontier = vec![source];
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for &v in &frontier {
                for w in (0..n).filter(|&w| cell.has_edge(v, w)) {
                    if dist[w] == usize::MAX {
                        dist[w] = dist[v] + 1;
                        next.push(w);
                    }
                }
            }
            frontier = next;
        }
        total += dist.iter().filter(|&&d| d != usize::MAX).sum::<usize>();
    }
    total as f64 / (n * (n - 1)) as f64
}

/// Global clustering coefficient (transitivity) of the undirected graph: three times the
/// triangles over the connected triples, as igraph's `transitivity_undirected` computes it.
pub fn clustering_coefficient(cell: &Cell) -> f64 {
    let n = cell.len();
    let adjacent = |a: usize, b: usize| cell.has_edge(a, b) || cell.has_edge(b, a);
    let degree = |v: usize| (0..n).filter(|&w| w != v && adjacent(v, w)).count();
    let triples: usize = (0..n)
        .map(|v| degree(v) * degree(v).saturating_sub(1) / 2)
        .sum();
    let mut triangles = 0usize;
    for a in 0..n {
        for b in a + 1..n {
            for c in b + 1..n {
                if adjacent(a, b) && adjacent(b, c) && adjacent(a, c) {
                    triangles += 1;
                }
            }
        }
    }
    if triples == 0 {
        0.0
    } else {
        3.0 * triangles as f64 / triples as f64
    }
}

/// Pearson correlation coefficient; `None` for fewer than two points or zero variance.
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let n = xs.len().min(ys.len());
    if n < 2 {
        return None;
    }
    let mean = |v: &[f64]| v[..n].iter().sum::<f64>() / n as f64;
    let (mx, my) = (mean(xs), mean(ys));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys).take(n) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    let denom = (sxx * syy).sqrt();
    (denom > 0.0).then(|| sxy / denom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_and_triangle() {
        // 0 -> 1 -> 2: distances 1, 2, 1 over 6 ordered pairs.
        let chain = Cell::new(vec![0, 2, 1], &[(0, 1), (1, 2)]).unwrap();
        assert!((average_path_length(&chain) - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(clustering_coefficient(&chain), 0.0);
        let triangle = Cell::new(vec![0, 2, 1], &[(0, 1), (1, 2), (0, 2)]).unwrap();
        // Shortcut 0 -> 2 makes every reachable distance 1.
        assert!((average_path_length(&triangle) - 3.0 / 6.0).abs() < 1e-12);
        assert_eq!(clustering_coefficient(&triangle), 1.0);
    }

    #[test]
    fn clustering_of_a_triangle_with_a_tail() {
        // Triangle 0-1-2 plus edge 2-3: 1 triangle, triples = 1 + 1 + 3 + 0 = 5.
        let cell = Cell::new(vec![0, 2, 2, 1], &[(0, 1), (1, 2), (0, 2), (2, 3)]).unwrap();
        assert!((clustering_coefficient(&cell) - 3.0 / 5.0).abs() < 1e-12);
    }

    #[test]
    fn pearson_known_values() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-12);
        assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_none());
        assert!(pearson(&[1.0], &[1.0]).is_none());
    }
}
