-- wrk script for POST /auth/login: posts the JSON body from BENCH_LOGIN_BODY
-- (e.g. {"email":"...","password":"..."}) and counts response statuses, which done()
-- prints as "status <code>: <count>" lines for bench/run.ts to parse.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_LOGIN_BODY")
if wrk.body == nil or wrk.body == "" then
  error("BENCH_LOGIN_BODY is not set")
end

-- Status counting shared with the other scripts, from this script's own folder.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "statuses.lua")
