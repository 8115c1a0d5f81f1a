# Linear baselines and clustering, in the package's one convention: data are features x
# samples (d x n, one sample per column), as the GP and VAE wrappers take them.
#
# Why no copy: the C functions take row-major arrays, x (n x d) stored sample after sample.
# A Julia Matrix is column-major, so a d x n Matrix is stored column after column, that is
# sample after sample: the very same bytes. We pass the Julia matrix as is, with the C
# dimensions (n, d) = reversed(size(x)); row-major outputs (a x b) likewise land in Julia
# matrices allocated b x a. `dense` only converts inputs that are not already a
# Matrix{Float64} (a view, an Adjoint, integers); a plain Matrix{Float64} is passed through.

dense(x::Matrix{Float64}) = x
dense(x::AbstractMatrix{<:Real}) = Matrix{Float64}(x)
cfgptr(cfg) = cfg === nothing ? C_NULL : cfg.handle

"""
    pca(x, k; center=1) -> (components, explained_variance, scores)

PCA of `x` (d x n): `components` d x k (one unit component per column, its largest-magnitude
entry positive), `explained_variance` (k), `scores` k x n. `center`: 0 = none (truncated SVD),
1 = centre each feature, 2 = standardise."""
function pca(x::AbstractMatrix{<:Real}, k::Integer; center::Integer=1)
    x = dense(x)
    d, n = size(x)
    comps, var, scores = Matrix{Float64}(undef, d, k), Vector{Float64}(undef, k), Matrix{Float64}(undef, k, n)
    check(ccall((:ferrolab_pca, lib), Int32,
                (Ptr{Float64}, Csize_t, Csize_t, Csize_t, Int32, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}),
                x, n, d, k, center, comps, var, scores))
    (components=comps, explained_variance=var, scores=scores)
end

"""
    nmf(x, k, cfg=nothing) -> (w, h, error)

NMF of non-negative `x` (d x n): `x ≈ w * h` with `w` d x k (the parts, one per column), `h`
k x n (each sample's weights) and the Frobenius error; keys nmf.*. (The C API's w and h,
for x row-major n x d, are this `h` and `w`.)"""
function nmf(x::AbstractMatrix{<:Real}, k::Integer, cfg::Union{Config,Nothing}=nothing)
    x = dense(x)
    d, n = size(x)
    # C: x (n x d) ≈ cw (n x k) * ch (k x d); transposed, x' (d x n) ≈ ch' (d x k) * cw' (k x n).
    w, h, err = Matrix{Float64}(undef, d, k), Matrix{Float64}(undef, k, n), Ref{Float64}(0)
    check(ccall((:ferrolab_nmf, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}, Ref{Float64}),
                cfgptr(cfg), x, n, d, k, h, w, err))
    (w=w, h=h, error=err[])
end

"""
    dictionary_learning(x, k, lambda, cfg=nothing) -> (codes, dictionary, mse)

Dictionary learning of `x` (d x n) with penalty `lambda`: `x ≈ dictionary * codes`,
`dictionary` d x k (one atom per column, norm <= 1), `codes` k x n, and the mean squared
error; keys dictionary.*."""
function dictionary_learning(x::AbstractMatrix{<:Real}, k::Integer, lambda::Real,
                             cfg::Union{Config,Nothing}=nothing)
    x = dense(x)
    d, n = size(x)
    codes, atoms, mse = Matrix{Float64}(undef, k, n), Matrix{Float64}(undef, d, k), Ref{Float64}(0)
    check(ccall((:ferrolab_dictionary_learning, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Float64, Ptr{Float64}, Ptr{Float64},
                 Ref{Float64}),
                cfgptr(cfg), x, n, d, k, lambda, codes, atoms, mse))
    (codes=codes, dictionary=atoms, mse=mse[])
end

"""
    kmeans(x, k, cfg=nothing) -> (centres, labels, inertia)

k-means of the columns of `x` (d x n): `centres` d x k (one per column), `labels` (n,
1-based), inertia; keys kmeans.*."""
function kmeans(x::AbstractMatrix{<:Real}, k::Integer, cfg::Union{Config,Nothing}=nothing)
    x = dense(x)
    d, n = size(x)
    centres, labels, inertia = Matrix{Float64}(undef, d, k), Vector{Int32}(undef, n), Ref{Float64}(0)
    check(ccall((:ferrolab_kmeans, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ptr{Int32}, Ref{Float64}),
                cfgptr(cfg), x, n, d, k, centres, labels, inertia))
    (centres=centres, labels=labels .+ 1, inertia=inertia[])
end

"""
    gmm(x, k, cfg=nothing) -> (weights, means, covariances, labels, mean_log_likelihood)

Gaussian mixture of the columns of `x` (d x n): `weights` (k), `means` d x k, `covariances`
d x d x k, `labels` (n, 1-based), mean log-likelihood per sample; keys gmm.*."""
function gmm(x::AbstractMatrix{<:Real}, k::Integer, cfg::Union{Config,Nothing}=nothing)
    x = dense(x)
    d, n = size(x)
    weights, means, covs = Vector{Float64}(undef, k), Matrix{Float64}(undef, d, k), Array{Float64}(undef, d, d, k)
    labels, score = Vector{Int32}(undef, n), Ref{Float64}(0)
    # C writes k x d x d row-major: Julia's d x d x k, each d x d block transposed, and a
    # covariance is symmetric, so covs[:, :, c] is component c's matrix.
    check(ccall((:ferrolab_gmm, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}, Ptr{Float64},
                 Ptr{Int32}, Ref{Float64}),
                cfgptr(cfg), x, n, d, k, weights, means, covs, labels, score))
    (weights=weights, means=means, covariances=covs, labels=labels .+ 1, mean_log_likelihood=score[])
end

"""
    kde(data, points, cfg=nothing) -> density

Gaussian kernel density of the columns of `data` (d x n) at the columns of `points` (d x m):
`density` (m); keys kde.*."""
function kde(data::AbstractMatrix{<:Real}, points::AbstractMatrix{<:Real}, cfg::Union{Config,Nothing}=nothing)
    data, points = dense(data), dense(points)
    d, n = size(data)
    size(points, 1) == d || throw(ArgumentError("data has $d features, points $(size(points, 1))"))
    m = size(points, 2)
    density = Vector{Float64}(undef, m)
    check(ccall((:ferrolab_kde, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Ptr{Float64}),
                cfgptr(cfg), data, n, d, points, m, density))
    density
end

"""
    pearson_matrix(a, b) -> r

Pearson r of every variable (row) of `a` (p x n) with every variable of `b` (q x n): `r` p x q,
`r[i, j]` = cor(a[i, :], b[j, :]); NaN where a variable is constant."""
function pearson_matrix(a::AbstractMatrix{<:Real}, b::AbstractMatrix{<:Real})
    a, b = dense(a), dense(b)
    p, n = size(a)
    size(b, 2) == n || throw(ArgumentError("a has $n samples, b has $(size(b, 2))"))
    q = size(b, 1)
    # C's r is p' x q' row-major for (a', b'); swapping the arguments makes it q x p row-major,
    # which is Julia's p x q column-major.
    r = Matrix{Float64}(undef, p, q)
    check(ccall((:ferrolab_pearson_matrix, lib), Int32,
                (Ptr{Float64}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}),
                b, a, n, q, p, r))
    r
end
