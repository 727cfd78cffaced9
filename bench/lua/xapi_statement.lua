-- One xAPI statement of the LRS benchmark as JSON: a lifelong account completing a lesson of a
-- course, with its own random (version 4) id as platforms send them. The same shape as the rows
-- bench/lrs_raw.c writes.
local hex = "0123456789abcdef"
local function rnd(n)
  local t = {}
  for i = 1, n do local k = math.random(1, 16); t[i] = hex:sub(k, k) end
  return table.concat(t)
end
function statement()
  local id = rnd(8) .. "-" .. rnd(4) .. "-4" .. rnd(3) .. "-a" .. rnd(3) .. "-" .. rnd(12)
  local lesson = math.random(1, 40)
  return '{"id":"' .. id .. '","actor":{"objectType":"Agent","account":{"homePage":"https://lifelong.sh.cn","name":"31000000' ..
    string.format("%08d", math.random(1, 100000)) .. '"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"zh-CN":"完成"}},' ..
    '"object":{"objectType":"Activity","id":"https://learn.shlll.cn/courses/' .. math.random(1, 2000) .. '/lessons/' .. lesson ..
    '","definition":{"name":{"zh-CN":"第' .. lesson .. '课"}}},"result":{"completion":true,"duration":"PT' .. math.random(5, 90) .. 'M"},' ..
    '"context":{"contextActivities":{"parent":[{"id":"https://learn.shlll.cn/courses/' .. math.random(1, 2000) .. '"}]},"platform":"上海学习网"},' ..
    '"timestamp":"2026-11-24T09:30:00.000+08:00"}'
end
