import { Link } from "react-router";
import type { WhitelistRuleView } from "../api";
import { formatDateTime, formatShortDateTime } from "../history/format";
import { InertText } from "../ui/InertText";
import { inertPlain, truncate } from "../ui/inertText";

interface Props {
  rules: WhitelistRuleView[];
  highlight: string | null;
  busy: string | null;
  /** False for auditors: no actions column. */
  canChange?: boolean;
  onEdit(rule: WhitelistRuleView): void;
  onExpire(rule: WhitelistRuleView): void;
  onDelete(rule: WhitelistRuleView): void;
}

function Expiry({ rule }: { rule: WhitelistRuleView }) {
  if (rule.expired) return <span className="badge badge--neutral">Expired</span>;
  if (!rule.expires_at) return <span className="muted">Never</span>;
  return (
    <time dateTime={rule.expires_at} title={formatDateTime(rule.expires_at)}>
      {formatShortDateTime(rule.expires_at)}
    </time>
  );
}

function CreatedFrom({ rule }: { rule: WhitelistRuleView }) {
  if (!rule.created_from_command_id) return <span className="muted">—</span>;
  return (
    <Link to={`/commands/${encodeURIComponent(rule.created_from_command_id)}`} className="cmd-link">
      <code>
        {rule.created_from_command ? (
          <InertText text={rule.created_from_command} singleLine max={120} />
        ) : (
          rule.created_from_command_id
        )}
      </code>
    </Link>
  );
}

export function RulesTable({ rules, highlight, busy, canChange = true, onEdit, onExpire, onDelete }: Props) {
  return (
    <table className="history-table rules-table">
      <caption className="visually-hidden">Whitelist rules, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Pattern</th>
          <th scope="col">Type</th>
          <th scope="col">Scope</th>
          <th scope="col">Hits</th>
          <th scope="col">Last hit</th>
          <th scope="col">Created by</th>
          <th scope="col">Created from</th>
          <th scope="col">Expires</th>
          {canChange && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {rules.map((rule) => {
          const name = truncate(inertPlain(rule.pattern), 60);
          return (
            <tr key={rule.id} className={rule.id === highlight ? "is-highlighted" : undefined} aria-current={rule.id === highlight ? "true" : undefined}>
              <td className="rules-table__pattern" data-label="Pattern">
                <code>
                  <InertText text={rule.pattern} max={600} />
                </code>
              </td>
              <td data-label="Type">{rule.type}</td>
              <td data-label="Scope">
                <InertText text={rule.scope} />
              </td>
              <td data-label="Hits" className="num">
                {rule.hit_count}
              </td>
              <td data-label="Last hit">
                {rule.last_hit_at ? (
                  <time dateTime={rule.last_hit_at} title={formatDateTime(rule.last_hit_at)}>
                    {formatShortDateTime(rule.last_hit_at)}
                  </time>
                ) : (
                  <span className="muted">never</span>
                )}
              </td>
              <td data-label="Created by">{rule.created_by ?? <span className="muted">—</span>}</td>
              <td data-label="Created from" className="rules-table__from">
                <CreatedFrom rule={rule} />
              </td>
              <td data-label="Expires">
                <Expiry rule={rule} />
              </td>
              {canChange && (
                <td data-label="Actions">
                  <div className="rules-table__actions">
                    <button type="button" className="btn btn--small" onClick={() => onEdit(rule)} aria-label={`Edit rule ${name}`}>
                      Edit
                    </button>
                    <button
                      type="button"
                      className="btn btn--small"
                      onClick={() => onExpire(rule)}
                      disabled={rule.expired || busy === rule.id}
                      aria-label={`Expire rule ${name} now`}
                    >
                      Expire now
                    </button>
                    <button
                      type="button"
                      className="btn btn--small btn--danger-outline"
                      onClick={() => onDelete(rule)}
                      disabled={busy === rule.id}
                      aria-label={`Delete rule ${name}`}
                    >
                      Delete
                    </button>
                  </div>
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
