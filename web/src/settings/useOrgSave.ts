import { useState } from "react";
import { asApiError, type ApiError, type OrgUpdate, type OrgView } from "../api";
import { updateOrg } from "./settingsApi";

/** Saving part of the organisation's policy: busy, the server's refusal, and a confirmation. */
export function useOrgSave(onSaved: (org: OrgView) => void) {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState("");

  async function save(change: OrgUpdate, message: string): Promise<OrgView | null> {
    setSaving(true);
    setError(null);
    setSaved("");
    try {
      const org = await updateOrg(change);
      onSaved(org);
      setSaved(message);
      return org;
    } catch (err) {
      setError(asApiError(err));
      return null;
    } finally {
      setSaving(false);
    }
  }

  function edited() {
    setSaved("");
    setError(null);
  }

  return { saving, error, saved, save, edited };
}
