# Ferrolab.jl: ferrolab from Julia through `ccall`, one method per C function of
# include/ferrolab.h plus types (`Config`, `GaussianProcess`, `VAE`, `LstmVAE`, `Rvae`, `Unet`, `Im2Spec`,
# `Spec2Im`, `AeSession`) that free their handles.
#
#   ] dev bindings/julia/Ferrolab            # once; or include("bindings/julia/Ferrolab.jl")
#   using Ferrolab
#   cfg = Ferrolab.Config(); Ferrolab.set!(cfg, "pf.grain_diameter_nm", 10.0)
#
# The library: the path in the environment variable FERROLAB_LIB, else the repository's
# target/release/libferrolab.{so,dylib,dll} (`cargo build --release`).
#
# One array convention throughout: a data matrix is features x samples, one sample per
# column, Julia's column-major layout. The C API takes row-major n x d arrays, which are the
# same bytes as a column-major d x n matrix, so matrices go to C and come back without a copy
# or a transpose.
#
# Julia is not installed on the CI machines: ffi/tests/julia_drift.rs parses these sources
# and checks every `ccall` (name, argument count, C types) against the header instead.
module Ferrolab

"The shared library: `FERROLAB_LIB`, else the repository's target/release build."
const lib = get(ENV, "FERROLAB_LIB",
                joinpath(@__DIR__, "..", "..", "..", "..", "target", "release",
                         "libferrolab." * Base.Libc.Libdl.dlext))

function __init__()
    # `lib` is fixed when the package is precompiled; a later FERROLAB_LIB is not seen until
    # the package is precompiled again.
    env = get(ENV, "FERROLAB_LIB", nothing)
    if env !== nothing && env != lib
        @warn "FERROLAB_LIB changed since Ferrolab was precompiled; using $lib " *
              "(run `Base.compilecache(Base.PkgId(Ferrolab))` or touch src/Ferrolab.jl to switch)"
    end
end

include("core.jl")
include("config.jl")
include("phasefield.jl")
include("gp.jl")
include("beps.jl")
include("design.jl")
include("vae.jl")
include("lstm_vae.jl")
include("rvae.jl")
include("unet.jl")
include("im2spec.jl")
include("ae.jl")
include("progress.jl")
include("analysis.jl")
include("manifold.jl")

end # module
