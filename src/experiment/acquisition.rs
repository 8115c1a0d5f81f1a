//! Choosing where to measure next from per-location scores: the highest scores first, no two
//! picks closer than an exclusion radius (greedy non-maximum suppression).

/// Indices into `points` of at most `k` picks: candidates by descending score (ties: the
/// lower index first; NaN scores never picked), each kept when it lies at least `radius`
/// (Euclidean, pixels) from every pick kept before it.
///
/// ```
/// use ferrolab::experiment::pick_top_k;
/// let points = [[0, 0], [0, 1], [5, 5], [9, 9]];
/// let scores = [3.0, 2.5, 1.0, f64::NAN];
/// assert_eq!(pick_top_k(&points, &scores, 3, 2.0), vec![0, 2]); // [0, 1] is too close to [0, 0]
/// assert_eq!(pick_top_k(&points, &scores, 2, 0.0), vec![0, 1]);
/// ```
pub fn pick_top_k(points: &[[usize; 2]], scores: &[f64], k: usize, radius: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len().min(scores.len()))
        .filter(|&i| !scores[i].is_nan())
        .collect();
    // Stable: equal scores keep their index order.
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let r2 = radius * radius;
    let mut picks: Vec<usize> = Vec::with_capacity(k.min(order.len()));
    for i in order {
        if picks.len() == k {
            break;
        }
        let far = picks.iter().all(|&j| {
            let dr = points[i][0] as f64 - points[j][0] as f64;
            let dc = points[i][1] as f64 - points[j][1] as f64;
            dr * dr + dc * dc >= r2
        });
        if far {
            picks.push(i);
        }
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_respect_the_radius_and_the_order() {
        let points: Vec<[usize; 2]> = (0..10).flat_map(|r| (0..10).map(move |c| [r, c])).collect();
        let scores: Vec<f64> = points
            .iter()
            .map(|p| -((p[0] as f64 - 4.0).powi(2) + (p[1] as f64 - 4.0).powi(2)))
            .collect();
        let picks = pick_top_k(&points, &scores, 5, 3.0);
        assert_eq!(points[picks[0]], [4, 4]);
        assert_eq!(picks.len(), 5);
        for (a, &i) in picks.iter().enumerate() {
            for &j in &picks[..a] {
                let d2 = (points[i][0] as f64 - points[j][0] as f64).powi(2)
                    + (points[i][1] as f64 - points[j][1] as f64).powi(2);
                assert!(d2 >= 9.0, "{:?} {:?}", points[i], points[j]);
            }
            assert!(a == 0 || scores[i] <= scores[picks[a - 1]]);
        }
    }

    #[test]
    fn fewer_candidates_than_k_gives_fewer_picks() {
        assert_eq!(pick_top_k(&[[0, 0]], &[1.0], 4, 1.0), vec![0]);
        assert!(pick_top_k(&[], &[], 4, 1.0).is_empty());
    }
}
