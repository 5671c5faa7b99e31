-- Anonymous GET of the URL given to wrk.
dofile("bench/wrk/common.lua")

function init(args)
  origin = args[1]
  wrapped = 0
end

function request()
  return wrk.format("GET", nil, base_headers())
end
