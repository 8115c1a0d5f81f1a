# Phase field: generated films, simulated P-V loops and their features, dataset sweeps.

"""A generated polycrystalline HZO film (`cfg === nothing`: the defaults). Fields: `classes`
(0 polar, 1 non-polar grain, 2 grain boundary), `grains`, `orientation_rad` (n_rows x n_cols,
row 1 at the bottom electrode); `grain_orientation_rad`, `grain_polar`, `grain_seeds_nm`."""
struct Polycrystal
    classes::Matrix{Int32}
    grains::Matrix{Int32}
    orientation_rad::Matrix{Float64}
    grain_orientation_rad::Vector{Float64}
    grain_polar::Vector{Int32}
    grain_seeds_nm::Matrix{Float64}
end

function Polycrystal(cfg::Union{Config,Nothing}=nothing)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_polycrystal_new, lib), Int32, (Ptr{Cvoid}, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, h))
    film = h[]
    try
        rows, cols, n = Ref{Csize_t}(0), Ref{Csize_t}(0), Ref{Csize_t}(0)
        check(ccall((:ferrolab_polycrystal_shape, lib), Int32, (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}),
                    film, rows, cols))
        check(ccall((:ferrolab_polycrystal_grain_count, lib), Int32, (Ptr{Cvoid}, Ref{Csize_t}), film, n))
        # Row-major C arrays are the transposes of Julia's column-major matrices.
        classes = Matrix{Int32}(undef, cols[], rows[])
        grains = Matrix{Int32}(undef, cols[], rows[])
        theta = Matrix{Float64}(undef, cols[], rows[])
        check(ccall((:ferrolab_polycrystal_cells, lib), Int32,
                    (Ptr{Cvoid}, Ptr{Int32}, Ptr{Int32}, Ptr{Float64}, Csize_t, Csize_t),
                    film, classes, grains, theta, rows[], cols[]))
        grain_theta = Vector{Float64}(undef, n[])
        polar = Vector{Int32}(undef, n[])
        seeds = Matrix{Float64}(undef, 2, n[])
        check(ccall((:ferrolab_polycrystal_grains, lib), Int32,
                    (Ptr{Cvoid}, Ptr{Float64}, Ptr{Int32}, Ptr{Float64}, Csize_t),
                    film, grain_theta, polar, seeds, n[]))
        Polycrystal(permutedims(classes), permutedims(grains), permutedims(theta), grain_theta, polar,
                    permutedims(seeds))
    catch e
        if e isa FerrolabError
            msg = read_string((b, c, k) -> ccall((:ferrolab_polycrystal_last_error, lib), Int32,
                                                 (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), film, b, c, k))
            e = FerrolabError(e.status, msg)
        end
        rethrow(e)
    finally
        ccall((:ferrolab_polycrystal_free, lib), Int32, (Ptr{Cvoid},), film)
    end
end

"Number of values `loop_features` returns."
const LOOP_FEATURE_COUNT = 8

"""One phase-field P-V loop of the film of `cfg` (`nothing`: defaults): `(voltage, polarization)`
in V and C/m²."""
function simulate_loop(cfg::Union{Config,Nothing}=nothing)
    handle = cfg === nothing ? C_NULL : cfg.handle
    n = Ref{Csize_t}(0)
    status = ccall((:ferrolab_pf_simulate_loop, lib), Int32,
                   (Ptr{Cvoid}, Ptr{Float64}, Ptr{Float64}, Csize_t, Ref{Csize_t}), handle, C_NULL, C_NULL, 0, n)
    status == WARN_TRUNCATED || check(status)
    v, p = Vector{Float64}(undef, n[]), Vector{Float64}(undef, n[])
    check(ccall((:ferrolab_pf_simulate_loop, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Ptr{Float64}, Csize_t, Ref{Csize_t}), handle, v, p, n[], n))
    v, p
end

"""Features of a sampled loop: Ec (MV/cm), Pr, Ps (C/m²), area (J/m²), imprint (V), offset
(C/m²), crossings up, crossings down."""
function loop_features(voltage::Vector{Float64}, polarization::Vector{Float64}, thickness_m::Real)
    length(voltage) == length(polarization) || throw(ArgumentError("lengths differ"))
    out = Vector{Float64}(undef, LOOP_FEATURE_COUNT)
    check(ccall((:ferrolab_loop_features, lib), Int32,
                (Ptr{Float64}, Ptr{Float64}, Csize_t, Float64, Ptr{Float64}, Csize_t),
                voltage, polarization, length(voltage), thickness_m, out, length(out)))
    out
end

"""Run (or resume) a dataset sweep writing `path.npz` and `path.json`; blocks until done."""
function run_sweep(path::AbstractString, cfg::Union{Config,Nothing}=nothing; shard=(0, 1))
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_sweep_new, lib), Int32, (Ptr{Cvoid}, Cstring, Csize_t, Csize_t, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, path, shard[1], shard[2], h))
    try
        check(ccall((:ferrolab_sweep_run, lib), Int32, (Ptr{Cvoid},), h[]))
    finally
        ccall((:ferrolab_sweep_free, lib), Int32, (Ptr{Cvoid},), h[])
    end
end

"Structures finished and total of a sweep handle (for a monitoring task)."
function sweep_progress(sweep::Ptr{Cvoid})
    done, total = Ref{Csize_t}(0), Ref{Csize_t}(0)
    check(ccall((:ferrolab_sweep_progress, lib), Int32, (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}), sweep, done, total))
    Int(done[]), Int(total[])
end

"Ask a running sweep to stop; it keeps its checkpoints."
sweep_cancel(sweep::Ptr{Cvoid}) = check(ccall((:ferrolab_sweep_request_cancel, lib), Int32, (Ptr{Cvoid},), sweep))

"The last failure message of a sweep handle."
sweep_last_error(sweep::Ptr{Cvoid}) =
    read_string((b, c, k) -> ccall((:ferrolab_sweep_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), sweep, b, c, k))

"""A verified dataset: `(voltage, polarization, parameters, features, status, seed, index)`,
matrices with one structure per column (Julia's column-major view of the row-major data)."""
function read_dataset(path::AbstractString)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_dataset_open, lib), Int32, (Cstring, Ref{Ptr{Cvoid}}), path, h))
    try
        n, points = Ref{Csize_t}(0), Ref{Csize_t}(0)
        check(ccall((:ferrolab_dataset_shape, lib), Int32, (Ptr{Cvoid}, Ref{Csize_t}, Ref{Csize_t}), h[], n, points))
        v = Vector{Float64}(undef, points[])
        loops = Matrix{Float64}(undef, points[], n[])
        check(ccall((:ferrolab_dataset_loops, lib), Int32, (Ptr{Cvoid}, Ptr{Float64}, Ptr{Float64}, Csize_t, Csize_t),
                    h[], v, loops, n[], points[]))
        params = Matrix{Float64}(undef, 4, n[])
        feats = Matrix{Float64}(undef, LOOP_FEATURE_COUNT, n[])
        status = Vector{Int32}(undef, n[])
        seed = Vector{UInt64}(undef, n[])
        index = Vector{UInt64}(undef, n[])
        check(ccall((:ferrolab_dataset_structures, lib), Int32,
                    (Ptr{Cvoid}, Ptr{Float64}, Ptr{Float64}, Ptr{Int32}, Ptr{UInt64}, Ptr{UInt64}, Csize_t),
                    h[], params, feats, status, seed, index, n[]))
        (v, loops, params, feats, status, seed, index)
    catch e
        if e isa FerrolabError && h[] != C_NULL
            msg = read_string((b, c, k) -> ccall((:ferrolab_dataset_last_error, lib), Int32,
                                                 (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), h[], b, c, k))
            e = FerrolabError(e.status, msg)
        end
        rethrow(e)
    finally
        ccall((:ferrolab_dataset_free, lib), Int32, (Ptr{Cvoid},), h[])
    end
end
