/**
 * Lua scripts: each write is one script, so its checks (expected revision, fence, allocation) and its
 * effects (revision bump, object, stream entry) are atomic. Times come from the server's TIME, so
 * lease expiry means the same to every client.
 */

/**
 * KEYS: rev objs rvs events uid ips ports lease
 * ARGV: field mode(create|update|delete) expectedRV head tail eventType maxlen uidCandidate fenceToken
 *       nClaimIPs nClaimPorts nReleaseIPs nReleasePorts checkClaims('1'|'0') values...
 * (A trusted write mirrors a real API server's object: its addresses are booked without the check.)
 * Returns {'ok', rev} | {'exists', rv} | {'notfound'} | {'conflict', rv} | {'fenced'} | {'taken', what, value}.
 */
export const WRITE = `
local cur = redis.call('HGET', KEYS[3], ARGV[1])
local mode = ARGV[2]
if mode == 'create' then
  if cur then return {'exists', cur} end
else
  if not cur then return {'notfound'} end
  if ARGV[3] ~= '' and cur ~= ARGV[3] then return {'conflict', cur} end
end
if ARGV[9] ~= '' then
  local l = redis.call('HMGET', KEYS[8], 'token', 'expiresAt')
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if (not l[1]) or l[1] ~= ARGV[9] or tonumber(l[2]) <= now then return {'fenced'} end
end
local nci, ncp, nri, nrp = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local i = 15
if ARGV[14] == '1' then
  for j = 0, nci - 1 do
    if redis.call('SISMEMBER', KEYS[6], ARGV[i + j]) == 1 then return {'taken', 'ip', ARGV[i + j]} end
  end
  for j = 0, ncp - 1 do
    if redis.call('SISMEMBER', KEYS[7], ARGV[i + nci + j]) == 1 then return {'taken', 'port', ARGV[i + nci + j]} end
  end
end
for j = 0, nci - 1 do redis.call('SADD', KEYS[6], ARGV[i + j]) end
for j = 0, ncp - 1 do redis.call('SADD', KEYS[7], ARGV[i + nci + j]) end
i = i + nci + ncp
for j = 0, nri - 1 do redis.call('SREM', KEYS[6], ARGV[i + j]) end
for j = 0, nrp - 1 do redis.call('SREM', KEYS[7], ARGV[i + nri + j]) end
redis.call('SET', KEYS[5], ARGV[8], 'NX')
local rev = redis.call('INCR', KEYS[1])
local obj = ARGV[4] .. rev .. ARGV[5]
if mode == 'delete' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], obj)
  redis.call('HSET', KEYS[3], ARGV[1], rev)
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], rev .. '-0', 't', ARGV[6], 'o', obj)
return {'ok', rev}
`;

/** KEYS: rev uid; ARGV: uidCandidate. Returns {rev, uid}. */
export const IDENTITY = `
redis.call('SET', KEYS[2], ARGV[1], 'NX')
return {redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2])}
`;

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: lease; ARGV: holder ttlMs. Returns {holder, token, expiresAt} or nil while another holds it. */
export const LEASE_ACQUIRE = `
${NOW}
local l = redis.call('HMGET', KEYS[1], 'holder', 'token', 'expiresAt')
local live = l[3] and tonumber(l[3]) > now
if live and l[1] ~= ARGV[1] then return nil end
local exp = now + tonumber(ARGV[2])
local token = l[2]
if not (live and l[1] == ARGV[1]) then token = redis.call('HINCRBY', KEYS[1], 'token', 1) end
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'expiresAt', exp)
return {ARGV[1], tostring(token), tostring(exp)}
`;

/** KEYS: lease; ARGV: holder token ttlMs. Returns {holder, token, expiresAt} or nil if lost. */
export const LEASE_RENEW = `
${NOW}
local l = redis.call('HMGET', KEYS[1], 'holder', 'token', 'expiresAt')
if l[1] ~= ARGV[1] or l[2] ~= ARGV[2] or not l[3] or tonumber(l[3]) <= now then return nil end
local exp = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'expiresAt', exp)
return {ARGV[1], ARGV[2], tostring(exp)}
`;

/** KEYS: lease; ARGV: token. The token counter stays, so tokens keep growing after a release. */
export const LEASE_RELEASE = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'holder', '', 'expiresAt', 0)
end
return 1
`;

/** KEYS: lease. Returns {holder, token, expiresAt} while held, else nil. */
export const LEASE_GET = `
${NOW}
local l = redis.call('HMGET', KEYS[1], 'holder', 'token', 'expiresAt')
if not l[3] or tonumber(l[3]) <= now then return nil end
return {l[1], l[2], l[3]}
`;

/** KEYS: nodes hash; ARGV: node head tail. Stores head .. now .. tail; returns now. */
export const HEARTBEAT = `
${NOW}
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. now .. ARGV[3])
return now
`;
