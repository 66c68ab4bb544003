-- The request mix of bench/load.py for wrk: each connection is a stream of people's requests,
-- picked at random from the prepared rows (weighted by repetition), with an exponential pause
-- between two requests (mean THINK ms), as many people each reading or writing now and then.
--
--   wrk -t T -c C -d Ds -s bench/load.lua https://localhost:PORT -- ROWS.lua THINK SEED
--
-- ROWS.lua returns a table of {method, path, headers, body}. Latency per class is read from
-- nginx's access log (the rows carry X-Bench-Class), not from here: wrk's latency is per run.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local requests = {}
local think = 250

function init(args)
  local rows = dofile(args[1])
  think = tonumber(args[2])
  math.randomseed(tonumber(args[3]) * 1000 + tid)
  for i, row in ipairs(rows) do
    requests[i] = wrk.format(row[1], row[2], row[3], row[4])
  end
end

function delay()
  return math.floor(-math.log(1 - math.random()) * think)
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "non_2xx_3xx": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
