import {
  api,
  call,
  type AgentView,
  type ApprovalPolicyBody,
  type ApprovalPolicyList,
  type ApprovalPolicyView,
  type OrgUpdate,
  type OrgView,
  type ReviewerRole,
  type ReviewerView,
} from "../api";

export function updateOrg(change: OrgUpdate): Promise<OrgView> {
  return call(api.PATCH("/api/v1/org", { body: change }));
}

export function listPolicies(signal?: AbortSignal): Promise<ApprovalPolicyList> {
  return call(api.GET("/api/v1/policies", { signal }));
}

export function createPolicy(body: ApprovalPolicyBody): Promise<ApprovalPolicyView> {
  return call(api.POST("/api/v1/policies", { body }));
}

export function updatePolicy(id: string, body: ApprovalPolicyBody): Promise<ApprovalPolicyView> {
  return call(api.PUT("/api/v1/policies/{policy_id}", { params: { path: { policy_id: id } }, body }));
}

export function deletePolicy(id: string): Promise<void> {
  return call(api.DELETE("/api/v1/policies/{policy_id}", { params: { path: { policy_id: id } } })).then(() => undefined);
}

export async function listReviewers(signal?: AbortSignal): Promise<ReviewerView[]> {
  return (await call(api.GET("/api/v1/reviewers", { signal }))).items;
}

export function setReviewerRole(id: string, role: ReviewerRole): Promise<ReviewerView> {
  return call(api.PATCH("/api/v1/reviewers/{reviewer_id}", { params: { path: { reviewer_id: id } }, body: { role } }));
}

export async function listAgents(signal?: AbortSignal): Promise<AgentView[]> {
  return (await call(api.GET("/api/v1/agents", { signal }))).items;
}

export function setAgentOwner(id: string, ownerReviewerId: string | null): Promise<AgentView> {
  return call(api.PATCH("/api/v1/agents/{agent_id}", { params: { path: { agent_id: id } }, body: { owner_reviewer_id: ownerReviewerId } }));
}
