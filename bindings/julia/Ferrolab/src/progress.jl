# Progress of any handle's long jobs (after config.jl, gp.jl, vae.jl, lstm_vae.jl, rvae.jl and unet.jl: it
# dispatches on their types).

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
progress_info(v::LstmVAE) = progress_info((d, t, s, l) -> ccall((:ferrolab_lstm_vae_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), v.handle, d, t, s, l))
progress_info(v::Rvae) = progress_info((d, t, s, l) -> ccall((:ferrolab_rvae_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), v.handle, d, t, s, l))
progress_info(u::Unet) = progress_info((d, t, s, l) -> ccall((:ferrolab_unet_progress_info, lib), Int32,
    (Ptr{Cvoid}, Ref{UInt64}, Ref{UInt64}, Ref{Int32}, Ref{Float64}), u.handle, d, t, s, l))
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
