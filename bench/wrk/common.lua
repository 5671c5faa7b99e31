-- Shared by the bench scripts: per-thread slices of a data file, and a machine-readable summary.
-- Arguments after `--`: <origin> <data file> <path or path prefix> [extra]

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function load_lines(file)
  local lines = {}
  for line in io.lines(file) do
    table.insert(lines, line)
  end
  return lines
end

-- Each thread walks its own slice (tid, tid + n, tid + 2n, ...), so no line is used twice
-- until the file is exhausted; `wrapped` counts requests sent after that.
function start(args)
  origin = args[1]
  lines = load_lines(args[2])
  target = args[3]
  extra = args[4]
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  index = tid + 1
  wrapped = 0
end

function next_line()
  local line = lines[index]
  index = index + nthreads
  if index > #lines then
    index = tid + 1
    wrapped = wrapped + 1
  end
  return line
end

function base_headers()
  -- The TLS-terminating proxy sets this in production; without it SECURE_SSL_REDIRECT answers 301.
  return { ["X-Forwarded-Proto"] = "https", ["Origin"] = origin, ["Referer"] = origin .. "/" }
end

function done(summary, latency, requests)
  local w = 0
  for _, thread in ipairs(threads) do
    w = w + (tonumber(thread:get("wrapped")) or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "errors_connect": %d, "errors_read": %d, "errors_write": %d, ' ..
    '"errors_status": %d, "errors_timeout": %d, "wrapped": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), e.connect, e.read, e.write, e.status,
    e.timeout, w))
end
