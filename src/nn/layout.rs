//! Names and shapes of a model's tensors inside one flat `f32` parameter vector.

/// One named tensor: `shape` in row-major order, stored at `offset..offset + len`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    /// Name, e.g. `encoder.hidden.0.weight` (PyTorch's `[out, in]` weight convention).
    pub name: String,
    /// Shape, row-major.
    pub shape: Vec<usize>,
    /// First element in the flat vector.
    pub offset: usize,
}

impl TensorSpec {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True for a tensor without elements (never produced by the models).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index range inside the flat vector.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.len()
    }
}

/// The tensors of a model in storage order.
///
/// ```
/// let mut layout = ferrolab::nn::ParamLayout::default();
/// let w = layout.push("layer.weight", &[3, 2]);
/// let b = layout.push("layer.bias", &[3]);
/// assert_eq!((w, b, layout.total()), (0..6, 6..9, 9));
/// assert_eq!(layout.get("layer.bias").unwrap().shape, vec![3]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamLayout {
    tensors: Vec<TensorSpec>,
    total: usize,
}

impl ParamLayout {
    /// Append a tensor and return its range in the flat vector.
    pub fn push(&mut self, name: &str, shape: &[usize]) -> std::ops::Range<usize> {
        let spec = TensorSpec {
            name: name.to_owned(),
            shape: shape.to_vec(),
            offset: self.total,
        };
        self.total += spec.len();
        let range = spec.range();
        self.tensors.push(spec);
        range
    }

    /// Total number of parameters.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The tensors in storage order.
    pub fn tensors(&self) -> &[TensorSpec] {
        &self.tensors
    }

    /// The tensor called `name`.
    pub fn get(&self, name: &str) -> Option<&TensorSpec> {
        self.tensors.iter().find(|t| t.name == name)
    }
}
