-- GET /xapi/statements by agent, verb and activity: a random learner's completions of a random
-- lesson (wrk -s).
init = function() math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end
local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
request = function()
  local agent = '{"objectType":"Agent","account":{"homePage":"https://lifelong.sh.cn","name":"31000000' ..
    string.format("%08d", math.random(1, 100000)) .. '"}}'
  local activity = "https://learn.shlll.cn/courses/" .. math.random(1, 2000) .. "/lessons/" .. math.random(1, 40)
  return wrk.format("GET", "/xapi/statements?agent=" .. encode(agent) .. "&verb=" ..
    encode("http://adlnet.gov/expapi/verbs/completed") .. "&activity=" .. encode(activity))
end
