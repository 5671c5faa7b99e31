-- The personal manage page of a registration, by its secret link.
-- Data file: one manage token per line; target: the path prefix, e.g. /anmeldung/.
dofile("bench/wrk/common.lua")

init = start

function request()
  return wrk.format("GET", target .. next_line() .. "/", base_headers())
end
