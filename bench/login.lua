-- wrk script for POST /auth/login: posts the JSON body from BENCH_LOGIN_BODY
-- (e.g. {"email":"...","password":"..."}) and counts response statuses, which done()
-- prints as "status <code>: <count>" lines for bench/run.ts to parse.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_LOGIN_BODY")
if wrk.body == nil or wrk.body == "" then
  error("BENCH_LOGIN_BODY is not set")
end

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
