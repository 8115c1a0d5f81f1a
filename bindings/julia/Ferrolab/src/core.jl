# Status codes, errors, strings, version, worker pool and memory budget.

const OK = Int32(0)
const WARN_TRUNCATED = Int32(1)
const WARN_NO_SELECTION = Int32(2)

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
