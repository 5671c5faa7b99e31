-- A signed-in GET (event page, registration form, my registrations), each request from another
-- signed-in contact person.
-- Data file: "<session key> <csrf token>" per line; target: the form's path.
dofile("bench/wrk/common.lua")

init = start

function request()
  local key, csrf = next_line():match("(%S+) (%S+)")
  local headers = base_headers()
  headers["Cookie"] = "sessionid=" .. key .. "; csrftoken=" .. csrf
  return wrk.format("GET", target, headers)
end
