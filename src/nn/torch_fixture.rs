//! Reading the PyTorch fixtures of the whole-network parity tests (`tests/oracles/*_reference.json`,
//! written by the scripts beside them): number arrays, named tensors gathered into a model's
//! flat vector by its layout, and conversions between f64 and the precision under test.

use super::layout::ParamLayout;
use super::real::Real;
use serde_json::Value;

/// A JSON array of numbers.
pub(crate) fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// The flat vector of `layout` from the fixture's named tensors (`weights` with shapes, or
/// `gradients` without); every tensor of the layout must be there with its shape and length.
pub(crate) fn flat(layout: &ParamLayout, named: &Value, with_shape: bool) -> Vec<f64> {
    let mut out = Vec::with_capacity(layout.total());
    for t in layout.tensors() {
        let v = &named[&t.name];
        assert!(!v.is_null(), "the fixture has no tensor {}", t.name);
        let values = if with_shape {
            let shape: Vec<usize> = numbers(&v["shape"]).iter().map(|d| *d as usize).collect();
            assert_eq!(shape, t.shape, "{}", t.name);
            numbers(&v["values"])
        } else {
            numbers(v)
        };
        assert_eq!(values.len(), t.len(), "{}", t.name);
        out.extend(values);
    }
    out
}

/// `v` in the precision under test.
pub(crate) fn cast<T: Real>(v: &[f64]) -> Vec<T> {
    v.iter().map(|x| T::of(*x)).collect()
}

/// `v` in f64 (exact).
pub(crate) fn widen<T: Real>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to_f64_exact()).collect()
}
