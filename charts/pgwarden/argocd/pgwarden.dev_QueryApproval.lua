-- Argo CD health of a pgwarden QueryApproval (Argo sets the global `obj`).
--
-- Suspended    Pending, or no phase yet: a statement waits for a human reviewer.
-- Progressing  a reviewer decided (spec.decision) but the operator has not recorded it yet.
-- Healthy      Approved, Executed or Denied: a reviewer decided; a denial is a good outcome too.
-- Degraded     Expired (nobody decided in time) or Failed (approved, but the statement failed).
-- Unknown      a phase this script does not know (a newer operator).
local hs = {}

local spec = obj.spec or {}
local status = obj.status or {}
local phase = status.phase

local function by(prefix)
  if status.reviewedBy ~= nil and status.reviewedBy ~= "" then
    return prefix .. " by " .. status.reviewedBy
  end
  return prefix
end

local function withComment(message)
  if spec.comment ~= nil and spec.comment ~= "" then
    return message .. ": " .. spec.comment
  end
  return message
end

if phase == nil or phase == "" or phase == "Pending" then
  if spec.decision == "Approved" or spec.decision == "Denied" then
    hs.status = "Progressing"
    hs.message = spec.decision .. ", waiting for the operator to record the decision"
    return hs
  end
  hs.status = "Suspended"
  hs.message = "Waiting for a reviewer"
  if spec.rule ~= nil and spec.rule ~= "" then
    hs.message = hs.message .. " (rule " .. spec.rule .. ")"
  end
  return hs
end

if phase == "Approved" then
  hs.status = "Healthy"
  hs.message = withComment(by("Approved"))
elseif phase == "Executed" then
  hs.status = "Healthy"
  hs.message = withComment(by("Executed after approval"))
elseif phase == "Denied" then
  hs.status = "Healthy"
  hs.message = withComment(by("Denied"))
elseif phase == "Expired" then
  hs.status = "Degraded"
  hs.message = "Expired without a decision"
  if spec.expiresAt ~= nil then
    hs.message = hs.message .. " at " .. spec.expiresAt
  end
elseif phase == "Failed" then
  hs.status = "Degraded"
  hs.message = "Approved, but the statement failed"
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. tostring(phase)
end
return hs
