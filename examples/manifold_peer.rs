//! ferrolab's side of the manifold peer bench (benches/manifold_peer/run.sh, benches/README.md
//! "Manifold learning against scikit-learn"): t-SNE (Barnes-Hut, defaults), MDS (SMACOF,
//! n_init 1, max_iter 300, eps 1e-6) and Isomap (5 neighbours, 2 components) on the matrix
//! that the Python side saved, on 2 threads, one call each, printed beside scikit-learn's
//! times and quality numbers (trustworthiness k = 5, stress, reconstruction error).
//!
//! `cargo run --release --example manifold_peer -- DATA.npy [SKLEARN.jsonl] [tsne] [mds] [isomap]`
use ferrolab::analysis::{Isomap, Mds, Tsne, trustworthiness};
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = args
        .first()
        .expect("usage: manifold_peer DATA.npy [SKLEARN.jsonl] [methods]");
    let x = ferrolab::io::matrix::read_matrix(Path::new(data)).expect("read the data");
    let mut rest = &args[1..];
    let mut theirs: HashMap<String, serde_json::Value> = HashMap::new();
    if let Some(first) = rest.first()
        && first.ends_with(".jsonl")
    {
        for line in std::fs::read_to_string(first).unwrap_or_default().lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                theirs.insert(v["method"].as_str().unwrap_or("").to_string(), v);
            }
        }
        rest = &rest[1..];
    }
    let methods: Vec<&str> = if rest.is_empty() {
        vec!["tsne", "mds", "isomap"]
    } else {
        rest.iter().map(String::as_str).collect()
    };
    ferrolab::parallel::set_num_threads(2).expect("2 threads");
    let (n, d) = x.dim();
    println!("ferrolab on {n} x {d}, 2 threads");
    println!("| method | scikit-learn | ferrolab | ratio | quality: scikit-learn vs ferrolab |");
    println!("|---|---:|---:|---:|---|");
    for m in methods {
        let start = Instant::now();
        let (name, quality, extra) = match m {
            "tsne" => {
                let fit = Tsne::params().fit(x.view()).expect("t-SNE");
                let secs = start.elapsed().as_secs_f64();
                let t = trustworthiness(x.view(), fit.embedding.view(), 5).expect("trust");
                let extra = format!(
                    "KL {:.4}, {} iterations; fit {secs:.2} s",
                    fit.kl_divergence, fit.n_iter
                );
                ("trustworthiness", (t, secs), extra)
            }
            "mds" => {
                let fit = Mds::params().fit(x.view()).expect("MDS");
                let secs = start.elapsed().as_secs_f64();
                (
                    "stress",
                    (fit.stress, secs),
                    format!("{} iterations", fit.n_iter),
                )
            }
            "isomap" => {
                let iso = Isomap::params().fit(x.view()).expect("Isomap");
                let secs = start.elapsed().as_secs_f64();
                (
                    "reconstruction error",
                    (iso.reconstruction_error(), secs),
                    String::new(),
                )
            }
            other => panic!("unknown method {other}"),
        };
        let (q, secs) = quality;
        let (their_secs, their_q) = theirs
            .get(m)
            .map(|v| {
                (
                    v["seconds"].as_f64().unwrap_or(f64::NAN),
                    v["quality"].as_f64().unwrap_or(f64::NAN),
                )
            })
            .unwrap_or((f64::NAN, f64::NAN));
        println!(
            "| {m} | {their_secs:.2} s | {secs:.2} s | {:.2}x | {name} {their_q:.6} vs {q:.6} ({extra}) |",
            their_secs / secs
        );
    }
}
