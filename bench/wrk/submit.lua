-- Registration submit: each signed-in contact person registers themself once (who=self).
-- Data file: "<session key> <csrf token>" per line; target: the form's path.
dofile("bench/wrk/common.lua")

init = start

function request()
  local key, csrf = next_line():match("(%S+) (%S+)")
  local headers = base_headers()
  headers["Cookie"] = "sessionid=" .. key .. "; csrftoken=" .. csrf
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  local body = "csrfmiddlewaretoken=" .. csrf .. "&who=self&diet=none&visibility=nobody&privacy=on"
  return wrk.format("POST", target, headers, body)
end
