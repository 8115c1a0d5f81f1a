# Kept so that `include("bindings/julia/Ferrolab.jl"); using .Ferrolab` still works: the
# package itself is bindings/julia/Ferrolab (Project.toml, src/, test/runtests.jl).
include(joinpath(@__DIR__, "Ferrolab", "src", "Ferrolab.jl"))
