-- Argo CD health of a pgwarden DatabaseAccessPolicy (Argo sets the global `obj`).
--
-- Healthy      Ready=True, and the operator has seen the current spec (status.observedGeneration
--              equals metadata.generation).
-- Degraded     Degraded=True or Ready=False, for the current spec; the message is the condition's.
-- Progressing  no status yet, the operator has not seen the current spec, or Ready is Unknown.
--
-- A condition about an older generation says nothing about the spec just applied (it may be the
-- fix), so a stale status is Progressing, not Degraded; its last message is still shown.
local hs = {}

local function condition(conditions, type)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function describe(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local status = obj.status
if status == nil or status.conditions == nil or #status.conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile the policy"
  return hs
end

local ready = condition(status.conditions, "Ready")
local degraded = condition(status.conditions, "Degraded")
local generation = obj.metadata and obj.metadata.generation
local observed = status.observedGeneration

if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  if ready ~= nil and ready.status == "False" then
    hs.message = hs.message .. " (last: " .. describe(ready, "not ready") .. ")"
  end
  return hs
end

if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(degraded, "Degraded")
  return hs
end

if ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(ready, "Not ready")
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready, "Waiting for the Ready condition")
return hs
