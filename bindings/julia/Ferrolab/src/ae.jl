# The automated-experiment session (paper 003) and the simulated microscope. Images are
# Julia matrices (H x W, passed to C transposed, i.e. as the row-major H x W it expects); spectra
# are columns (L x n); pixel locations are 1-based (row, col) here and 0-based in C.

"""An automated-experiment session over one structural image. Free: by the garbage collector."""
mutable struct AeSession
    handle::Ptr{Cvoid}
    function AeSession(handle::Ptr{Cvoid})
        s = new(handle)
        finalizer(x -> ccall((:ferrolab_ae_free, lib), Int32, (Ptr{Cvoid},), x.handle), s)
    end
end

"A session over `image` (H x W) for spectra measured at `voltage` (ae.* and im2spec.* keys of `cfg`)."
function AeSession(image::Matrix{Float64}, voltage::Vector{Float64}, cfg::Union{Config,Nothing}=nothing)
    h, w = size(image)
    p = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_ae_new, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, permutedims(image), h, w, voltage, length(voltage), p))
    AeSession(p[])
end

"Height, width, spectrum length, latent size, measurements so far, and whether a model is trained."
function shape(s::AeSession)
    v = [Ref{Csize_t}(0) for _ in 1:5]
    trained = Ref{Int32}(0)
    check(ccall((:ferrolab_ae_shape, lib), Int32,
                (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Csize_t}, Ref{Int32}),
                s.handle, v[1], v[2], v[3], v[4], v[5], trained))
    (height=Int(v[1][]), width=Int(v[2][]), spectrum_len=Int(v[3][]), latent_dim=Int(v[4][]),
     measurements=Int(v[5][]), trained=trained[] == 1)
end

"""
Add spectra (L x n) measured at 1-based `rows`, `cols`; returns each one's surprise (NaN before a
model). A location already measured, or given twice, is an error (its message counts from 0) and
nothing is added.
"""
function add_measurements!(s::AeSession, rows::AbstractVector{<:Integer}, cols::AbstractVector{<:Integer},
                           spectra::Matrix{Float64})
    L, n = size(spectra)
    surprise = Vector{Float64}(undef, n)
    check(ccall((:ferrolab_ae_add_measurements, lib), Int32,
                (Ptr{Cvoid}, Ptr{Int64}, Ptr{Int64}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}),
                s.handle, Int64.(rows) .- 1, Int64.(cols) .- 1, spectra, n, L, surprise))
    surprise
end

"(Re)train the ensemble on every measurement (long-running: `progress_info`, `cancel`)."
update!(s::AeSession) = check(ccall((:ferrolab_ae_update, lib), Int32, (Ptr{Cvoid},), s.handle))

"Ask a running `update!` to stop."
cancel(s::AeSession) = check(ccall((:ferrolab_ae_request_cancel, lib), Int32, (Ptr{Cvoid},), s.handle))

progress_info(s::AeSession) = progress_info((d, t, g, l) -> ccall((:ferrolab_ae_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), s.handle, d, t, g, l))

"The next `k` locations (1-based rows, cols), their scores, predicted spectra and spread (L x picks)."
function rank(s::AeSession, k::Integer)
    L = shape(s).spectrum_len
    rows, cols, score = Vector{Int64}(undef, k), Vector{Int64}(undef, k), Vector{Float64}(undef, k)
    pred, sd = Matrix{Float64}(undef, L, k), Matrix{Float64}(undef, L, k)
    n = Ref{Csize_t}(0)
    check(ccall((:ferrolab_ae_rank, lib), Int32,
                (Ptr{Cvoid}, Csize_t, Ptr{Int64}, Ptr{Int64}, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                s.handle, k, rows, cols, score, pred, sd, L, n))
    m = Int(n[])
    (rows=rows[1:m] .+ 1, cols=cols[1:m] .+ 1, score=score[1:m], pred=pred[:, 1:m], std=sd[:, 1:m])
end

"The ensemble's mean and spread (L x n) and the first member's latents (latent x n) at 1-based locations."
function predict(s::AeSession, rows::AbstractVector{<:Integer}, cols::AbstractVector{<:Integer})
    sh = shape(s)
    n = length(rows)
    mean, sd = Matrix{Float64}(undef, sh.spectrum_len, n), Matrix{Float64}(undef, sh.spectrum_len, n)
    latent = Matrix{Float64}(undef, sh.latent_dim, n)
    needed = Ref{Csize_t}(0)
    check(ccall((:ferrolab_ae_predict, lib), Int32,
                (Ptr{Cvoid}, Ptr{Int64}, Ptr{Int64}, Csize_t, Ptr{Float64}, Ptr{Float64}, Csize_t, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                s.handle, Int64.(rows) .- 1, Int64.(cols) .- 1, n, mean, sd, sh.spectrum_len, latent, length(latent), needed))
    (mean=mean, std=sd, latent=latent)
end

"Score and surprise maps (H x W, NaN where undefined) and the latent map (latent x W x H, C's layout)."
function maps(s::AeSession)
    sh = shape(s)
    m = [Matrix{Float64}(undef, sh.width, sh.height) for _ in 1:4]
    latent = Array{Float64,3}(undef, sh.latent_dim, sh.width, sh.height)
    needed = Ref{Csize_t}(0)
    check(ccall((:ferrolab_ae_maps, lib), Int32,
                (Ptr{Cvoid}, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}, Csize_t, Ref{Csize_t}),
                s.handle, sh.height, sh.width, m[1], m[2], m[3], m[4], latent, length(latent), needed))
    (score=permutedims(m[1]), nrms=permutedims(m[2]), mse=permutedims(m[3]), area=permutedims(m[4]), latent=latent)
end

"Save the session into directory `dir` (atomically as a whole)."
save(s::AeSession, dir::AbstractString) =
    check(ccall((:ferrolab_ae_save, lib), Int32, (Ptr{Cvoid}, Cstring), s.handle, dir))

"Load a session saved by `save` from directory `dir`."
function load_ae(dir::AbstractString)
    p = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_ae_load, lib), Int32, (Cstring, Ref{Ptr{Cvoid}}), dir, p))
    AeSession(p[])
end

"The last failure message of a session handle."
last_error(s::AeSession) =
    read_string((b, c, k) -> ccall((:ferrolab_ae_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), s.handle, b, c, k))

"""
    sample_generate(rows, cols, steps, cfg) -> (image, loops, voltage, anomaly)

The simulated sample of the sample.* keys (sizes must equal `sample.rows`, `sample.cols`,
`sample.steps`): image (rows x cols), loops (steps x cols x rows, C's layout), voltage, anomaly
mask (rows x cols, Bool).
"""
function sample_generate(rows::Integer, cols::Integer, steps::Integer, cfg::Union{Config,Nothing}=nothing)
    image = Matrix{Float64}(undef, cols, rows)
    loops = Array{Float64,3}(undef, steps, cols, rows)
    voltage = Vector{Float64}(undef, steps)
    anomaly = Matrix{Int32}(undef, cols, rows)
    check(ccall((:ferrolab_sample_generate, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Ptr{Float64}, Ptr{Int32}),
                cfg === nothing ? C_NULL : cfg.handle, image, rows, cols, loops, steps, voltage, anomaly))
    (permutedims(image), loops, voltage, permutedims(anomaly) .== 1)
end
