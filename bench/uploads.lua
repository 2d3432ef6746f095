-- wrk script for POST /hangouts/{id}/memories/uploads: posts the JSON body from
-- BENCH_UPLOAD_BODY (e.g. {"files":[{"filename":"...","contentType":"...","size":...,
-- "sha256":"..."}, ...]}) to the paths in BENCH_UPLOAD_PATHS (comma-separated, e.g.
-- /hangouts/<id>/memories/uploads,...), one after the other, round-robin. The bearer token comes
-- from wrk's -H. Counts response statuses, which done() prints as "status <code>: <count>" lines
-- for bench/wrk.ts to parse.

local body = os.getenv("BENCH_UPLOAD_BODY")
if body == nil or body == "" then
  error("BENCH_UPLOAD_BODY is not set")
end
local paths = {}
for path in string.gmatch(os.getenv("BENCH_UPLOAD_PATHS") or "", "[^,]+") do
  table.insert(paths, path)
end
if #paths == 0 then
  error("BENCH_UPLOAD_PATHS is not set")
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = body

-- Every request formatted once per thread: request() only picks the next one.
local prepared = {}
local next_request = 0

function init(args)
  for i, path in ipairs(paths) do
    prepared[i] = wrk.format(nil, path)
  end
end

function request()
  next_request = next_request % #prepared + 1
  return prepared[next_request]
end

-- Status counting shared with the other scripts, from this script's own folder.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "statuses.lua")
