# Manifold learning (paper 004's comparison with the rVAE's latents), in the package's one
# convention: data are features x samples (d x n, one sample per column) and an embedding is
# k x n, so both cross to C's row-major n x d and n x k without a copy (see analysis.jl).
# `k` sets the embedding's dimension; the keys tsne.n_components, mds.n_components and
# isomap.n_components are not read (as in the C API).

"""
    tsne(x, k=2, cfg=nothing) -> (embedding, kl_divergence)

t-SNE of the columns of `x` (d x n) with scikit-learn's definition (keys tsne.*: perplexity 30,
below n; 1000 iterations; Barnes-Hut; PCA start; seed 0): `embedding` k x n and the final
Kullback-Leibler divergence."""
function tsne(x::AbstractMatrix{<:Real}, k::Integer=2, cfg::Union{Config,Nothing}=nothing)
    x = dense(x)
    d, n = size(x)
    embedding, kl = Matrix{Float64}(undef, k, n), Ref{Float64}(0)
    check(ccall((:ferrolab_tsne, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ref{Float64}),
                cfgptr(cfg), x, n, d, k, embedding, kl))
    (embedding=embedding, kl_divergence=kl[])
end

"""
    mds(x, k=2, cfg=nothing) -> (embedding, stress)

Metric MDS of the columns of `x` (d x n): scikit-learn 1.9's SMACOF (keys mds.*), or classical
scaling with mds.method = "classical". `embedding` k x n and its raw stress, the sum over pairs
of (distance - dissimilarity)^2."""
function mds(x::AbstractMatrix{<:Real}, k::Integer=2, cfg::Union{Config,Nothing}=nothing)
    x = dense(x)
    d, n = size(x)
    embedding, stress = Matrix{Float64}(undef, k, n), Ref{Float64}(0)
    check(ccall((:ferrolab_mds, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ref{Float64}),
                cfgptr(cfg), x, n, d, k, embedding, stress))
    (embedding=embedding, stress=stress[])
end

"""
    isomap(x, k=2, cfg=nothing) -> (embedding, reconstruction_error)

Isomap of the columns of `x` (d x n), scikit-learn's (key isomap.n_neighbors, 5): `embedding`
k x n (each component's sign is arbitrary) and scikit-learn's `reconstruction_error()`."""
function isomap(x::AbstractMatrix{<:Real}, k::Integer=2, cfg::Union{Config,Nothing}=nothing)
    x = dense(x)
    d, n = size(x)
    embedding, err = Matrix{Float64}(undef, k, n), Ref{Float64}(0)
    check(ccall((:ferrolab_isomap, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ref{Float64}),
                cfgptr(cfg), x, n, d, k, embedding, err))
    (embedding=embedding, reconstruction_error=err[])
end

"""
    trustworthiness(x, y, n_neighbors=5) -> Float64

Trustworthiness of the embedding `y` (k x n) of `x` (d x n), scikit-learn's (Euclidean): 1 when
every embedded neighbourhood holds only original neighbours; `n_neighbors` below n / 2."""
function trustworthiness(x::AbstractMatrix{<:Real}, y::AbstractMatrix{<:Real}, n_neighbors::Integer=5)
    x, y = dense(x), dense(y)
    d, n = size(x)
    size(y, 2) == n || throw(ArgumentError("x has $n samples (columns), y $(size(y, 2))"))
    k = size(y, 1)
    out = Ref{Float64}(0)
    check(ccall((:ferrolab_trustworthiness, lib), Int32,
                (Ptr{Float64}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Csize_t, Ref{Float64}),
                x, y, n, d, k, n_neighbors, out))
    out[]
end
