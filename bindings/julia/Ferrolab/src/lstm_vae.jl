# Paper 001's LSTM beta-VAE. Rows are columns: x is row_len x n (values x samples).

"""Paper 001's LSTM beta-VAE with its staged training. Data are columns (row_len x n, Julia's
column-major layout of the row-major n x row_len the C API expects). Sizes are checked here
before C is called (an `ArgumentError` naming the argument)."""
mutable struct LstmVAE
    handle::Ptr{Cvoid}
    function LstmVAE(handle::Ptr{Cvoid})
        v = new(handle)
        finalizer(x -> ccall((:ferrolab_lstm_vae_free, lib), Int32, (Ptr{Cvoid},), x.handle), v)
    end
end

"An untrained LSTM VAE for rows of `row_len` values with the lstm_vae.* keys of `cfg`."
function LstmVAE(row_len::Integer, cfg::Union{Config,Nothing}=nothing)
    row_len > 0 || throw(ArgumentError("row_len = $row_len: rows need at least one value"))
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_lstm_vae_new, lib), Int32, (Ptr{Cvoid}, Csize_t, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, row_len, h))
    LstmVAE(h[])
end

"Load a saved LSTM VAE (a model, a checkpoint or a stage folder's stage-NNN.safetensors)."
function load_lstm_vae(path::AbstractString)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_lstm_vae_load, lib), Int32, (Cstring, Ref{Ptr{Cvoid}}), path, h))
    LstmVAE(h[])
end

"Row length, latent channels, embedding width, trainable parameters and epochs done."
function lstm_vae_shape(v::LstmVAE)
    r, k, e, p, d = (Ref{Csize_t}(0) for _ in 1:5)
    check(ccall((:ferrolab_lstm_vae_shape, lib), Int32,
                (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}),
                v.handle, r, k, e, p, d))
    (row_len=Int(r[]), latent=Int(k[]), embedding=Int(e[]), parameters=Int(p[]), epochs=Int(d[]))
end

"Checkpoint file of later `train!` calls (`nothing`: none)."
set_checkpoint(v::LstmVAE, path::Union{AbstractString,Nothing}) =
    check(ccall((:ferrolab_lstm_vae_set_checkpoint, lib), Int32, (Ptr{Cvoid}, Cstring), v.handle,
                path === nothing ? Cstring(C_NULL) : path))

"Folder where later `train!` calls keep each finished stage's best weights (`nothing`: none)."
set_stage_dir(v::LstmVAE, dir::Union{AbstractString,Nothing}) =
    check(ccall((:ferrolab_lstm_vae_set_stage_dir, lib), Int32, (Ptr{Cvoid}, Cstring), v.handle,
                dir === nothing ? Cstring(C_NULL) : dir))

function check_rows(v::LstmVAE, x::Matrix{Float64}, name::AbstractString)
    row_len = lstm_vae_shape(v).row_len
    size(x, 1) == row_len ||
        throw(ArgumentError("$name has $(size(x, 1)) values per column; the model takes rows of $row_len"))
    size(x, 2) > 0 || throw(ArgumentError("$name has no columns"))
    size(x)
end

"""Train on the columns of `x` (row_len x n) stage by stage up to lstm_vae.epochs epochs in
total. Returns `(epochs, warning)`: `warning` is `nothing`, or the message of
FERROLAB_WARN_NO_SELECTION (training finished but no stage reached lstm_vae.target_active
active channels; every stage's count), also logged with `@warn`."""
function train!(v::LstmVAE, x::Matrix{Float64})
    d, n = check_rows(v, x, "x")
    done = Ref{Csize_t}(0)
    status = ccall((:ferrolab_lstm_vae_train, lib), Int32,
                   (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ref{Csize_t}), v.handle, x, n, d, done)
    check(status)
    warning = nothing
    if status == WARN_NO_SELECTION
        warning = lstm_vae_last_error(v)
        @warn warning
    end
    (epochs=Int(done[]), warning=warning)
end

"Epochs done and total of a training run (for a monitoring task)."
function lstm_vae_progress(v::LstmVAE)
    done, total = Ref{Csize_t}(0), Ref{Csize_t}(0)
    check(ccall((:ferrolab_lstm_vae_progress, lib), Int32, (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}),
                v.handle, done, total))
    Int(done[]), Int(total[])
end

"Ask a running training to stop after its current batch."
lstm_vae_cancel(v::LstmVAE) = check(ccall((:ferrolab_lstm_vae_request_cancel, lib), Int32, (Ptr{Cvoid},), v.handle))

"History so far, 7 x epochs: epoch, beta, lambda, total, reconstruction, KL, L1 per epoch."
function lstm_vae_history(v::LstmVAE)
    epochs = lstm_vae_shape(v).epochs
    history = Matrix{Float64}(undef, 7, epochs)
    done = Ref{Csize_t}(0)
    check(ccall((:ferrolab_lstm_vae_history, lib), Int32, (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                v.handle, history, epochs, done))
    history[:, 1:min(Int(done[]), epochs)]
end

"""The finished stages, priming first: `records` (6 x stages: stage, beta, lambda, best epoch,
best loss, active channels) and `channel_kl` (latent x stages, nat)."""
function lstm_vae_stages(v::LstmVAE)
    s = lstm_vae_shape(v)
    cap = s.epochs
    while true
        records, kl = Matrix{Float64}(undef, 6, cap), Matrix{Float64}(undef, s.latent, cap)
        count = Ref{Csize_t}(0)
        status = ccall((:ferrolab_lstm_vae_stages, lib), Int32,
                       (Ptr{Cvoid}, Ptr{Float64}, Ptr{Float64}, Csize_t, Csize_t, Ref{Csize_t}),
                       v.handle, records, kl, cap, s.latent, count)
        check(status)
        if status != WARN_TRUNCATED
            return (records=records[:, 1:Int(count[])], channel_kl=kl[:, 1:Int(count[])])
        end
        cap = Int(count[])
    end
end

"The selected stage, or `nothing` when none is."
function selected_stage(v::LstmVAE)
    stage = Ref{Int64}(-1)
    check(ccall((:ferrolab_lstm_vae_selected_stage, lib), Int32, (Ptr{Cvoid}, Ref{Int64}), v.handle, stage))
    stage[] < 0 ? nothing : Int(stage[])
end

"""Encoding of the columns of `x` (row_len x n): `mu`, `log_var`, `z` (latent x n each) and
`embedding` (embedding x n)."""
function encode(v::LstmVAE, x::Matrix{Float64})
    d, n = check_rows(v, x, "x")
    s = lstm_vae_shape(v)
    mu, log_var, z = (Matrix{Float64}(undef, s.latent, n) for _ in 1:3)
    embedding = Matrix{Float64}(undef, s.embedding, n)
    check(ccall((:ferrolab_lstm_vae_encode, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}, Ptr{Float64},
                 Csize_t, Csize_t),
                v.handle, x, n, d, mu, log_var, z, embedding, s.latent, s.embedding))
    (mu=mu, log_var=log_var, z=z, embedding=embedding)
end

"Rows (row_len x n, the data's units) decoded from latent columns `z` (latent x n)."
function decode(v::LstmVAE, z::Matrix{Float64})
    s = lstm_vae_shape(v)
    k, n = size(z)
    k == s.latent || throw(ArgumentError("z has $k values per column; the model has $(s.latent) latent channels"))
    n > 0 || throw(ArgumentError("z has no columns"))
    out = Matrix{Float64}(undef, s.row_len, n)
    check(ccall((:ferrolab_lstm_vae_decode, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t),
                v.handle, z, n, k, out, s.row_len))
    out
end

"The columns of `x` (row_len x n) through the encoder's means and the decoder (the data's units)."
function reconstruct(v::LstmVAE, x::Matrix{Float64})
    d, n = check_rows(v, x, "x")
    out = Matrix{Float64}(undef, d, n)
    check(ccall((:ferrolab_lstm_vae_reconstruct, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}), v.handle, x, n, d, out))
    out
end

"Reconstruction minus `x` (row_len x n) in standardised units."
function residuals(v::LstmVAE, x::Matrix{Float64})
    d, n = check_rows(v, x, "x")
    out = Matrix{Float64}(undef, d, n)
    check(ccall((:ferrolab_lstm_vae_residuals, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}), v.handle, x, n, d, out))
    out
end

"Save an LSTM VAE (network file format, atomically)."
save(v::LstmVAE, path::AbstractString) =
    check(ccall((:ferrolab_lstm_vae_save, lib), Int32, (Ptr{Cvoid}, Cstring), v.handle, path))

"The last failure (or warning) message of an LSTM VAE handle."
lstm_vae_last_error(v::LstmVAE) =
    read_string((b, c, k) -> ccall((:ferrolab_lstm_vae_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), v.handle, b, c, k))
