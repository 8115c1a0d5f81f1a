# AtomAI's U-Net of papers 002/004. Images are Julia matrices as displayed: a frame is height x
# width (`frame[r, c]` is pixel row r, column c), a stack of training crops height x width x n
# and its masks likewise (integer classes 0 to classes - 1). The C API takes row-major arrays,
# so each image is transposed on the way in and out (a copy, small next to the network's work):
# the network sees the very pixels it sees from Python, C or C++, and a model trained in one
# language segments the same way in another.

"Values per atom in `find_atoms`: row, column and class (FERROLAB_UNET_ATOM_FIELDS)."
const UNET_ATOM_FIELDS = 3

"""AtomAI's U-Net for per-pixel classes (papers 002/004): trained on labelled crops, applied to
whole frames of any size. Frames and crops are height x width (see the file's header); sizes are
checked here before C is called (an `ArgumentError` naming the argument)."""
mutable struct Unet
    handle::Ptr{Cvoid}
    function Unet(handle::Ptr{Cvoid})
        u = new(handle)
        finalizer(x -> ccall((:ferrolab_unet_free, lib), Int32, (Ptr{Cvoid},), x.handle), u)
    end
end

"An untrained U-Net with the unet.* keys of `cfg` (`nothing`: AtomAI's network for 3 classes)."
function Unet(cfg::Union{Config,Nothing}=nothing)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_unet_new, lib), Int32, (Ptr{Cvoid}, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, h))
    Unet(h[])
end

"Load a saved U-Net (a model or a checkpoint)."
function load_unet(path::AbstractString)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_unet_load, lib), Int32, (Cstring, Ref{Ptr{Cvoid}}), path, h))
    Unet(h[])
end

"""Classes, filters of the first level, the training crops' height and width (0 before
training), trainable parameters and epochs done."""
function unet_shape(u::Unet)
    k, f, h, w, p, d = (Ref{Csize_t}(0) for _ in 1:6)
    check(ccall((:ferrolab_unet_shape, lib), Int32,
                (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}),
                u.handle, k, f, h, w, p, d))
    (classes=Int(k[]), filters=Int(f[]), crop_height=Int(h[]), crop_width=Int(w[]), parameters=Int(p[]),
     epochs=Int(d[]))
end

"Checkpoint file of later `train!` calls (`nothing`: none)."
set_checkpoint(u::Unet, path::Union{AbstractString,Nothing}) =
    check(ccall((:ferrolab_unet_set_checkpoint, lib), Int32, (Ptr{Cvoid}, Cstring), u.handle,
                path === nothing ? Cstring(C_NULL) : path))

# A height x width Julia image as the row-major array C reads (its transpose, dense Float64).
rowmajor(frame::AbstractMatrix{<:Real}) = Matrix{Float64}(permutedims(frame))

function check_frame(frame::AbstractMatrix, name::AbstractString)
    h, w = size(frame)
    (h > 0 && w > 0) || throw(ArgumentError("$name of $h x $w pixels is empty"))
    h, w
end

"""Train on the crops `images` (height x width x n; sides multiples of 8) labelled by `masks`
(height x width x n; classes below unet.classes) until unet.epochs epochs are done in total.
Returns the epochs done and this run's mean training cross-entropy per epoch. Throws
`FerrolabError` (status -12, cancelled) after `unet_cancel` from another thread; calling it again
with the same crops continues."""
function train!(u::Unet, images::AbstractArray{<:Real,3}, masks::AbstractArray{<:Integer,3})
    size(masks) == size(images) ||
        throw(ArgumentError("masks has size $(size(masks)); images $(size(images)): they must be equal"))
    h, w, n = size(images)
    (h > 0 && w > 0 && h % 8 == 0 && w % 8 == 0) ||
        throw(ArgumentError("crops of $h x $w pixels: sides must be positive multiples of 8"))
    all(m -> 0 <= m <= 255, masks) || throw(ArgumentError("masks hold values outside 0 to 255"))
    x = Array{Float64,3}(permutedims(images, (2, 1, 3)))
    y = Array{UInt8,3}(permutedims(masks, (2, 1, 3)))
    cap = 1 << 16
    losses = fill(NaN, cap)
    done = Ref{Csize_t}(0)
    check(ccall((:ferrolab_unet_train, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Ptr{UInt8}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Csize_t,
                 Ref{Csize_t}),
                u.handle, x, y, n, h, w, losses, cap, done))
    d = Int(done[])
    (epochs=d, losses=losses[1:min(d, cap)])
end

"Ask a running training to stop before its next batch."
unet_cancel(u::Unet) = check(ccall((:ferrolab_unet_request_cancel, lib), Int32, (Ptr{Cvoid},), u.handle))

"""Class probabilities of a whole `frame` (height x width, any size): height x width x classes
(Float32, as the network computes them; `p[r, c, k + 1]` is class k's at pixel (r, c))."""
function probabilities(u::Unet, frame::AbstractMatrix{<:Real})
    h, w = check_frame(frame, "frame")
    k = unet_shape(u).classes
    # C writes classes x h x w row-major: Julia's w x h x classes.
    out = Array{Float32,3}(undef, w, h, k)
    check(ccall((:ferrolab_unet_probabilities, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float32}, Csize_t),
                u.handle, rowmajor(frame), h, w, out, k))
    permutedims(out, (2, 1, 3))
end

"The most likely class (0-based, as in the masks) of every pixel of `frame`: height x width UInt8."
function segment(u::Unet, frame::AbstractMatrix{<:Real})
    h, w = check_frame(frame, "frame")
    out = Matrix{UInt8}(undef, w, h)
    check(ccall((:ferrolab_unet_segment, lib), Int32, (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{UInt8}),
                u.handle, rowmajor(frame), h, w, out))
    permutedims(out)
end

"""The atoms of a whole `frame` (height x width) for a model trained to mark atom centres (class
0 the background, class c > 0 the disks around sites of class c): 3 x n_atoms, one atom per
column: row and column (sub-pixel, 1-based like the frame's indices) and class."""
function find_atoms(u::Unet, frame::AbstractMatrix{<:Real})
    h, w = check_frame(frame, "frame")
    x = rowmajor(frame)
    cap = max(64, div(h * w, 64))
    count = Ref{Csize_t}(0)
    while true
        # C writes cap x 3 row-major: Julia's 3 x cap, one atom per column.
        atoms = Matrix{Float64}(undef, UNET_ATOM_FIELDS, cap)
        status = ccall((:ferrolab_unet_find_atoms, lib), Int32,
                       (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                       u.handle, x, h, w, atoms, cap, count)
        check(status)
        n = Int(count[])
        if status != WARN_TRUNCATED
            out = atoms[:, 1:n]
            out[1:2, :] .+= 1.0  # C's 0-based pixel coordinates
            return out
        end
        cap = n  # more atoms than the first guess: run again at their number
    end
end

"Save a U-Net (network file format, atomically)."
save(u::Unet, path::AbstractString) =
    check(ccall((:ferrolab_unet_save, lib), Int32, (Ptr{Cvoid}, Cstring), u.handle, path))

"The last failure message of a U-Net handle."
unet_last_error(u::Unet) =
    read_string((b, c, k) -> ccall((:ferrolab_unet_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), u.handle, b, c, k))
