//! The pixels of a disc, clipped to the image: the a-fraction's neighbourhood and the
//! anomalies' extent.

/// The pixels of the disc of `radius` px around `centre` (pixel centres at distance <= radius)
/// that lie in a `rows` x `cols` image, row by row.
pub(crate) fn disc(
    centre: [usize; 2],
    radius: f64,
    rows: usize,
    cols: usize,
) -> impl Iterator<Item = [usize; 2]> {
    let reach = radius.max(0.0).floor() as usize;
    let [ci, cj] = centre;
    (ci.saturating_sub(reach)..(ci + reach + 1).min(rows)).flat_map(move |r| {
        (cj.saturating_sub(reach)..(cj + reach + 1).min(cols)).filter_map(move |c| {
            let (dr, dc) = (r as f64 - ci as f64, c as f64 - cj as f64);
            (dr * dr + dc * dc <= radius * radius).then_some([r, c])
        })
    })
}
