# Paper 000's inverse design, run in full from Julia.

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
