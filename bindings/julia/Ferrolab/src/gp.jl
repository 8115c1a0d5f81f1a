# Gaussian processes. Inputs are columns: x is d x n (features x samples).

"""A fitted GP (one per output column of `y`); inputs are columns of `x` (d x n, Julia's
column-major layout of the row-major n x d the C API expects)."""
mutable struct GaussianProcess
    handle::Ptr{Cvoid}
    function GaussianProcess(handle::Ptr{Cvoid})
        gp = new(handle)
        finalizer(g -> ccall((:ferrolab_gp_free, lib), Int32, (Ptr{Cvoid},), g.handle), gp)
    end
end

function GaussianProcess(x::Matrix{Float64}, y::Matrix{Float64}, cfg::Union{Config,Nothing}=nothing)
    d, n = size(x)
    m, ny = size(y)
    ny == n || throw(ArgumentError("x has $n samples, y has $ny"))
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_gp_fit, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, x, n, d, y, m, h))
    GaussianProcess(h[])
end

"Input dimension and number of outputs."
function gp_shape(gp::GaussianProcess)
    d, m = Ref{Csize_t}(0), Ref{Csize_t}(0)
    check(ccall((:ferrolab_gp_shape, lib), Int32, (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}), gp.handle, d, m))
    Int(d[]), Int(m[])
end

"Means and standard deviations (m x nq each) at the columns of `xq` (d x nq)."
function predict(gp::GaussianProcess, xq::Matrix{Float64})
    d, nq = size(xq)
    _, m = gp_shape(gp)
    mean, sd = Matrix{Float64}(undef, m, nq), Matrix{Float64}(undef, m, nq)
    check(ccall((:ferrolab_gp_predict, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}), gp.handle, xq, nq, d, mean, sd))
    mean, sd
end

"Full predictive covariance (nq x nq) of one output (1-based) at the columns of `xq`."
function predict_covariance(gp::GaussianProcess, xq::Matrix{Float64}, output::Integer=1)
    d, nq = size(xq)
    cov = Matrix{Float64}(undef, nq, nq)
    check(ccall((:ferrolab_gp_predict_covariance, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}), gp.handle, xq, nq, d, output - 1, cov))
    cov
end

"Seeded joint posterior draws (nq x n_samples) of one output (1-based) at the columns of `xq`."
function sample(gp::GaussianProcess, xq::Matrix{Float64}, n_samples::Integer; seed::Integer=0, output::Integer=1)
    d, nq = size(xq)
    out = Matrix{Float64}(undef, nq, n_samples)
    check(ccall((:ferrolab_gp_sample, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Csize_t, UInt64, Ptr{Float64}),
                gp.handle, xq, nq, d, output - 1, n_samples, seed, out))
    out
end

"Log marginal likelihood of each output."
function log_marginal_likelihood(gp::GaussianProcess)
    _, m = gp_shape(gp)
    out = Vector{Float64}(undef, m)
    check(ccall((:ferrolab_gp_log_marginal_likelihood, lib), Int32, (Ptr{Cvoid}, Ptr{Float64}, Csize_t), gp.handle, out, m))
    out
end

"Fitted hyper-parameters of one output (1-based)."
function hyperparameters(gp::GaussianProcess, output::Integer=1)
    d, _ = gp_shape(gp)
    sig, noise, jitter = Ref{Float64}(0), Ref{Float64}(0), Ref{Float64}(0)
    lengths = Vector{Float64}(undef, d)
    count = Ref{Csize_t}(0)
    check(ccall((:ferrolab_gp_hyperparameters, lib), Int32,
                (Ptr{Cvoid}, Csize_t, Ref{Float64}, Ptr{Float64}, Csize_t, Ref{Csize_t}, Ref{Float64}, Ref{Float64}),
                gp.handle, output - 1, sig, lengths, d, count, noise, jitter))
    (signal_variance=sig[], length_scales=lengths[1:count[]], noise_variance=noise[], jitter=jitter[])
end

"Save a model (atomically)."
save(gp::GaussianProcess, path::AbstractString) =
    check(ccall((:ferrolab_gp_save, lib), Int32, (Ptr{Cvoid}, Cstring), gp.handle, path))

"Load a saved model."
function load_gp(path::AbstractString)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_gp_load, lib), Int32, (Cstring, Ref{Ptr{Cvoid}}), path, h))
    GaussianProcess(h[])
end

"The last failure message of a GP handle."
gp_last_error(gp::GaussianProcess) =
    read_string((b, c, k) -> ccall((:ferrolab_gp_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), gp.handle, b, c, k))
