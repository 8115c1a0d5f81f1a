# Paper 000's beta-VAE. Loops are columns: x is d x n (features x samples).

"""Paper 000's MLP beta-VAE. Data are columns (d x n, Julia's column-major layout of the
row-major n x d the C API expects)."""
mutable struct VAE
    handle::Ptr{Cvoid}
    function VAE(handle::Ptr{Cvoid})
        v = new(handle)
        finalizer(x -> ccall((:ferrolab_vae_free, lib), Int32, (Ptr{Cvoid},), x.handle), v)
    end
end

"An untrained VAE for loops of `input_dim` points with the vae.* keys of `cfg`."
function VAE(input_dim::Integer, cfg::Union{Config,Nothing}=nothing)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_vae_new, lib), Int32, (Ptr{Cvoid}, Csize_t, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, input_dim, h))
    VAE(h[])
end

"Input length and latent dimension."
function vae_shape(v::VAE)
    d, k = Ref{Csize_t}(0), Ref{Csize_t}(0)
    check(ccall((:ferrolab_vae_shape, lib), Int32, (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}), v.handle, d, k))
    Int(d[]), Int(k[])
end

"Checkpoint file of later `train!` calls (`nothing`: none)."
set_checkpoint(v::VAE, path::Union{AbstractString,Nothing}) =
    check(ccall((:ferrolab_vae_set_checkpoint, lib), Int32, (Ptr{Cvoid}, Cstring), v.handle,
                path === nothing ? Cstring(C_NULL) : path))

"Train on the columns of `x` (d x n); returns the history, 3 x epochs (total, reconstruction, KL)."
function train!(v::VAE, x::Matrix{Float64}; max_epochs::Integer=100_000)
    d, n = size(x)
    history = Matrix{Float64}(undef, 3, max_epochs)
    done = Ref{Csize_t}(0)
    check(ccall((:ferrolab_vae_train, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                v.handle, x, n, d, history, max_epochs, done))
    history[:, 1:done[]]
end

"History so far, 3 x epochs."
function vae_history(v::VAE; max_epochs::Integer=100_000)
    history = Matrix{Float64}(undef, 3, max_epochs)
    done = Ref{Csize_t}(0)
    check(ccall((:ferrolab_vae_history, lib), Int32, (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                v.handle, history, max_epochs, done))
    history[:, 1:done[]]
end

"Epochs done and total of a training run (for a monitoring task)."
function vae_progress(v::VAE)
    done, total = Ref{Csize_t}(0), Ref{Csize_t}(0)
    check(ccall((:ferrolab_vae_progress, lib), Int32, (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}), v.handle, done, total))
    Int(done[]), Int(total[])
end

"Ask a running training to stop after its current batch."
vae_cancel(v::VAE) = check(ccall((:ferrolab_vae_request_cancel, lib), Int32, (Ptr{Cvoid},), v.handle))

"Latent means and log-variances (latent x n each) of the columns of `x`."
function encode(v::VAE, x::Matrix{Float64})
    d, n = size(x)
    _, k = vae_shape(v)
    mean, log_var = Matrix{Float64}(undef, k, n), Matrix{Float64}(undef, k, n)
    check(ccall((:ferrolab_vae_encode, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}, Csize_t),
                v.handle, x, n, d, mean, log_var, k))
    mean, log_var
end

"Loops (d x n, the data's units) decoded from latent columns `z` (latent x n)."
function decode(v::VAE, z::Matrix{Float64})
    k, n = size(z)
    d, _ = vae_shape(v)
    out = Matrix{Float64}(undef, d, n)
    check(ccall((:ferrolab_vae_decode, lib), Int32, (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t),
                v.handle, z, n, k, out, d))
    out
end

"Grid points (latent x rows) and decoded loops (d x rows) over [lo, hi]^latent."
function decode_grid(v::VAE; lo::Real=-2.0, hi::Real=2.0, steps::Integer=10)
    d, k = vae_shape(v)
    rows = steps^k
    z, out = Matrix{Float64}(undef, k, rows), Matrix{Float64}(undef, d, rows)
    check(ccall((:ferrolab_vae_decode_grid, lib), Int32,
                (Ptr{Cvoid}, Float64, Float64, Csize_t, Ptr{Float64}, Ptr{Float64}, Csize_t, Csize_t),
                v.handle, lo, hi, steps, z, out, rows, d))
    z, out
end

"Save a VAE (safetensors, atomically)."
save(v::VAE, path::AbstractString) =
    check(ccall((:ferrolab_vae_save, lib), Int32, (Ptr{Cvoid}, Cstring), v.handle, path))

"Load a saved VAE."
function load_vae(path::AbstractString)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_vae_load, lib), Int32, (Cstring, Ref{Ptr{Cvoid}}), path, h))
    VAE(h[])
end

"The last failure message of a VAE handle."
vae_last_error(v::VAE) =
    read_string((b, c, k) -> ccall((:ferrolab_vae_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), v.handle, b, c, k))
