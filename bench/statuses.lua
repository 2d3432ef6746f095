-- Shared by the wrk scripts (dofile'd): counts response statuses per thread, and done() prints
-- them as "status <code>: <count>" lines for bench/wrk.ts to parse.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for code, count in pairs(counts) do
      io.write(string.format("status %d: %d\n", code, count))
    end
  end
end
