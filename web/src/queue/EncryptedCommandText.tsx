import { Link } from "react-router";
import { unreadableText, type CommandReading } from "../encryption/reading";
import { CommandText } from "./CommandText";

/**
 * The body of an end-to-end encrypted card: the decrypted command through the
 * same inert renderer as any command, or why this browser cannot show it.
 */
export function EncryptedCommandText({ reading }: { reading: CommandReading }) {
  if (reading.state === "readable") return <CommandText text={reading.text} className="card__command" />;
  if (reading.state === "unreadable") {
    return (
      <p className="card__lock-notice">
        {unreadableText(reading)}
        {reading.reason === "no-key" && (
          <>
            {" "}
            <Link to="/settings">Create a key for this browser</Link> to read commands encrypted for it from now on.
          </>
        )}
      </p>
    );
  }
  return (
    <p className="card__decrypting" role="status">
      Decrypting…
    </p>
  );
}
