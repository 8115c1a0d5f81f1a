# Band-excitation piezoresponse: SHO fits, phase rotation, switching-loop fits. Spectra and
# loops are columns (points x samples).

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
