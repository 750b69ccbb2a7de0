-- SPDX-License-Identifier: MIT
-- wrk script: every write sends `depth` requests back to back (pipelining, 16 by default, as the
-- TechEmpower plaintext test does); wrk counts each response as a request.
--   wrk -t1 -c256 -d10 -s bench/load/pipeline.lua http://127.0.0.1:8080/plaintext -- 16
local batch

function init(args)
    local depth = tonumber(args[1]) or 16
    local one = wrk.format(nil, nil, {["Connection"] = "keep-alive"})
    batch = string.rep(one, depth)
end

function request()
    return batch
end
