import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, call, type ReviewerRole } from "../api";

/**
 * The signed-in reviewer's role, from `GET /api/v1/me` (the sign-in session
 * does not carry it). `null` until it is known, or when it could not be read:
 * screens then show what they would show a deciding reviewer, and the server,
 * which checks every change, has the last word.
 */
export interface RoleState {
  role: ReviewerRole | null;
}

const ROLES: readonly ReviewerRole[] = ["auditor", "reviewer", "senior", "admin"];
const RoleContext = createContext<RoleState>({ role: null });

export function asRole(value: string | null | undefined): ReviewerRole | null {
  return ROLES.find((role) => role === value) ?? null;
}

/** Loads the role once per sign-in; mount it only behind the sign-in gate. */
export function RoleProvider({ children, role: given }: { children: ReactNode; role?: ReviewerRole }) {
  const [role, setRole] = useState<ReviewerRole | null>(given ?? null);

  useEffect(() => {
    if (given) return;
    const controller = new AbortController();
    call(api.GET("/api/v1/me", { signal: controller.signal }))
      .then((me) => setRole(asRole(me.reviewer_role)))
      // Unknown role: the screens stay as for a deciding reviewer; the server refuses what is not allowed.
      .catch(() => undefined);
    return () => controller.abort();
  }, [given]);

  const value = useMemo(() => ({ role }), [role]);
  return <RoleContext.Provider value={value}>{children}</RoleContext.Provider>;
}

export function useRole(): RoleState {
  return useContext(RoleContext);
}

/** Auditors read everything and decide nothing; every other role decides. */
export function mayDecide(role: ReviewerRole | null): boolean {
  return role !== "auditor";
}

/** Only admins change org policy, approval policies, roles and agent owners. Unknown counts as "may try". */
export function mayAdminister(role: ReviewerRole | null): boolean {
  return role === null || role === "admin";
}

/** Compliance reports and audit-chain checks are for admins and auditors. Unknown counts as "may try". */
export function mayReport(role: ReviewerRole | null): boolean {
  return role === null || role === "admin" || role === "auditor";
}

export const READ_ONLY_TEXT = "Read-only: auditors see the queue but cannot approve or deny.";

export const ROLE_LABEL: Record<ReviewerRole, string> = {
  auditor: "Auditor",
  reviewer: "Reviewer",
  senior: "Senior",
  admin: "Admin",
};

/** "a senior", "an admin": for sentences like "Needs a senior". */
export function roleWithArticle(role: string): string {
  return /^[aeiou]/i.test(role) ? `an ${role}` : `a ${role}`;
}
