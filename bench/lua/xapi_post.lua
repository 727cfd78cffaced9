-- POST /xapi/statements, one statement a request (wrk -s; run from bench/).
package.path = "bench/lua/?.lua;lua/?.lua;" .. package.path
require "xapi_statement"
init = function() math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end
request = function()
  return wrk.format("POST", "/xapi/statements", nil, statement())
end
