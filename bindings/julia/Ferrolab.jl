# Ferrolab.jl: ferrolab from Julia through `ccall`, one method per C function of
# include/ferrolab.h plus a `Config` type that frees itself. A test (tests/python) checks that
# the functions called here are exactly the header's. Julia is not installable on the CI
# machines, so this file is checked against the header but not executed there.
#
#   include("bindings/julia/Ferrolab.jl"); using .Ferrolab
#   cfg = Ferrolab.Config(); Ferrolab.set!(cfg, "pf.grain_diameter_nm", 10.0)
module Ferrolab

const lib = get(ENV, "FERROLAB_LIB",
                joinpath(@__DIR__, "..", "..", "target", "release", "libferrolab.so"))

const OK = Int32(0)
const WARN_TRUNCATED = Int32(1)

"A failed call: the status code and ferrolab's message."
struct FerrolabError <: Exception
    status::Int32
    message::String
end
Base.showerror(io::IO, e::FerrolabError) = print(io, "ferrolab error ", e.status, ": ", e.message)

# Read an snprintf-style string output in full, growing the buffer as needed.
function read_string(call)
    cap = 128
    while true
        buf = Vector{UInt8}(undef, cap)
        needed = Ref{Csize_t}(0)
        status = call(buf, cap, needed)
        status == OK && return unsafe_string(pointer(buf))
        status == WARN_TRUNCATED || throw(FerrolabError(status, last_error()))
        cap = Int(needed[])
    end
end

"This thread's last failure message."
last_error() = read_string((b, c, n) -> ccall((:ferrolab_last_error, lib), Int32,
                                              (Ptr{UInt8}, Csize_t, Ref{Csize_t}), b, c, n))

check(status::Int32) = status < 0 ? throw(FerrolabError(status, last_error())) : nothing

"Static text of a status code."
status_str(code::Integer) = unsafe_string(ccall((:ferrolab_status_str, lib), Cstring, (Int32,), code))
"The library version."
version() = unsafe_string(ccall((:ferrolab_version_string, lib), Cstring, ()))
"The C ABI version of the loaded library."
abi_version() = ccall((:ferrolab_abi_version, lib), Int32, ())
"Size ferrolab's worker pool (0 = one thread per core)."
set_num_threads(n::Integer) = check(ccall((:ferrolab_set_num_threads, lib), Int32, (Csize_t,), n))
"The worker pool's size."
function num_threads()
    n = Ref{Csize_t}(0)
    check(ccall((:ferrolab_num_threads, lib), Int32, (Ref{Csize_t},), n))
    Int(n[])
end

"Set the process's memory budget in bytes (0 = the default: half the physical memory)."
set_max_alloc_bytes(n::Integer) = check(ccall((:ferrolab_set_max_alloc_bytes, lib), Int32, (UInt64,), n))
"The memory budget in force, in bytes."
function max_alloc_bytes()
    n = Ref{UInt64}(0)
    check(ccall((:ferrolab_max_alloc_bytes, lib), Int32, (Ref{UInt64},), n))
    Int(n[])
end

"Options: every key at its default until set."
mutable struct Config
    handle::Ptr{Cvoid}
    function Config()
        h = Ref{Ptr{Cvoid}}(C_NULL)
        check(ccall((:ferrolab_config_new, lib), Int32, (Ref{Ptr{Cvoid}},), h))
        cfg = new(h[])
        finalizer(c -> ccall((:ferrolab_config_free, lib), Int32, (Ptr{Cvoid},), c.handle), cfg)
    end
end

set!(c::Config, key::AbstractString, v::Float64) =
    check(ccall((:ferrolab_config_set_f64, lib), Int32, (Ptr{Cvoid}, Cstring, Float64), c.handle, key, v))
set!(c::Config, key::AbstractString, v::Integer) =
    check(ccall((:ferrolab_config_set_i64, lib), Int32, (Ptr{Cvoid}, Cstring, Int64), c.handle, key, v))
set!(c::Config, key::AbstractString, v::AbstractString) =
    check(ccall((:ferrolab_config_set_str, lib), Int32, (Ptr{Cvoid}, Cstring, Cstring), c.handle, key, v))
set!(c::Config, key::AbstractString, v::Vector{Float64}) =
    check(ccall((:ferrolab_config_set_f64_array, lib), Int32, (Ptr{Cvoid}, Cstring, Ptr{Float64}, Csize_t),
                c.handle, key, v, length(v)))
set!(c::Config, key::AbstractString, v::Vector{Int64}) =
    check(ccall((:ferrolab_config_set_i64_array, lib), Int32, (Ptr{Cvoid}, Cstring, Ptr{Int64}, Csize_t),
                c.handle, key, v, length(v)))
reset!(c::Config, key::AbstractString) =
    check(ccall((:ferrolab_config_reset, lib), Int32, (Ptr{Cvoid}, Cstring), c.handle, key))

function get_f64(c::Config, key::AbstractString)
    x = Ref{Float64}(0)
    check(ccall((:ferrolab_config_get_f64, lib), Int32, (Ptr{Cvoid}, Cstring, Ref{Float64}), c.handle, key, x))
    x[]
end
function get_i64(c::Config, key::AbstractString)
    x = Ref{Int64}(0)
    check(ccall((:ferrolab_config_get_i64, lib), Int32, (Ptr{Cvoid}, Cstring, Ref{Int64}), c.handle, key, x))
    x[]
end
get_str(c::Config, key::AbstractString) =
    read_string((b, n, k) -> ccall((:ferrolab_config_get_str, lib), Int32,
                                   (Ptr{Cvoid}, Cstring, Ptr{UInt8}, Csize_t, Ref{Csize_t}), c.handle, key, b, n, k))
function get_array(c::Config, key::AbstractString, ::Type{T}) where {T<:Union{Float64,Int64}}
    len = Ref{Csize_t}(0)
    getter(out, cap) = T === Float64 ?
        ccall((:ferrolab_config_get_f64_array, lib), Int32,
              (Ptr{Cvoid}, Cstring, Ptr{Float64}, Csize_t, Ref{Csize_t}), c.handle, key, out, cap, len) :
        ccall((:ferrolab_config_get_i64_array, lib), Int32,
              (Ptr{Cvoid}, Cstring, Ptr{Int64}, Csize_t, Ref{Csize_t}), c.handle, key, out, cap, len)
    status = getter(C_NULL, 0)
    status in (OK, WARN_TRUNCATED) || check(status)
    out = Vector{T}(undef, len[])
    check(getter(out, length(out)))
    out
end
"The last failure message recorded in this config (from any thread)."
config_last_error(c::Config) =
    read_string((b, n, k) -> ccall((:ferrolab_config_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), c.handle, b, n, k))

"Every configuration key, in name order."
function keys()
    n = Ref{Csize_t}(0)
    check(ccall((:ferrolab_config_key_count, lib), Int32, (Ref{Csize_t},), n))
    [read_string((b, c, k) -> ccall((:ferrolab_config_key_name, lib), Int32,
                                    (Csize_t, Ptr{UInt8}, Csize_t, Ref{Csize_t}), i, b, c, k)) for i in 0:n[]-1]
end
"Type, unit, valid range, default and doc of a key."
describe(key::AbstractString) =
    read_string((b, c, k) -> ccall((:ferrolab_config_key_describe, lib), Int32,
                                   (Cstring, Ptr{UInt8}, Csize_t, Ref{Csize_t}), key, b, c, k))

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

"""SHO fits of spectra (columns of `re`, `im`: n_freq x n_spectra) at `freq_hz`: returns
(params 4 x n [A, w0 Hz, Q, phase rad], std_errors 4 x n, r2, flags)."""
function sho_fit(freq_hz::Vector{Float64}, re::Matrix{Float64}, im::Matrix{Float64}, cfg::Union{Config,Nothing}=nothing)
    nf, n = size(re)
    size(im) == (nf, n) || throw(ArgumentError("re and im differ in shape"))
    params, errors, r2, flags = Matrix{Float64}(undef, 4, n), Matrix{Float64}(undef, 4, n), Vector{Float64}(undef, n), Vector{Int32}(undef, n)
    check(ccall((:ferrolab_sho_fit, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Ptr{Float64}, Ptr{Float64}, Csize_t, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}, Ptr{Int32}),
                cfg === nothing ? C_NULL : cfg.handle, freq_hz, nf, re, im, n, params, errors, r2, flags))
    params, errors, r2, flags
end

"Phase offset theta that makes A cos(phi + theta) separate the polarization states."
function phase_rotation(amplitude::Vector{Float64}, phase::Vector{Float64})
    theta = Ref{Float64}(0)
    check(ccall((:ferrolab_phase_rotation, lib), Int32, (Ptr{Float64}, Ptr{Float64}, Csize_t, Ref{Float64}),
                amplitude, phase, length(amplitude), theta))
    theta[]
end

"A cos(phi + theta), element-wise."
function piezoresponse(amplitude::Vector{Float64}, phase::Vector{Float64}, theta::Real)
    out = similar(amplitude)
    check(ccall((:ferrolab_piezoresponse, lib), Int32, (Ptr{Float64}, Ptr{Float64}, Csize_t, Float64, Ptr{Float64}),
                amplitude, phase, length(amplitude), theta, out))
    out
end

"9-parameter switching-loop fits of the columns of `loops` (n_steps x n) over one voltage cycle: (params 9 x n, r2)."
function loop_fit(voltage::Vector{Float64}, loops::Matrix{Float64})
    steps, n = size(loops)
    params, r2 = Matrix{Float64}(undef, 9, n), Vector{Float64}(undef, n)
    check(ccall((:ferrolab_loop_fit, lib), Int32, (Ptr{Float64}, Csize_t, Ptr{Float64}, Csize_t, Ptr{Float64}, Ptr{Float64}),
                voltage, steps, loops, n, params, r2))
    params, r2
end

"Switching parameters (10 x n: V+, V-, width, imprint, R+, R-, switchable, area, nucleation 1 and 2) of fitted loops (params 9 x n)."
function loop_parameters(voltage::Vector{Float64}, params::Matrix{Float64})
    n = size(params, 2)
    out = Matrix{Float64}(undef, 10, n)
    check(ccall((:ferrolab_loop_parameters, lib), Int32, (Ptr{Float64}, Csize_t, Ptr{Float64}, Csize_t, Ptr{Float64}),
                voltage, length(voltage), params, n, out))
    out
end

"""Paper 000's inverse design into `out_dir` (report.md, design.npz); blocks until done.
Returns (z, parameters, std) of the design, or `nothing` when no latent point met the targets."""
function run_design(out_dir::AbstractString, cfg::Union{Config,Nothing}=nothing;
                    dataset::Union{AbstractString,Nothing}=nothing, full::Bool=false)
    h = Ref{Ptr{Cvoid}}(C_NULL)
    check(ccall((:ferrolab_design_new, lib), Int32, (Ptr{Cvoid}, Cstring, Cstring, Int32, Ref{Ptr{Cvoid}}),
                cfg === nothing ? C_NULL : cfg.handle, out_dir,
                dataset === nothing ? Cstring(C_NULL) : dataset, Int32(full), h))
    try
        check(ccall((:ferrolab_design_run, lib), Int32, (Ptr{Cvoid},), h[]))
        z, mean, sd = zeros(2), zeros(4), zeros(4)
        status = ccall((:ferrolab_design_result, lib), Int32, (Ptr{Cvoid}, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}),
                       h[], z, mean, sd)
        status == 0 || return nothing
        (z, mean, sd)
    finally
        ccall((:ferrolab_design_free, lib), Int32, (Ptr{Cvoid},), h[])
    end
end

"Stage (0 dataset .. 5 report), done and total of a running design handle (for a monitoring task)."
function design_progress(design::Ptr{Cvoid})
    stage, done, total = Ref{Int32}(0), Ref{Csize_t}(0), Ref{Csize_t}(0)
    check(ccall((:ferrolab_design_progress, lib), Int32, (Ptr{Cvoid}, Ref{Int32}, Ref{Csize_t}, Ref{Csize_t}),
                design, stage, done, total))
    Int(stage[]), Int(done[]), Int(total[])
end

"Ask a running design to stop; its dataset resumes later."
design_cancel(design::Ptr{Cvoid}) = check(ccall((:ferrolab_design_request_cancel, lib), Int32, (Ptr{Cvoid},), design))

"The last failure message of a design handle."
design_last_error(design::Ptr{Cvoid}) =
    read_string((b, c, k) -> ccall((:ferrolab_design_last_error, lib), Int32,
                                   (Ptr{Cvoid}, Ptr{UInt8}, Csize_t, Ref{Csize_t}), design, b, c, k))

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

"""
    progress_info(call) -> (done, total, stage, last_loss)

Progress of a handle's long jobs through its `ferrolab_<object>_progress_info`: units done and
total of the current stage, the stage, and the last training loss (NaN before any).
"""
function progress_info(call::Function)
    done, total, stage, loss = Ref{UInt64}(0), Ref{UInt64}(0), Ref{Int32}(0), Ref{Float64}(NaN)
    check(call(done, total, stage, loss))
    (Int(done[]), Int(total[]), Int(stage[]), loss[])
end

progress_info(c::Config) = progress_info((d, t, s, l) -> ccall((:ferrolab_config_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), c.handle, d, t, s, l))
progress_info(g::GaussianProcess) = progress_info((d, t, s, l) -> ccall((:ferrolab_gp_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), g.handle, d, t, s, l))
progress_info(v::VAE) = progress_info((d, t, s, l) -> ccall((:ferrolab_vae_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), v.handle, d, t, s, l))
"Progress of a sweep handle (structures; stage 0)."
sweep_progress_info(h::Ptr{Cvoid}) = progress_info((d, t, s, l) -> ccall((:ferrolab_sweep_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), h, d, t, s, l))
"Progress of a dataset handle (no jobs: 0 of 0)."
dataset_progress_info(h::Ptr{Cvoid}) = progress_info((d, t, s, l) -> ccall((:ferrolab_dataset_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), h, d, t, s, l))
"Progress of a design handle (stages 0-5, as `design_progress`)."
design_progress_info(h::Ptr{Cvoid}) = progress_info((d, t, s, l) -> ccall((:ferrolab_design_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), h, d, t, s, l))
"Progress of a polycrystal handle (no jobs: 0 of 0)."
polycrystal_progress_info(h::Ptr{Cvoid}) = progress_info((d, t, s, l) -> ccall((:ferrolab_polycrystal_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), h, d, t, s, l))

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

# Linear baselines. Julia matrices are column-major: x (n x d) goes to C as its transpose's
# memory, which is x row-major, and C's row-major outputs come back transposed.
rowmajor(x::AbstractMatrix) = Matrix{Float64}(permutedims(x))
cfgptr(cfg) = cfg === nothing ? C_NULL : cfg.handle

"""PCA of x (n x d): (components k x d, explained variance, scores n x k); center 0 = none
(truncated SVD), 1 = centre, 2 = standardise."""
function pca(x::AbstractMatrix, k::Integer; center::Integer=1)
    n, d = size(x)
    comps, var, scores = Matrix{Float64}(undef, d, k), Vector{Float64}(undef, k), Matrix{Float64}(undef, k, n)
    check(ccall((:ferrolab_pca, lib), Int32,
                (Ptr{Float64}, Csize_t, Csize_t, Csize_t, Int32, Ptr{Float64}, Ptr{Float64}, Ptr{Float64}),
                rowmajor(x), n, d, k, center, comps, var, scores))
    permutedims(comps), var, permutedims(scores)
end

"""NMF x ~ w h of non-negative x (n x d): (w n x k, h k x d, Frobenius error); keys nmf.*."""
function nmf(x::AbstractMatrix, k::Integer, cfg::Union{Config,Nothing}=nothing)
    n, d = size(x)
    w, h, err = Matrix{Float64}(undef, k, n), Matrix{Float64}(undef, d, k), Ref{Float64}(0)
    check(ccall((:ferrolab_nmf, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}, Ref{Float64}),
                cfgptr(cfg), rowmajor(x), n, d, k, w, h, err))
    permutedims(w), permutedims(h), err[]
end

"""Dictionary learning of x (n x d) with penalty lambda: (codes n x k, atoms k x d, MSE);
keys dictionary.*."""
function dictionary_learning(x::AbstractMatrix, k::Integer, lambda::Real, cfg::Union{Config,Nothing}=nothing)
    n, d = size(x)
    codes, atoms, mse = Matrix{Float64}(undef, k, n), Matrix{Float64}(undef, d, k), Ref{Float64}(0)
    check(ccall((:ferrolab_dictionary_learning, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Float64, Ptr{Float64}, Ptr{Float64},
                 Ref{Float64}),
                cfgptr(cfg), rowmajor(x), n, d, k, lambda, codes, atoms, mse))
    permutedims(codes), permutedims(atoms), mse[]
end

"""k-means of x (n x d): (centres k x d, labels n (1-based), inertia); keys kmeans.*."""
function kmeans(x::AbstractMatrix, k::Integer, cfg::Union{Config,Nothing}=nothing)
    n, d = size(x)
    centres, labels, inertia = Matrix{Float64}(undef, d, k), Vector{Int32}(undef, n), Ref{Float64}(0)
    check(ccall((:ferrolab_kmeans, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ptr{Int32}, Ref{Float64}),
                cfgptr(cfg), rowmajor(x), n, d, k, centres, labels, inertia))
    permutedims(centres), labels .+ 1, inertia[]
end

"""Gaussian mixture of x (n x d): (weights, means k x d, covariances d x d x k, labels n
(1-based), mean log-likelihood); keys gmm.*."""
function gmm(x::AbstractMatrix, k::Integer, cfg::Union{Config,Nothing}=nothing)
    n, d = size(x)
    weights, means, covs = Vector{Float64}(undef, k), Matrix{Float64}(undef, d, k), Array{Float64}(undef, d, d, k)
    labels, score = Vector{Int32}(undef, n), Ref{Float64}(0)
    check(ccall((:ferrolab_gmm, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}, Ptr{Float64}, Ptr{Float64},
                 Ptr{Int32}, Ref{Float64}),
                cfgptr(cfg), rowmajor(x), n, d, k, weights, means, covs, labels, score))
    # Each d x d covariance is symmetric, so its row-major and column-major layouts agree.
    weights, permutedims(means), covs, labels .+ 1, score[]
end

"""Gaussian kernel density of data (n x d) at points (m x d); keys kde.*."""
function kde(data::AbstractMatrix, points::AbstractMatrix, cfg::Union{Config,Nothing}=nothing)
    n, d = size(data)
    m = size(points, 1)
    density = Vector{Float64}(undef, m)
    check(ccall((:ferrolab_kde, lib), Int32,
                (Ptr{Cvoid}, Ptr{Float64}, Csize_t, Csize_t, Ptr{Float64}, Csize_t, Ptr{Float64}),
                cfgptr(cfg), rowmajor(data), n, d, rowmajor(points), m, density))
    density
end

"""Pearson r of every column of a (n x p) with every column of b (n x q): p x q."""
function pearson_matrix(a::AbstractMatrix, b::AbstractMatrix)
    n, p = size(a)
    q = size(b, 2)
    r = Matrix{Float64}(undef, q, p)
    check(ccall((:ferrolab_pearson_matrix, lib), Int32,
                (Ptr{Float64}, Ptr{Float64}, Csize_t, Csize_t, Csize_t, Ptr{Float64}),
                rowmajor(a), rowmajor(b), n, p, q, r))
    permutedims(r)
end

end # module
