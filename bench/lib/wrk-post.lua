-- wrk script of bench/lib/wrk-load.ts: closed-loop single POSTs, each with its own body.
--
--   wrk -t T -c C -d S --timeout 30s -s bench/lib/wrk-post.lua URL -- <templates file> <header file>
--
-- <templates file>: one body template a line; request i (0, 1, 2, ... over the whole run, each
-- thread taking every T-th) sends template (i mod lines) with every "{i}" replaced by i, so a body
-- carries a unique id and cycles through the same services as the node loaders' bodies.
-- <header file>: "name: value" lines sent with every request (content-type included).
-- done() prints one line, "WRK_RESULT requests=.. duration_us=.. p50_us=.. p99_us=.. ...", that
-- wrk-load.ts reads.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

local parts = {}
local n = 0
local step = 1
local i = 0

function init(args)
  local templates = lines(args[1])
  for _, line in ipairs(lines(args[2])) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
  end
  -- each template split at its "{i}" markers once, joined with i per request
  for k, t in ipairs(templates) do
    local p = {}
    local from = 1
    while true do
      local s, e = t:find("{i}", from, true)
      if not s then break end
      p[#p + 1] = t:sub(from, s - 1)
      from = e + 1
    end
    p[#p + 1] = t:sub(from)
    parts[k] = p
  end
  n = #parts
  step = tonumber(args[3]) or 1
  i = index or 0
end

local concat = table.concat
local format = wrk.format
local tostring = tostring

function request()
  local p = parts[(i % n) + 1]
  local id = tostring(i)
  i = i + step
  local body
  if #p == 1 then body = p[1] else body = concat(p, id) end
  return format("POST", nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
