import { useId, useState, type FormEvent } from "react";
import type { OrgView } from "../api";
import { egressProblem, MAX_EGRESS_HOSTS, parseHosts } from "./orgPolicy";
import { SaveRow } from "./SaveRow";
import { useOrgSave } from "./useOrgSave";

/** Hosts data may go to without the exfiltration rule firing. */
export function EgressForm({ org, editable, onSaved }: { org: OrgView; editable: boolean; onSaved(org: OrgView): void }) {
  const uid = useId();
  const [text, setText] = useState(org.egress_allow_list.join("\n"));
  const [touched, setTouched] = useState(false);
  const status = useOrgSave(onSaved);
  const hosts = parseHosts(text);
  const problem = egressProblem(hosts);
  const shown = touched ? problem : null;

  async function save(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    const org = await status.save({ egress_allow_list: hosts }, `Saved — ${hosts.length} host${hosts.length === 1 ? "" : "s"} allowed.`);
    if (org) {
      setText(org.egress_allow_list.join("\n"));
      setTouched(false);
    }
  }

  return (
    <form className="org-form" onSubmit={(e) => void save(e)} noValidate>
      <fieldset disabled={!editable} className="org-form__fields">
        <label className="field-label" htmlFor={`${uid}-hosts`}>
          Allowed hosts
        </label>
        <p id={`${uid}-hint`} className="muted">
          One per line: a host name (<code>api.example.com</code>) or a suffix covering its subdomains (
          <code>.example.com</code>). Sending data anywhere else counts as exfiltration. At most {MAX_EGRESS_HOSTS}.
        </p>
        <textarea
          id={`${uid}-hosts`}
          className="textarea"
          rows={Math.min(10, Math.max(3, hosts.length + 1))}
          spellCheck={false}
          autoCapitalize="off"
          value={text}
          aria-invalid={shown ? true : undefined}
          aria-describedby={shown ? `${uid}-error ${uid}-hint` : `${uid}-hint`}
          onChange={(e) => {
            setText(e.target.value);
            setTouched(true);
            status.edited();
          }}
        />
        {shown && (
          <p id={`${uid}-error`} className="error-text">
            {shown}
          </p>
        )}
      </fieldset>
      {editable && <SaveRow status={status} />}
    </form>
  );
}
