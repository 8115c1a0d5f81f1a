# Paper 003's encoder-decoders: im2spec (structure patch -> spectrum) and spec2im (spectrum ->
# patch). Patches are arrays (w, h, n): Julia's column-major layout of the row-major n x h x w the
# C API takes (so `patches[:, :, k]` is the transpose of patch k); spectra are columns (L x n).

"""Paper 003's im2spec model. Free: by the garbage collector (finalizer)."""
mutable struct Im2Spec
    handle::Ptr{Cvoid}
    function Im2Spec(handle::Ptr{Cvoid})
        m = new(handle)
        finalizer(x -> ccall((:ferrolab_im2spec_free, lib), Int32, (Ptr{Cvoid},), x.handle), m)
    end
end

"An untrained im2spec model for `h` x `w` patches and spectra of `spectrum_len` points (im2spec.* keys of `cfg`)."
function Im2Spec(h::Integer, w::Integer, spectrum_len::Integer, cfg::Union{Config,Nothing}=nothing)
    p = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_im2spec_new, lib), Int32, (Ptr{Cvoid}, Csize_t, Csize_t, Csize_t, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, h, w, spectrum_len, p))
    Im2Spec(p[])
end

"Patch height and width, spectrum length, latent size, parameter count and epochs done."
function shape(m::Im2Spec)
    v = [Ref{Csize_t}(0) for _ in 1:6]
    check(ccall((:ferrolab_im2spec_shape, lib), Int32,
                (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}),
                m.handle, v[1], v[2], v[3], v[4], v[5], v[6]))
    (h=Int(v[1][]), w=Int(v[2][]), spectrum_len=Int(v[3][]), latent=Int(v[4][]),
     parameters=Int(v[5][]), epochs_done=Int(v[6][]))
end

"Checkpoint file of later `train!` calls (`nothing`: none)."
set_checkpoint(m::Im2Spec, path::Union{AbstractString,Nothing}) =
    check(ccall((:ferrolab_im2spec_set_checkpoint, lib), Int32, (Ptr{Cvoid}, Cstring), m.handle,
                path === nothing ? Cstring(C_NULL) : path))

"Train on patches (w, h, n) and spectra (L, n); returns the per-epoch mean training loss."
function train!(m::Im2Spec, patches::Array{Float64,3}, spectra::Matrix{Float64}; max_epochs::Integer=100_000)
    w, h, n = size(patches)
    L = size(spectra, 1)
    history = Vector{Float64}(undef, max_epochs)
    done = Ref{Csize_t}(0)
    check(ccall((:ferrolab_im2spec_train, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                m.handle, patches, n, h, w, spectra, L, history, max_epochs, done))
    history[1:done[]]
end

"Predicted spectra (L x n) of patches (w, h, n)."
function predict(m::Im2Spec, patches::Array{Float64,3})
    w, h, n = size(patches)
    L = shape(m).spectrum_len
    out = Matrix{Float64}(undef, L, n)
    check(ccall((:ferrolab_im2spec_predict, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}),
                m.handle, patches, n, h, w, L, out, C_NULL))
    out
end

"Latent vectors (latent x n) of patches (w, h, n)."
function encode(m::Im2Spec, patches::Array{Float64,3})
    w, h, n = size(patches)
    k = shape(m).latent
    z = Matrix{Float64}(undef, k, n)
    check(ccall((:ferrolab_im2spec_encode, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Csize_t),
                m.handle, patches, n, h, w, z, k))
    z
end

"Spectra (L x n) decoded from latent columns `z` (latent x n)."
function decode(m::Im2Spec, z::Matrix{Float64})
    k, n = size(z)
    L = shape(m).spectrum_len
    out = Matrix{Float64}(undef, L, n)
    check(ccall((:ferrolab_im2spec_decode, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}), m.handle, z, n, k, L, out))
    out
end

"Ask a running `train!` (on another task or thread) to stop."
cancel(m::Im2Spec) = check(ccall((:ferrolab_im2spec_request_cancel, lib), Int32, (Ptr{Cvoid},), m.handle))

progress_info(m::Im2Spec) = progress_info((d, t, s, l) -> ccall((:ferrolab_im2spec_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), m.handle, d, t, s, l))

"Save the model (network file format, atomically)."
save(m::Im2Spec, path::AbstractString) =
    check(ccall((:ferrolab_im2spec_save, lib), Int32, (Ptr{Cvoid}, Cstring), m.handle, path))

"Load a saved im2spec model (a spec2im file is refused)."
function load_im2spec(path::AbstractString)
    p = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_im2spec_load, lib), Int32, (Cstring, Ref{Ptr{Cvoid}}), path, p))
    Im2Spec(p[])
end

"The last failure message of a im2spec handle."
last_error(m::Im2Spec) =
    read_string((b, c, k) -> ccall((:ferrolab_im2spec_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), m.handle, b, c, k))

"""Paper 003's spec2im model. Free: by the garbage collector (finalizer)."""
mutable struct Spec2Im
    handle::Ptr{Cvoid}
    function Spec2Im(handle::Ptr{Cvoid})
        m = new(handle)
        finalizer(x -> ccall((:ferrolab_spec2im_free, lib), Int32, (Ptr{Cvoid},), x.handle), m)
    end
end

"An untrained spec2im model for spectra of `spectrum_len` points and `h` x `w` patches (spec2im.* keys of `cfg`)."
function Spec2Im(spectrum_len::Integer, h::Integer, w::Integer, cfg::Union{Config,Nothing}=nothing)
    p = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_spec2im_new, lib), Int32, (Ptr{Cvoid}, Csize_t, Csize_t, Csize_t, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, spectrum_len, h, w, p))
    Spec2Im(p[])
end

"Patch height and width, spectrum length, latent size, parameter count and epochs done."
function shape(m::Spec2Im)
    v = [Ref{Csize_t}(0) for _ in 1:6]
    check(ccall((:ferrolab_spec2im_shape, lib), Int32,
                (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}),
                m.handle, v[1], v[2], v[3], v[4], v[5], v[6]))
    (h=Int(v[1][]), w=Int(v[2][]), spectrum_len=Int(v[3][]), latent=Int(v[4][]),
     parameters=Int(v[5][]), epochs_done=Int(v[6][]))
end

"Checkpoint file of later `train!` calls (`nothing`: none)."
set_checkpoint(m::Spec2Im, path::Union{AbstractString,Nothing}) =
    check(ccall((:ferrolab_spec2im_set_checkpoint, lib), Int32, (Ptr{Cvoid}, Cstring), m.handle,
                path === nothing ? Cstring(C_NULL) : path))

"Train on spectra (L, n) and patches (w, h, n); returns the per-epoch mean training loss."
function train!(m::Spec2Im, spectra::Matrix{Float64}, patches::Array{Float64,3}; max_epochs::Integer=100_000)
    w, h, n = size(patches)
    L = size(spectra, 1)
    history = Vector{Float64}(undef, max_epochs)
    done = Ref{Csize_t}(0)
    check(ccall((:ferrolab_spec2im_train, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                m.handle, spectra, n, L, patches, h, w, history, max_epochs, done))
    history[1:done[]]
end

"Predicted patches (w, h, n) of spectra (L x n)."
function predict(m::Spec2Im, spectra::Matrix{Float64})
    L, n = size(spectra)
    s = shape(m)
    out = Array{Float64,3}(undef, s.w, s.h, n)
    check(ccall((:ferrolab_spec2im_predict, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}),
                m.handle, spectra, n, L, s.h, s.w, out, C_NULL))
    out
end

"Latent vectors (latent x n) of spectra (L x n)."
function encode(m::Spec2Im, spectra::Matrix{Float64})
    L, n = size(spectra)
    k = shape(m).latent
    z = Matrix{Float64}(undef, k, n)
    check(ccall((:ferrolab_spec2im_encode, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t), m.handle, spectra, n, L, z, k))
    z
end

"Patches (w, h, n) decoded from latent columns `z` (latent x n)."
function decode(m::Spec2Im, z::Matrix{Float64})
    k, n = size(z)
    s = shape(m)
    out = Array{Float64,3}(undef, s.w, s.h, n)
    check(ccall((:ferrolab_spec2im_decode, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Csize_t, Ptr{Float64}), m.handle, z, n, k, s.h, s.w, out))
    out
end

"Ask a running `train!` (on another task or thread) to stop."
cancel(m::Spec2Im) = check(ccall((:ferrolab_spec2im_request_cancel, lib), Int32, (Ptr{Cvoid},), m.handle))

progress_info(m::Spec2Im) = progress_info((d, t, s, l) -> ccall((:ferrolab_spec2im_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), m.handle, d, t, s, l))

"Save the model (network file format, atomically)."
save(m::Spec2Im, path::AbstractString) =
    check(ccall((:ferrolab_spec2im_save, lib), Int32, (Ptr{Cvoid}, Cstring), m.handle, path))

"Load a saved spec2im model (a im2spec file is refused)."
function load_spec2im(path::AbstractString)
    p = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_spec2im_load, lib), Int32, (Cstring, Ref{Ptr{Cvoid}}), path, p))
    Spec2Im(p[])
end

"The last failure message of a spec2im handle."
last_error(m::Spec2Im) =
    read_string((b, c, k) -> ccall((:ferrolab_spec2im_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), m.handle, b, c, k))
