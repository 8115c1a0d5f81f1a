# Options: the `Config` handle, its typed getters and setters, and the key catalogue.

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
