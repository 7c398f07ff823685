import { Modal } from "../ui/Modal";

const ROWS: [string, string][] = [
  ["A", "Approve the selected command"],
  ["D", "Deny the selected command"],
  ["W", "Approve and whitelist (opens the rule editor)"],
  ["E", "Edit the command, then approve the edited text"],
  ["J", "Select the next command"],
  ["K", "Select the previous command"],
  ["Enter", "Open the selected command's details"],
  ["?", "Show or hide this help"],
  ["Esc", "Close a dialog"],
];

export function ShortcutsDialog({ onClose }: { onClose(): void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} className="shortcuts">
      <div
        onKeyDown={(e) => {
          if (e.key === "?") {
            e.preventDefault();
            onClose();
          }
        }}
      >
        <table className="shortcuts__table">
          <tbody>
            {ROWS.map(([key, what]) => (
              <tr key={key}>
                <th scope="row">
                  <kbd>{key}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">Shortcuts are off while you type in a field. On a phone, swipe a card right to approve or left to deny.</p>
        <div className="modal__actions">
          <button type="button" className="btn btn--primary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </Modal>
  );
}
