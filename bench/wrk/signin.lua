-- Sign-in request: POST an e-mail address of the directory, a different one each time.
-- Data file: "<e-mail> <csrf token>" per line; target: /anmelden/.
dofile("bench/wrk/common.lua")

init = start

function request()
  local email, csrf = next_line():match("(%S+) (%S+)")
  local headers = base_headers()
  headers["Cookie"] = "csrftoken=" .. csrf
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  local body = "csrfmiddlewaretoken=" .. csrf .. "&email=" .. email:gsub("@", "%%40")
  return wrk.format("POST", target, headers, body)
end
