# The rotationally invariant VAE of papers 002/004. Images are columns: pixels x n, each column
# one image of height x width pixels flattened row by row (C order), the bytes of the row-major
# n x pixels array the C API expects. For a Julia image `img` (height x width) its column is
# `vec(permutedims(img))`, and `permutedims(reshape(col, width, height))` turns one back.

"""The rotationally invariant VAE of papers 002/004: an encoder to an angle, two offsets and
content latents, a decoder drawing the image on the rotated and shifted pixel grid. Images are
columns (pixels x n, see the file's header). Sizes are checked here before C is called (an
`ArgumentError` naming the argument)."""
mutable struct Rvae
    handle::Ptr{Cvoid}
    function Rvae(handle::Ptr{Cvoid})
        v = new(handle)
        finalizer(x -> ccall((:ferrolab_rvae_free, lib), Int32, (Ptr{Cvoid},), x.handle), v)
    end
end

"An untrained rVAE for images of `height` x `width` pixels with the rvae.* keys of `cfg`."
function Rvae(height::Integer, width::Integer, cfg::Union{Config,Nothing}=nothing)
    (height >= 2 && width >= 2) ||
        throw(ArgumentError("image of $height x $width pixels: the rVAE needs at least 2 x 2"))
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_rvae_new, lib), Int32, (Ptr{Cvoid}, Csize_t, Csize_t, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, height, width, h))
    Rvae(h[])
end

"Load a saved rVAE (a model or a checkpoint)."
function load_rvae(path::AbstractString)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_rvae_load, lib), Int32, (Cstring, Ref{Ptr{Cvoid}}), path, h))
    Rvae(h[])
end

"Image height and width, content latents, trainable parameters and epochs done."
function rvae_shape(v::Rvae)
    h, w, k, p, d = (Ref{Csize_t}(0) for _ in 1:5)
    check(ccall((:ferrolab_rvae_shape, lib), Int32,
                (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}),
                v.handle, h, w, k, p, d))
    (height=Int(h[]), width=Int(w[]), content=Int(k[]), parameters=Int(p[]), epochs=Int(d[]))
end

"Checkpoint file of later `train!` calls (`nothing`: none)."
set_checkpoint(v::Rvae, path::Union{AbstractString,Nothing}) =
    check(ccall((:ferrolab_rvae_set_checkpoint, lib), Int32, (Ptr{Cvoid}, Cstring), v.handle,
                path === nothing ? Cstring(C_NULL) : path))

function check_images(v::Rvae, images::Matrix{Float64}, name::AbstractString)
    s = rvae_shape(v)
    pixels = s.height * s.width
    size(images, 1) == pixels || throw(ArgumentError(
        "$name has $(size(images, 1)) values per column; the model takes images of $(s.height) x $(s.width) = $pixels pixels"))
    size(images, 2) > 0 || throw(ArgumentError("$name has no columns"))
    size(images)
end

"Train on the images `images` (pixels x n) up to rvae.epochs epochs in total; returns the epochs done."
function train!(v::Rvae, images::Matrix{Float64})
    p, n = check_images(v, images, "images")
    done = Ref{Csize_t}(0)
    check(ccall((:ferrolab_rvae_train, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ref{Csize_t}), v.handle, images, n, p, done))
    Int(done[])
end

"Epochs done and total of a training run (for a monitoring task)."
function rvae_progress(v::Rvae)
    done, total = Ref{Csize_t}(0), Ref{Csize_t}(0)
    check(ccall((:ferrolab_rvae_progress, lib), Int32, (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}),
                v.handle, done, total))
    Int(done[]), Int(total[])
end

"Ask a running training to stop after its current batch."
rvae_cancel(v::Rvae) = check(ccall((:ferrolab_rvae_request_cancel, lib), Int32, (Ptr{Cvoid},), v.handle))

"""History so far, 7 x epochs: epoch, training total, reconstruction, KL, and the held-out
images' total, reconstruction, KL (NaN without a test split) per epoch."""
function rvae_history(v::Rvae)
    epochs = rvae_shape(v).epochs
    history = Matrix{Float64}(undef, 7, epochs)
    done = Ref{Csize_t}(0)
    check(ccall((:ferrolab_rvae_history, lib), Int32, (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                v.handle, history, epochs, done))
    history[:, 1:min(Int(done[]), epochs)]
end

"""Encoding of the images `images` (pixels x n), latent means and standard deviations: `angle`,
`angle_sd` (n, radians), `offsets`, `offsets_sd` (2 x n: dx, dy), `content`, `content_sd`
(content latents x n)."""
function encode(v::Rvae, images::Matrix{Float64})
    p, n = check_images(v, images, "images")
    k = rvae_shape(v).content
    angle, angle_sd = Vector{Float64}(undef, n), Vector{Float64}(undef, n)
    offsets, offsets_sd = Matrix{Float64}(undef, 2, n), Matrix{Float64}(undef, 2, n)
    content, content_sd = Matrix{Float64}(undef, k, n), Matrix{Float64}(undef, k, n)
    check(ccall((:ferrolab_rvae_encode, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}, Ptr{Float64},
                 Ptr{Float64}, Ptr{Float64}, Csize_t),
                v.handle, images, n, p, angle, angle_sd, offsets, offsets_sd, content, content_sd, k))
    (angle=angle, angle_sd=angle_sd, offsets=offsets, offsets_sd=offsets_sd, content=content,
     content_sd=content_sd)
end

"""Images (pixels x n) drawn from the content latents `content` (content latents x n), turned by
`angle` (n, radians) and shifted by `offsets` (2 x n); `nothing`: 0 (upright and centred)."""
function decode(v::Rvae, content::Matrix{Float64}; angle::Union{Vector{Float64},Nothing}=nothing,
                offsets::Union{Matrix{Float64},Nothing}=nothing)
    s = rvae_shape(v)
    k, n = size(content)
    k == s.content || throw(ArgumentError("content has $k values per column; the model has $(s.content) content latents"))
    n > 0 || throw(ArgumentError("content has no columns"))
    angle === nothing || length(angle) == n ||
        throw(ArgumentError("angle has $(length(angle)) values for $n content columns"))
    offsets === nothing || size(offsets) == (2, n) ||
        throw(ArgumentError("offsets is $(size(offsets, 1)) x $(size(offsets, 2)); want 2 x $n"))
    pixels = s.height * s.width
    out = Matrix{Float64}(undef, pixels, n)
    check(ccall((:ferrolab_rvae_decode, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t),
                v.handle, angle === nothing ? Ptr{Float64}(C_NULL) : angle,
                offsets === nothing ? Ptr{Float64}(C_NULL) : offsets, content, n, k, out, pixels))
    out
end

"Save an rVAE (network file format, atomically)."
save(v::Rvae, path::AbstractString) =
    check(ccall((:ferrolab_rvae_save, lib), Int32, (Ptr{Cvoid}, Cstring), v.handle, path))

"The last failure message of an rVAE handle."
rvae_last_error(v::Rvae) =
    read_string((b, c, k) -> ccall((:ferrolab_rvae_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), v.handle, b, c, k))
