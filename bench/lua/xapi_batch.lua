-- POST /xapi/statements, a batch of 100 statements a request (wrk -s).
package.path = "bench/lua/?.lua;lua/?.lua;" .. package.path
require "xapi_statement"
init = function() math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end
request = function()
  local t = {}
  for i = 1, 100 do t[i] = statement() end
  return wrk.format("POST", "/xapi/statements", nil, "[" .. table.concat(t, ",") .. "]")
end
