/**
 * Lua scripts: each write is one script, so its checks (expected revision, fence, allocation) and its
 * effects (revision bump, object, stream entry) are atomic. Times come from the server's TIME, so
 * lease expiry means the same to every client.
 */

/**
 * The object write script: a batch of ops on one kind (one hash tag, so one Cluster slot), each
 * decided on its own, as if each were its own script: expected revision, allocation claims, then
 * revision bump, object, stream entry `XADD MAXLEN ~ N` with ID `<revision>-0`. A single write is a
 * batch of one.
 *
 * KEYS: rev objs rvs events uid ips ports fence barrier
 * ARGV: maxlen uidCandidate fenceMode('' | 'lease' | 'max') fenceToken fenceName durable('1'|'0') nOps,
 *       then per op: field mode(create|update|delete) expectedRV head tail eventType
 *       nClaimIPs nClaimPorts nReleaseIPs nReleasePorts checkClaims('1'|'0') values...
 * Fence modes: 'lease' compares the token with the lease hash (KEYS[8]) and the server's clock, all
 * in this script (one Redis, or Sentinel); 'max' (Cluster, where the lease lives in another slot)
 * refuses a token lower than the highest seen for that lease on this kind (hash KEYS[8]), the
 * lease itself having been checked just before. A lost fence refuses the whole batch.
 * durable: when no op wrote anything, INCR KEYS[9], so that the WAIT after this script covers what
 * the caller read before it (an 'unchanged' apply, a NotFound) as well.
 * (A trusted write mirrors a real API server's object: its addresses are booked without the check.)
 * Returns {'fenced'}, or per op {'ok', rev} | {'exists', rv} | {'notfound'} | {'conflict', rv} | {'taken', what, value}.
 */
export const WRITE = `
local maxlen, fmode, ftoken = ARGV[1], ARGV[3], ARGV[4]
if fmode == 'lease' then
  local l = redis.call('HMGET', KEYS[8], 'token', 'expiresAt')
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if (not l[1]) or l[1] ~= ftoken or tonumber(l[2]) <= now then return {'fenced'} end
elseif fmode == 'max' then
  local seen = redis.call('HGET', KEYS[8], ARGV[5])
  if seen and tonumber(seen) > tonumber(ftoken) then return {'fenced'} end
  if seen ~= ftoken then redis.call('HSET', KEYS[8], ARGV[5], ftoken) end
end
local out = {}
local wrote = false
local i = 8
for op = 1, tonumber(ARGV[7]) do
  local field, mode, expected = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local nci, ncp, nri, nrp = tonumber(ARGV[i + 6]), tonumber(ARGV[i + 7]), tonumber(ARGV[i + 8]), tonumber(ARGV[i + 9])
  local v = i + 11
  local cur = redis.call('HGET', KEYS[3], field)
  local res
  if mode == 'create' then
    if cur then res = {'exists', cur} end
  elseif not cur then res = {'notfound'}
  elseif expected ~= '' and cur ~= expected then res = {'conflict', cur}
  end
  if not res and ARGV[i + 10] == '1' then
    for j = 0, nci - 1 do
      if not res and redis.call('SISMEMBER', KEYS[6], ARGV[v + j]) == 1 then res = {'taken', 'ip', ARGV[v + j]} end
    end
    for j = 0, ncp - 1 do
      if not res and redis.call('SISMEMBER', KEYS[7], ARGV[v + nci + j]) == 1 then res = {'taken', 'port', ARGV[v + nci + j]} end
    end
  end
  if not res then
    for j = 0, nci - 1 do redis.call('SADD', KEYS[6], ARGV[v + j]) end
    for j = 0, ncp - 1 do redis.call('SADD', KEYS[7], ARGV[v + nci + j]) end
    local r = v + nci + ncp
    for j = 0, nri - 1 do redis.call('SREM', KEYS[6], ARGV[r + j]) end
    for j = 0, nrp - 1 do redis.call('SREM', KEYS[7], ARGV[r + nri + j]) end
    if not wrote then redis.call('SET', KEYS[5], ARGV[2], 'NX') end
    local rev = redis.call('INCR', KEYS[1])
    local obj = ARGV[i + 3] .. rev .. ARGV[i + 4]
    if mode == 'delete' then
      redis.call('HDEL', KEYS[2], field)
      redis.call('HDEL', KEYS[3], field)
    else
      redis.call('HSET', KEYS[2], field, obj)
      redis.call('HSET', KEYS[3], field, rev)
    end
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', maxlen, rev .. '-0', 't', ARGV[i + 5], 'o', obj)
    wrote = true
    res = {'ok', rev}
  end
  out[op] = res
  i = v + nci + ncp + nri + nrp
end
if ARGV[6] == '1' and not wrote then redis.call('INCR', KEYS[9]) end
return out
`;

/**
 * KEYS: rev uid; ARGV: uidCandidate. Returns {rev, uid, runId}: the run id of the server that holds
 * the kind (on Redis Cluster, the node serving its slot, which a failover replaces).
 */
export const IDENTITY = `
redis.call('SET', KEYS[2], ARGV[1], 'NX')
local info = redis.call('INFO', 'server')
return {redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2]), string.match(info, 'run_id:(%w+)') or ''}
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
